// panels/archive-admin.js — the administrator's overview (server/modules/
// archive, action `overview`, admins only): rooms open now, notary outbox
// entries not yet acknowledged, and how many recordings the archive holds;
// a retention sweep can be run now. Refreshed every 10 s. Runs in the page.
// Test hooks: [data-testid=admin-rooms] with admin-room[data-room] rows,
// [data-testid=admin-outbox] with admin-outbox-row[data-recording] rows,
// [data-testid=admin-recordings], admin-sweep, admin-message.
import { el, showError, showMessage, showText } from './dom.js';

export const id = 'archive-admin';
export const title = { zh: '运行概况', en: 'Overview' };

const REFRESH_MS = 10000;

const STRINGS = {
  zh: {
    'admin.rooms': '当前房间',
    'admin.no-rooms': '目前没有房间。',
    'admin.room': '房间',
    'admin.participants': '人数',
    'admin.worker': '工作线程',
    'admin.outbox': '待公证送达',
    'admin.no-outbox': '没有等待送达的条目。',
    'admin.recording': '录像',
    'admin.kind': '类型',
    'admin.state': '状态',
    'admin.attempts': '尝试次数',
    'admin.last-error': '最近错误',
    'admin.age': '等待',
    'admin.recordings': '档案中录像 {total} 条（已删除 {deleted} 条）',
    'admin.refresh': '刷新',
    'admin.sweep': '立即执行保存期限清理',
    'admin.swept': '已删除 {n} 条到期录像',
  },
  en: {
    'admin.rooms': 'Rooms open now',
    'admin.no-rooms': 'No rooms are open.',
    'admin.room': 'Room',
    'admin.participants': 'People',
    'admin.worker': 'Worker',
    'admin.outbox': 'Waiting for the notary',
    'admin.no-outbox': 'Nothing is waiting.',
    'admin.recording': 'Recording',
    'admin.kind': 'Kind',
    'admin.state': 'State',
    'admin.attempts': 'Attempts',
    'admin.last-error': 'Last error',
    'admin.age': 'Waiting',
    'admin.recordings': '{total} recordings in the archive ({deleted} deleted)',
    'admin.refresh': 'Refresh',
    'admin.sweep': 'Run the retention sweep now',
    'admin.swept': '{n} expired recordings deleted',
  },
};

function table(testid, head, rows) {
  return el('table', { dataset: { testid } }, el('tr', {}, ...head.map((h) => el('th', {}, h))), ...rows);
}

export function mount(root, ctx) {
  ctx.addStrings(STRINGS);
  const t = ctx.t;
  const message = el('div', { className: 'muted', dataset: { testid: 'admin-message' } });
  const refresh = el('button', { type: 'button', dataset: { testid: 'admin-refresh' } });
  const sweep = el('button', { type: 'button', dataset: { testid: 'admin-sweep' } });
  const body = el('div');
  root.append(el('div', { className: 'row' }, refresh, sweep, message), body);
  let last = null;

  const render = () => {
    refresh.textContent = t('admin.refresh');
    sweep.textContent = t('admin.sweep');
    if (!last) return;
    const rooms = last.rooms ?? [];
    const outbox = last.outbox ?? [];
    const rec = last.recordings ?? { total: 0, deleted: 0 };
    body.replaceChildren(
      el('h3', {}, t('admin.rooms')),
      rooms.length
        ? table('admin-rooms', [t('admin.room'), t('admin.participants'), t('admin.worker')],
          rooms.map((r) => el('tr', { dataset: { testid: 'admin-room', room: r.room } },
            el('td', {}, r.room), el('td', {}, String(r.participants ?? '')), el('td', {}, String(r.worker ?? '')))))
        : el('div', { className: 'muted', dataset: { testid: 'admin-rooms' } }, t('admin.no-rooms')),
      el('h3', {}, t('admin.outbox')),
      outbox.length
        ? table('admin-outbox', [t('admin.recording'), t('admin.kind'), t('admin.state'), t('admin.attempts'), t('admin.last-error'), t('admin.age')],
          outbox.map((o) => el('tr', { dataset: { testid: 'admin-outbox-row', recording: o.recording } },
            el('td', {}, o.recording), el('td', {}, o.kind ?? ''), el('td', {}, o.state ?? ''),
            el('td', {}, String(o.attempts ?? 0)), el('td', {}, o.last_error ?? ''), el('td', {}, `${o.age_s ?? 0} s`))))
        : el('div', { className: 'muted', dataset: { testid: 'admin-outbox' } }, t('admin.no-outbox')),
      el('h3', { dataset: { testid: 'admin-recordings', total: String(rec.total) } }, t('admin.recordings', rec)),
    );
  };

  const load = async () => {
    try {
      last = await ctx.request('archive', 'overview');
      render();
    } catch (err) {
      showError(message, err, t);
    }
  };

  refresh.addEventListener('click', () => {
    showMessage(message);
    load();
  });
  sweep.addEventListener('click', async () => {
    showMessage(message);
    try {
      const r = await ctx.request('archive', 'sweep');
      showText(message, t, 'admin.swept', { n: r.deleted.length });
      load();
    } catch (err) {
      showError(message, err, t);
    }
  });
  render();
  ctx.onLang(render);
  ctx.onReady(load);
  load();
  setInterval(load, REFRESH_MS);
}
