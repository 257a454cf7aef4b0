// panels/appoint-hall.js — the applicant's appointments: choose a business
// type and a free slot, book it, see every appointment's progress live
// (`appointment` events), check in online (from 15 minutes before) or
// cancel. When staff connect, the page enters the room the event names.
// The slot list holds every free slot the server offers, grouped by day.
// Rows are [data-testid=appoint-row][data-appointment][data-state]; refusals
// show in [data-testid=appoint-message] with data-code (too-early, full, …).
// See server/modules/appoint/README.md.
import { STRINGS, TYPES } from './appoint-names.js';
import { centreParse, centreText, centreZone, zoneName } from './centre-time.js';
import { el, roomFollower, showError, showMessage, showText } from './dom.js';

export const id = 'appoint';
export const title = { zh: '预约办理', en: 'Appointments' };

const MORE = {
  zh: {
    'appoint.intro': '预约办理时段；开始前 15 分钟可在线签到，签到后工作人员将与您视频连线。',
    'appoint.type': '业务类型',
    'appoint.slot': '时段',
    'appoint.free': '余 {free}',
    'appoint.no-slots': '暂无可约时段',
    'appoint.book': '预约',
    'appoint.checkin': '签到',
    'appoint.cancel': '取消',
    'appoint.mine': '我的预约',
    'appoint.none': '您还没有预约。',
    'appoint.booked': '预约成功：{label}',
  },
  en: {
    'appoint.intro': 'Book a time; online check-in opens 15 minutes before, then staff connect to you on video.',
    'appoint.type': 'Business',
    'appoint.slot': 'Time',
    'appoint.free': '{free} free',
    'appoint.no-slots': 'No times available',
    'appoint.book': 'Book',
    'appoint.checkin': 'Check in',
    'appoint.cancel': 'Cancel',
    'appoint.mine': 'My appointments',
    'appoint.none': 'You have no appointments yet.',
    'appoint.booked': 'Booked: {label}',
  },
};

export function mount(root, ctx) {
  ctx.addStrings(STRINGS);
  ctx.addStrings(MORE);
  const t = ctx.t;
  let zone = 480;
  let mine = [];
  let slots = [];

  const intro = el('p', { className: 'muted' });
  const typeLabel = el('span');
  const slotLabel = el('span');
  const typeSelect = el('select', { dataset: { testid: 'appoint-type' } });
  const slotSelect = el('select', { dataset: { testid: 'appoint-slot' } });
  const book = el('button', { type: 'button', dataset: { testid: 'appoint-book' } });
  const message = el('div', { className: 'muted', dataset: { testid: 'appoint-message' } });
  const heading = el('h3');
  const table = el('table', { dataset: { testid: 'appoint-mine' } });
  root.append(intro,
    el('div', { className: 'row' }, el('label', {}, typeLabel, typeSelect), el('label', {}, slotLabel, slotSelect), book),
    message, heading, table);

  const follow = roomFollower(ctx, message);

  const act = async (action, appointment) => {
    showMessage(message);
    try {
      merge(await ctx.request('appoint', action, { appointment }));
    } catch (err) {
      showError(message, err, t);
    }
  };

  const row = (a) => {
    const actions = el('td');
    if (a.state === 'booked') {
      actions.append(el('button', { type: 'button', dataset: { testid: 'appoint-checkin' }, onclick: () => act('checkin', a.appointment) }, t('appoint.checkin')));
    }
    if (a.state === 'booked' || a.state === 'checked-in') {
      actions.append(' ', el('button', { type: 'button', className: 'danger', dataset: { testid: 'appoint-cancel' }, onclick: () => act('cancel', a.appointment) }, t('appoint.cancel')));
    }
    return el('tr', { dataset: { testid: 'appoint-row', appointment: String(a.appointment), state: a.state } },
      el('td', {}, String(a.appointment)),
      el('td', {}, t(`appoint.type.${a.business}`)),
      el('td', {}, a.label),
      el('td', { dataset: { state: a.state, testid: 'appoint-state' } }, t(`appoint.state.${a.state}`)),
      actions);
  };

  // Every free slot, one group per day ("2026年12月15日 周二"); an option
  // reads "12月15日 周二 10:30 · 余 2", with its day, as the closed list shows
  // the option alone. The server's labels are the centre's local time.
  const renderSlots = () => {
    const chosen = slotSelect.value;
    const days = new Map(); // "YYYY-MM-DD" -> [slot]
    for (const s of slots.filter((x) => x.free > 0)) {
      const day = s.label.slice(0, 10);
      if (!days.has(day)) days.set(day, []);
      days.get(day).push(s);
    }
    slotSelect.replaceChildren(...[...days].map(([day, list]) =>
      el('optgroup', { label: centreText(centreParse(day, '00:00', 0), 0, ctx.lang, { date: true, weekday: true }) },
        ...list.map((s) => el('option', { value: String(s.start_ms), title: s.label },
          `${centreText(centreParse(day, '00:00', 0), 0, ctx.lang, { date: true, weekday: true, year: false })} ` +
          `${s.label.slice(11)} · ${t('appoint.free', { free: s.free })}`)))));
    if (!slotSelect.options.length) slotSelect.append(el('option', { value: '' }, t('appoint.no-slots')));
    if (chosen && [...slotSelect.options].some((o) => o.value === chosen)) slotSelect.value = chosen;
    book.disabled = !slotSelect.value;
  };

  const render = () => {
    intro.textContent = t('appoint.intro');
    typeLabel.textContent = t('appoint.type');
    slotLabel.textContent = t('appoint.slot');
    const chosen = typeSelect.value || TYPES[0];
    typeSelect.replaceChildren(...TYPES.map((k) => el('option', { value: k }, t(`appoint.type.${k}`))));
    typeSelect.value = chosen;
    book.textContent = t('appoint.book');
    heading.textContent = t('appoint.mine');
    renderSlots();
    table.replaceChildren(
      el('tr', {}, ...['no', 'type', 'time', 'state'].map((k) => el('th', {}, t(`appoint.col.${k}`) + (k === 'time' ? ` (${zoneName(zone)})` : ''))), el('th')),
      ...mine.map(row));
    if (!mine.length) table.append(el('tr', {}, el('td', { colSpan: 5, className: 'muted' }, t('appoint.none'))));
  };

  function merge(a) {
    const i = mine.findIndex((m) => m.appointment === a.appointment);
    if (i >= 0) mine[i] = a;
    else mine.push(a);
    mine.sort((x, y) => x.start_ms - y.start_ms || x.appointment - y.appointment);
    render();
    if (a.state === 'in-progress' && a.room) follow.enter(a.room);
    else if (follow.room && follow.room === a.room) follow.leave();
  }

  const loadSlots = async () => {
    try {
      slots = (await ctx.request('appoint', 'slots', { business: typeSelect.value || TYPES[0] })).slots;
    } catch (err) {
      slots = [];
      showError(message, err, t);
    }
    renderSlots();
  };

  typeSelect.addEventListener('change', loadSlots);
  slotSelect.addEventListener('change', () => { book.disabled = !slotSelect.value; });
  book.addEventListener('click', async () => {
    showMessage(message);
    try {
      const a = await ctx.request('appoint', 'book', { business: typeSelect.value, start_ms: Number(slotSelect.value) });
      showText(message, t, 'appoint.booked', { label: a.label });
      merge(a);
    } catch (err) {
      showError(message, err, t);
    }
    loadSlots();
  });
  ctx.onEvent('appoint', (msg) => {
    if (msg.event === 'appointment') merge(msg);
  });
  ctx.onLang(render);
  ctx.onReady(async () => {
    zone = await centreZone(ctx); // times are the centre's: the header names its zone
    try {
      mine = [];
      for (const a of (await ctx.request('appoint', 'list')).appointments) merge(a);
      render();
    } catch (err) {
      showError(message, err, t);
    }
    loadSlots();
  });
  render();
}
