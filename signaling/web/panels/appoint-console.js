// panels/appoint-console.js — placeholder until the appoint panel lands (see shell.js for the contract).
export const id = 'appoint';
export const title = { zh: 'appoint', en: 'appoint' };
export function mount(el) {
  el.textContent = '…';
}
