// panels/clock-console.js — admins only: the workflow clock (appointment
// times and check-in windows follow it), for rehearsals and walking the
// appointment flow by hand. Moving it needs [modules] adjustable_clock =
// true; otherwise the server answers `unavailable` and this says so. Token
// expiry keeps real time. See signaling/PROTOCOL.md, "The workflow clock".
import { el, showError, showMessage } from './dom.js';

export const id = 'clock';
export const title = { zh: '流程时钟', en: 'Workflow clock' };
export const roles = ['admin'];

const STRINGS = {
  zh: { 'clock.now': '流程时间：{time}（偏移 {offset} 分钟）', 'clock.reset': '恢复实时', 'clock.min': '{n} 分钟' },
  en: { 'clock.now': 'Workflow time: {time} (offset {offset} min)', 'clock.reset': 'Back to real time', 'clock.min': '{n} min' },
};

export function mount(root, ctx) {
  ctx.addStrings(STRINGS);
  const t = ctx.t;
  let clock = { now_ms: Date.now(), offset_ms: 0 };
  const now = el('div', { className: 'big', dataset: { testid: 'clock-now' } });
  const message = el('div', { className: 'muted', dataset: { testid: 'clock-message' } });
  const steps = [-60, -15, -1, 1, 15, 60];
  const buttons = steps.map((n) => el('button', { type: 'button', onclick: () => set({ offset_ms: clock.offset_ms + n * 60000 }) }));
  const reset = el('button', { type: 'button', onclick: () => set({ offset_ms: 0 }) });
  root.append(now, el('div', { className: 'row' }, ...buttons, reset), message);

  const render = () => {
    const time = new Date(clock.now_ms).toLocaleString(ctx.lang === 'zh' ? 'zh-CN' : 'en-GB');
    now.dataset.offset = String(clock.offset_ms);
    now.textContent = t('clock.now', { time, offset: Math.round(clock.offset_ms / 60000) });
    steps.forEach((n, i) => { buttons[i].textContent = (n > 0 ? '+' : '') + t('clock.min', { n }); });
    reset.textContent = t('clock.reset');
  };
  async function set(fields) {
    showMessage(message);
    try {
      clock = await ctx.request('clock', 'set', fields);
      render();
    } catch (err) {
      showError(message, err, t);
    }
  }
  ctx.onLang(render);
  ctx.onReady(async () => {
    try {
      clock = await ctx.request('clock', 'get');
    } catch (err) {
      showError(message, err, t);
    }
    render();
  });
  setInterval(() => {
    clock = { ...clock, now_ms: clock.now_ms + 1000 };
    render();
  }, 1000);
}
