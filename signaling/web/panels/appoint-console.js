// panels/appoint-console.js — the staff side of appointments: every booked,
// checked-in and in-progress appointment, updated live (`appointment`
// events); "connect" on one that has checked in (the console enters the
// room the module made, where the applicant is invited), "finish" when done.
// Rows are [data-testid=appoint-row][data-appointment][data-state][data-sub].
// See server/modules/appoint/README.md.
import { STRINGS } from './appoint-names.js';
import { centreZone, zoneName } from './centre-time.js';
import { el, showError, showMessage } from './dom.js';

export const id = 'appoint';
export const title = { zh: '预约签到', en: 'Check-ins' };

const MORE = {
  zh: {
    'appoint.connect': '视频连线',
    'appoint.finish': '办结',
    'appoint.empty': '暂无预约。',
    'appoint.offline': '（不在线）',
    'appoint.summary': '已签到 {checked} 人 · 办理中 {busy} 人 · 已预约 {booked} 人',
  },
  en: {
    'appoint.connect': 'Connect',
    'appoint.finish': 'Finish',
    'appoint.empty': 'No appointments.',
    'appoint.offline': ' (offline)',
    'appoint.summary': '{checked} checked in · {busy} in progress · {booked} booked',
  },
};

const ACTIVE = ['booked', 'checked-in', 'in-progress'];

export function mount(root, ctx) {
  ctx.addStrings(STRINGS);
  ctx.addStrings(MORE);
  const t = ctx.t;
  let zone = 480;
  let list = [];

  const summary = el('div', { className: 'muted', dataset: { testid: 'appoint-summary' } });
  const table = el('table', { dataset: { testid: 'appoint-list' } });
  const message = el('div', { className: 'muted', dataset: { testid: 'appoint-message' } });
  root.append(summary, table, message);

  const act = async (action, appointment) => {
    showMessage(message);
    try {
      const a = await ctx.request('appoint', action, { appointment });
      merge(a);
      if (action === 'connect') await ctx.enterRoom(a.room);
      if (action === 'finish') await ctx.leaveRoom();
    } catch (err) {
      showError(message, err, t);
    }
  };

  const row = (a) => {
    const actions = el('td');
    if (a.state === 'checked-in' || a.state === 'in-progress') {
      actions.append(el('button', { type: 'button', dataset: { testid: 'appoint-connect' }, onclick: () => act('connect', a.appointment) }, t('appoint.connect')));
    }
    if (a.state === 'in-progress') {
      actions.append(' ', el('button', { type: 'button', className: 'danger', dataset: { testid: 'appoint-finish' }, onclick: () => act('finish', a.appointment) }, t('appoint.finish')));
    }
    return el('tr', { dataset: { testid: 'appoint-row', appointment: String(a.appointment), state: a.state, sub: a.sub } },
      el('td', {}, String(a.appointment)),
      el('td', {}, a.sub, a.connected === false ? t('appoint.offline') : ''),
      el('td', {}, t(`appoint.type.${a.business}`)),
      el('td', {}, a.label),
      el('td', { dataset: { state: a.state } }, t(`appoint.state.${a.state}`)),
      actions);
  };

  const render = () => {
    const n = (s) => list.filter((a) => a.state === s).length;
    summary.textContent = t('appoint.summary', { checked: n('checked-in'), busy: n('in-progress'), booked: n('booked') });
    // Checked-in first: they are the ones waiting for staff.
    const order = { 'checked-in': 0, 'in-progress': 1, booked: 2 };
    const shown = [...list].sort((x, y) => order[x.state] - order[y.state] || x.start_ms - y.start_ms);
    table.replaceChildren(
      el('tr', {}, ...['no', 'who', 'type', 'time', 'state'].map((k) => el('th', {}, t(`appoint.col.${k}`) + (k === 'time' ? ` (${zoneName(zone)})` : ''))), el('th')),
      ...shown.map(row));
    if (!list.length) table.append(el('tr', {}, el('td', { colSpan: 6, className: 'muted' }, t('appoint.empty'))));
  };

  function merge(a) {
    list = list.filter((m) => m.appointment !== a.appointment);
    if (ACTIVE.includes(a.state)) list.push(a);
    render();
  }

  ctx.onEvent('appoint', (msg) => {
    if (msg.event === 'appointment') merge(msg);
  });
  ctx.onLang(render);
  ctx.onReady(async () => {
    zone = await centreZone(ctx); // times are the centre's: the header names its zone
    try {
      list = (await ctx.request('appoint', 'list')).appointments;
      render();
    } catch (err) {
      showError(message, err, t);
    }
  });
  render();
}
