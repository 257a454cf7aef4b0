// panels/consult-console.js — the staff side of the consultation queue: the
// queue live (`queue-list` events), "take next" or take a chosen ticket
// (the console then enters the room the module made, where the applicant is
// invited), and "end" for the calls this staff member runs. Rows are
// [data-testid=consult-row][data-ticket][data-state][data-sub]. See
// server/modules/consult/README.md.
import { el, minutes, showError, showMessage } from './dom.js';

export const id = 'consult';
export const title = { zh: '咨询排队', en: 'Consultation queue' };

const STRINGS = {
  zh: {
    'consult.take-next': '接待下一位',
    'consult.take': '接待',
    'consult.end': '结束咨询',
    'consult.rejoin': '回到房间',
    'consult.summary': '排队 {waiting} 人 · 在线工作人员 {staff} 人 · 平均办理 {average}',
    'consult.col.ticket': '号',
    'consult.col.who': '申请人',
    'consult.col.topic': '事项',
    'consult.col.waited': '已等待',
    'consult.col.state': '状态',
    'consult.away': '（已离开，保留位置）',
    'consult.empty': '目前无人排队。',
    'consult.state.waiting': '排队中',
    'consult.state.called': '已呼叫',
    'consult.state.in-call': '咨询中',
  },
  en: {
    'consult.take-next': 'Take the next',
    'consult.take': 'Take',
    'consult.end': 'End the consultation',
    'consult.rejoin': 'Back to the room',
    'consult.summary': '{waiting} waiting · {staff} staff online · average call {average}',
    'consult.col.ticket': 'No.',
    'consult.col.who': 'Applicant',
    'consult.col.topic': 'Topic',
    'consult.col.waited': 'Waited',
    'consult.col.state': 'State',
    'consult.away': ' (away, place kept)',
    'consult.empty': 'Nobody is waiting.',
    'consult.state.waiting': 'Waiting',
    'consult.state.called': 'Called',
    'consult.state.in-call': 'In call',
  },
};

export function mount(root, ctx) {
  ctx.addStrings(STRINGS);
  const t = ctx.t;
  let list = { queue: [], waiting: 0, staff_online: 0, average_s: 0 };

  const takeNext = el('button', { type: 'button', dataset: { testid: 'consult-take-next' } });
  const summary = el('div', { className: 'muted', dataset: { testid: 'consult-summary' } });
  const table = el('table', { dataset: { testid: 'consult-queue' } });
  const message = el('div', { className: 'muted', dataset: { testid: 'consult-message' } });
  root.append(el('div', { className: 'row' }, takeNext, summary), table, message);

  const act = async (action, fields) => {
    showMessage(message);
    try {
      const r = await ctx.request('consult', action, fields);
      if (action === 'take') await ctx.enterRoom(r.room);
      if (action === 'end') await ctx.leaveRoom();
      render();
    } catch (err) {
      showError(message, err, t);
    }
  };

  const row = (e) => {
    const mine = e.staff && e.staff === ctx.identity?.sub;
    const actions = el('td');
    if (e.state === 'waiting') {
      actions.append(el('button', { type: 'button', dataset: { testid: 'consult-take' }, onclick: () => act('take', { ticket: e.ticket }) }, t('consult.take')));
    } else if (mine) {
      if (!ctx.inRoom?.(e.room)) {
        actions.append(el('button', { type: 'button', dataset: { testid: 'consult-rejoin' }, onclick: () => ctx.enterRoom(e.room).then(render, (err) => showError(message, err, t)) }, t('consult.rejoin')), ' ');
      }
      actions.append(el('button', { type: 'button', className: 'danger', dataset: { testid: 'consult-end' }, onclick: () => act('end', { ticket: e.ticket }) }, t('consult.end')));
    }
    return el('tr', { dataset: { testid: 'consult-row', ticket: String(e.ticket), state: e.state, sub: e.sub, away: String(!!e.away) } },
      el('td', {}, String(e.ticket)),
      el('td', {}, e.sub),
      el('td', {}, e.topic),
      el('td', {}, minutes(e.waited_s, ctx.lang)),
      el('td', { dataset: { state: e.state } }, t(`consult.state.${e.state}`) + (e.away ? t('consult.away') : ''), e.staff ? ` · ${e.staff}` : ''),
      actions);
  };

  const render = () => {
    takeNext.textContent = t('consult.take-next');
    takeNext.disabled = !list.queue.some((e) => e.state === 'waiting' && !e.away);
    summary.textContent = t('consult.summary', { waiting: list.waiting, staff: list.staff_online, average: minutes(list.average_s, ctx.lang) });
    const head = el('tr', {}, ...['ticket', 'who', 'topic', 'waited', 'state'].map((k) => el('th', {}, t(`consult.col.${k}`))), el('th'));
    table.replaceChildren(head, ...list.queue.map(row));
    if (!list.queue.length) table.append(el('tr', {}, el('td', { colSpan: 6, className: 'muted' }, t('consult.empty'))));
  };

  takeNext.addEventListener('click', () => act('take'));
  ctx.onEvent('consult', (msg) => {
    if (msg.event === 'queue-list') {
      list = msg;
      render();
    }
  });
  ctx.onLang(render);
  ctx.onRoomLeft(render);
  ctx.onReady(async () => {
    try {
      list = await ctx.request('consult', 'list');
      render();
    } catch (err) {
      showError(message, err, t);
    }
  });
  render();
}
