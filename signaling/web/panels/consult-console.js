// panels/consult-console.js — placeholder until the consult panel lands (see shell.js for the contract).
export const id = 'consult';
export const title = { zh: 'consult', en: 'consult' };
export function mount(el) {
  el.textContent = '…';
}
