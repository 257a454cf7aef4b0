// panels/consult-hall.js — the applicant's consultation panel: choose a
// topic, join the queue, watch the position and the estimated wait change
// live (`queue` events of the consult module), leave the queue; when staff
// take the ticket the page enters the room the event names. After a
// reconnect it asks for its ticket again and goes back into its room.
// [data-testid=consult-state] carries data-state: none, waiting, called,
// in-call, done, left, dropped, no-show. See server/modules/consult/README.md.
import { el, minutes, roomFollower, showError, showMessage } from './dom.js';

export const id = 'consult';
export const title = { zh: '视频咨询', en: 'Video consultation' };

const TOPICS = ['transfer', 'mortgage', 'certificate', 'other'];

const STRINGS = {
  zh: {
    'consult.intro': '选择咨询事项，排队等候工作人员视频接待。',
    'consult.topic': '咨询事项',
    'consult.topic.transfer': '存量房转移登记',
    'consult.topic.mortgage': '抵押登记',
    'consult.topic.certificate': '补证换证',
    'consult.topic.other': '其他',
    'consult.join': '开始排队',
    'consult.leave': '退出排队',
    'consult.hangup': '结束咨询',
    'consult.position': '您前面还有 {ahead} 人，您排第 {position} 位',
    'consult.estimate': '预计等待 {time}',
    'consult.state.none': '未排队',
    'consult.state.waiting': '排队中',
    'consult.state.called': '工作人员已接入，正在进入视频…',
    'consult.state.in-call': '视频咨询中',
    'consult.state.done': '咨询已结束',
    'consult.state.left': '已退出排队',
    'consult.state.dropped': '您离开太久，已失去排队位置',
    'consult.state.no-show': '您未及时进入视频，本次排队已结束',
  },
  en: {
    'consult.intro': 'Choose a topic and wait in the queue for a staff member to see you on video.',
    'consult.topic': 'Topic',
    'consult.topic.transfer': 'Transfer of an existing home',
    'consult.topic.mortgage': 'Mortgage registration',
    'consult.topic.certificate': 'Certificate replacement',
    'consult.topic.other': 'Other',
    'consult.join': 'Join the queue',
    'consult.leave': 'Leave the queue',
    'consult.hangup': 'End the consultation',
    'consult.position': '{ahead} ahead of you: you are number {position}',
    'consult.estimate': 'Estimated wait {time}',
    'consult.state.none': 'Not in the queue',
    'consult.state.waiting': 'Waiting',
    'consult.state.called': 'A staff member is ready: entering the video room…',
    'consult.state.in-call': 'In the video consultation',
    'consult.state.done': 'The consultation has ended',
    'consult.state.left': 'You left the queue',
    'consult.state.dropped': 'You were away too long and lost your place',
    'consult.state.no-show': 'You did not come into the video room in time; the ticket has ended',
  },
};

export function mount(root, ctx) {
  ctx.addStrings(STRINGS);
  const t = ctx.t;
  let ticket = { state: 'none' };

  const intro = el('p', { className: 'muted' });
  const select = el('select', { dataset: { testid: 'consult-topic' } });
  const topicLabel = el('span');
  const join = el('button', { type: 'button', dataset: { testid: 'consult-join' } });
  const leave = el('button', { type: 'button', className: 'danger', dataset: { testid: 'consult-leave' } });
  const state = el('div', { className: 'big', dataset: { testid: 'consult-state', state: 'none' } });
  const position = el('div', { dataset: { testid: 'consult-position' } });
  const estimate = el('div', { className: 'muted', dataset: { testid: 'consult-estimate' } });
  const message = el('div', { className: 'muted', dataset: { testid: 'consult-message' } });
  const form = el('div', { className: 'row' }, el('label', {}, topicLabel, select), join);
  root.append(intro, form, state, position, estimate, leave, message);

  const render = () => {
    intro.textContent = t('consult.intro');
    topicLabel.textContent = t('consult.topic');
    const chosen = select.value;
    select.replaceChildren(...TOPICS.map((k) => el('option', { value: k }, t(`consult.topic.${k}`))));
    if (chosen) select.value = chosen;
    join.textContent = t('consult.join');
    const s = ticket.state;
    leave.textContent = t(s === 'waiting' ? 'consult.leave' : 'consult.hangup');
    const active = ['waiting', 'called', 'in-call'].includes(s);
    state.dataset.state = s;
    state.textContent = t(`consult.state.${s}`);
    form.hidden = active;
    leave.hidden = !active;
    position.hidden = estimate.hidden = s !== 'waiting';
    position.dataset.position = String(ticket.position ?? 0);
    position.textContent = t('consult.position', { position: ticket.position, ahead: Math.max(0, (ticket.position ?? 1) - 1) });
    estimate.dataset.seconds = String(ticket.estimate_s ?? 0);
    estimate.textContent = t('consult.estimate', { time: minutes(ticket.estimate_s ?? 0, ctx.lang) });
  };

  const follow = roomFollower(ctx, message);

  const update = (msg) => {
    ticket = msg;
    render();
    if ((msg.state === 'called' || msg.state === 'in-call') && msg.room) follow.enter(msg.room);
    else follow.leave();
  };

  // Leaving the room by hand (its Leave button) hangs up: the ticket ends.
  ctx.onRoomLeft((reason) => {
    if (reason === 'left' && ['called', 'in-call'].includes(ticket.state)) {
      ctx.request('consult', 'leave').catch((err) => showError(message, err, t));
    }
  });
  ctx.onEvent('consult', (msg) => {
    if (msg.event === 'queue') update(msg);
  });
  ctx.onLang(render);
  ctx.onReady(async () => {
    try {
      update(await ctx.request('consult', 'status'));
    } catch (err) {
      showError(message, err, t);
    }
  });

  join.addEventListener('click', async () => {
    showMessage(message);
    try {
      update(await ctx.request('consult', 'join', { topic: t(`consult.topic.${select.value}`) }));
    } catch (err) {
      showError(message, err, t);
    }
  });
  leave.addEventListener('click', async () => {
    showMessage(message);
    try {
      await ctx.request('consult', 'leave');
    } catch (err) {
      showError(message, err, t);
    }
  });
  render(); // the state comes with onReady, right after mount
}
