// panels/clock-console.js — admins only: the workflow clock (appointment
// times and check-in windows follow it), for rehearsals and walking the
// appointment flow by hand. It is shown, and set, in the centre's local time
// (the zone the clock module names, UTC+8 by default), not the browser's:
// type a date and a time and press "Set", or step it by minutes. Moving it
// needs [modules] adjustable_clock = true; otherwise the server answers
// `unavailable` and this says so. Token expiry keeps real time. See
// signaling/PROTOCOL.md, "The workflow clock".
// Test hooks: clock-now[data-offset][data-now-ms], clock-day, clock-time,
// clock-set, clock-message.
import { centreDay, centreHm, centreParse, centreText, zoneName } from './centre-time.js';
import { el, showError, showMessage, showText } from './dom.js';

export const id = 'clock';
export const title = { zh: '流程时钟', en: 'Workflow clock' };
export const roles = ['admin'];

const STRINGS = {
  zh: {
    'clock.now': '流程时间：{time}（与实际时间相差 {offset} 分钟）',
    'clock.reset': '恢复实时',
    'clock.min': '{n} 分钟',
    'clock.to': '设为（中心时间 {zone}）',
    'clock.set': '设定',
    'clock.bad-time': '请填写日期和时间（例如 2026-12-15 和 10:15）。',
  },
  en: {
    'clock.now': 'Workflow time: {time} (real time {offset} min)',
    'clock.reset': 'Back to real time',
    'clock.min': '{n} min',
    'clock.to': 'Set to (centre time, {zone})',
    'clock.set': 'Set',
    'clock.bad-time': 'Fill in a date and a time (e.g. 2026-12-15 and 10:15).',
  },
};

export function mount(root, ctx) {
  ctx.addStrings(STRINGS);
  const t = ctx.t;
  let clock = { now_ms: Date.now(), offset_ms: 0, utc_offset_minutes: 480 };
  const zone = () => clock.utc_offset_minutes ?? 480;
  const now = el('div', { className: 'big', dataset: { testid: 'clock-now' } });
  const message = el('div', { className: 'muted', dataset: { testid: 'clock-message' } });
  const steps = [-60, -15, -1, 1, 15, 60];
  const buttons = steps.map((n) => el('button', { type: 'button', onclick: () => set({ offset_ms: clock.offset_ms + n * 60000 }) }));
  const reset = el('button', { type: 'button', onclick: () => set({ offset_ms: 0 }) });
  const toLabel = el('span');
  const day = el('input', { type: 'date', required: true, dataset: { testid: 'clock-day' } });
  const time = el('input', { type: 'time', required: true, dataset: { testid: 'clock-time' } });
  const setButton = el('button', { type: 'submit', dataset: { testid: 'clock-set' } });
  const form = el('form', {}, toLabel, day, time, setButton);
  root.append(now, el('div', { className: 'row' }, ...buttons, reset), form, message);

  const fill = () => {
    day.value = centreDay(clock.now_ms, zone());
    time.value = centreHm(clock.now_ms, zone());
  };
  const render = () => {
    const text = centreText(clock.now_ms, zone(), ctx.lang, { seconds: true, weekday: true });
    const offset = Math.round(clock.offset_ms / 60000);
    now.dataset.offset = String(clock.offset_ms);
    now.dataset.nowMs = String(clock.now_ms);
    now.textContent = t('clock.now', { time: text, offset: (offset > 0 ? '+' : '') + offset });
    steps.forEach((n, i) => { buttons[i].textContent = (n > 0 ? '+' : '') + t('clock.min', { n }); });
    reset.textContent = t('clock.reset');
    toLabel.textContent = t('clock.to', { zone: zoneName(zone()) });
    setButton.textContent = t('clock.set');
  };
  async function set(fields) {
    showMessage(message);
    try {
      clock = await ctx.request('clock', 'set', fields);
      fill();
      render();
    } catch (err) {
      showError(message, err, t);
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const ms = centreParse(day.value, time.value, zone());
    if (Number.isNaN(ms)) showText(message, t, 'clock.bad-time');
    else set({ now_ms: ms });
  });
  ctx.onLang(render);
  ctx.onReady(async () => {
    try {
      clock = await ctx.request('clock', 'get');
      fill();
    } catch (err) {
      showError(message, err, t);
    }
    render();
  });
  setInterval(() => {
    clock = { ...clock, now_ms: clock.now_ms + 1000 };
    render();
  }, 1000);
  render();
}
