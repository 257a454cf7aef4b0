// panels/witness-console.js — witnessed entrustment for staff: the cases
// (live through `case` events of the witness module), open one (the console
// enters the room the module made and invited both parties to), each
// party's liveness, whether their audio and video are being recorded
// (polled from the module's `status` every 2 s while a session is open),
// consent start/end marks per party, a liveness re-check, and approve or
// reject (a reason is required). `attention` events (not recorded, a
// recorder failed) are shown in witness-attention[data-kind]. Once decided,
// the card shows witness-outcome: witness-decision[data-decision], the
// reason, and witness-recording-end[data-recording] (sealed when the room
// closed); no action buttons. The card's elements are kept across the
// re-renders so that the reason box keeps what is typed and its focus.
// Elements: witness-row[data-case][data-state] with witness-open; the open
// case is witness-detail[data-case][data-state][data-recorded] with one
// witness-party[data-party][data-liveness][data-consent][data-signed]
// [data-audio][data-video] per party. See server/modules/witness/README.md.
import { el, showError, showMessage } from './dom.js';
import { ERRORS } from './witness-hall.js';

export const id = 'witness';
export const title = { zh: '委托见证', en: 'Entrustment cases' };

const IN_ROOM = ['in-session', 'consent', 'signed'];
const ENDED = ['approved', 'rejected', 'cancelled'];
const POLL_MS = 2000;

const STRINGS = {
  zh: {
    'witness.col.case': '案号',
    'witness.col.parties': '委托人 / 受托人',
    'witness.col.state': '状态',
    'witness.open': '开始见证',
    'witness.rejoin': '进入见证',
    'witness.show-all': '显示已结案',
    'witness.none': '没有待办的委托案件。',
    'witness.recorded.yes': '录制中',
    'witness.recorded.no': '未录制',
    'witness.audio': '音频',
    'witness.video': '视频',
    'witness.consent-start': '意愿表达开始',
    'witness.consent-end': '意愿表达结束',
    'witness.recheck': '重新活体检测',
    'witness.approve': '审核通过',
    'witness.reject': '不予通过',
    'witness.reason': '原因（不通过或撤销时必填）',
    'witness.cancel': '撤销案件',
    'witness.decision-reason': '原因：{reason}',
    'witness.recording-sealed': '录制已结束：录像 {recording} 已随见证室关闭封存，封存记录交公证处存证。',
    'witness.recording-none': '本案没有录像。',
    'witness.stop-warning': '这是见证会话：停止录制后，双方无法继续意愿确认和签署，直到重新录制。确定停止录制吗？',
    'witness.you.principal': '委托人',
    'witness.you.agent': '受托人',
    'witness.signed': '已签署',
    'witness.unsigned': '未签署',
    'witness.consent.none': '意愿未开始',
    'witness.consent.started': '意愿表达中',
    'witness.consent.ended': '意愿已完成',
    'witness.state.created': '待受托人确认',
    'witness.state.agent-joined': '待见证',
    'witness.state.in-session': '见证中',
    'witness.state.consent': '意愿确认中',
    'witness.state.signed': '已签署待审核',
    'witness.state.approved': '已通过',
    'witness.state.rejected': '未通过',
    'witness.state.cancelled': '已撤回',
    ...ERRORS.zh,
  },
  en: {
    'witness.col.case': 'Case',
    'witness.col.parties': 'Principal / agent',
    'witness.col.state': 'State',
    'witness.open': 'Open the session',
    'witness.rejoin': 'Back to the session',
    'witness.show-all': 'Show decided cases',
    'witness.none': 'No entrustment cases waiting.',
    'witness.recorded.yes': 'recording',
    'witness.recorded.no': 'not recorded',
    'witness.audio': 'audio',
    'witness.video': 'video',
    'witness.consent-start': 'Consent starts',
    'witness.consent-end': 'Consent ends',
    'witness.recheck': 'Check liveness again',
    'witness.approve': 'Approve',
    'witness.reject': 'Reject',
    'witness.reason': 'Reason (required to reject or cancel)',
    'witness.cancel': 'Cancel the case',
    'witness.decision-reason': 'Reason: {reason}',
    'witness.recording-sealed': 'Recording ended: {recording} was sealed when the session room closed, and the seal goes to the notary.',
    'witness.recording-none': 'This case has no recording.',
    'witness.stop-warning': 'This is a witnessed session: while it is not recorded, the parties cannot state consent or sign. Stop recording?',
    'witness.you.principal': 'Principal',
    'witness.you.agent': 'Agent',
    'witness.signed': 'signed',
    'witness.unsigned': 'not signed',
    'witness.consent.none': 'consent not started',
    'witness.consent.started': 'stating consent',
    'witness.consent.ended': 'consent done',
    'witness.state.created': 'Waiting for the agent',
    'witness.state.agent-joined': 'Ready to witness',
    'witness.state.in-session': 'In session',
    'witness.state.consent': 'Consent',
    'witness.state.signed': 'Signed; decide',
    'witness.state.approved': 'Approved',
    'witness.state.rejected': 'Rejected',
    'witness.state.cancelled': 'Withdrawn',
    ...ERRORS.en,
  },
};

export function mount(root, ctx) {
  ctx.addStrings(STRINGS);
  const t = ctx.t;
  const cases = new Map();
  let current = null; // the case number open in this console
  let status = null; // the last `status` answer for it
  let poll = null;
  let showAll = false;

  const allBox = el('input', { type: 'checkbox', dataset: { testid: 'witness-show-all' } });
  const allLabel = el('span');
  const table = el('table', { dataset: { testid: 'witness-list' } });
  const detail = el('div', { className: 'card', hidden: true, dataset: { testid: 'witness-detail' } });
  const attention = el('div', { className: 'error', hidden: true, dataset: { testid: 'witness-attention' } });
  const message = el('div', { className: 'muted', dataset: { testid: 'witness-message' } });
  root.append(el('div', { className: 'row' }, el('label', {}, allBox, allLabel)), table, attention, detail, message);

  const act = async (action, fields) => {
    showMessage(message);
    try {
      const r = await ctx.request('witness', action, fields);
      if (r.case) update(r.case);
      return r;
    } catch (err) {
      showError(message, err, t);
      return null;
    }
  };

  const refreshStatus = async () => {
    if (!current || !IN_ROOM.includes(cases.get(current)?.state)) return;
    const number = current;
    let r = null;
    try {
      r = await ctx.request('witness', 'status', { case: number });
    } catch {
      // shown as unknown
    }
    // A decision may have overtaken the answer: the card then stays as the decision left it.
    const known = cases.get(number);
    if (number !== current || !IN_ROOM.includes(known?.state)) return;
    status = r;
    if (r?.case && r.case.updated_ms >= known.updated_ms) cases.set(number, r.case);
    render();
  };

  const open = async (number) => {
    const r = await act('open', { case: number });
    if (!r) return;
    if (current !== number) reason.value = '';
    current = number;
    status = null;
    attention.hidden = true;
    clearInterval(poll);
    poll = setInterval(refreshStatus, POLL_MS);
    try {
      await ctx.enterRoom(r.room, { stopWarning: 'witness.stop-warning' });
    } catch (err) {
      showError(message, err, t);
    }
    render();
  };

  // The open case's card. Its elements are made once and only their contents
  // change: the 2 s status poll and every `case` event re-render it, and the
  // reason box must keep what staff are typing (and the focus) through that.
  const head = el('div', { className: 'big' });
  const notRecorded = el('div', { className: 'muted', dataset: { testid: 'witness-not-recorded' } });
  const partyList = el('ul');
  const outcome = el('div', { hidden: true, dataset: { testid: 'witness-outcome' } });
  const reason = el('input', { type: 'text', maxLength: 500, dataset: { testid: 'witness-reason' } });
  const approveBtn = el('button', { type: 'button', dataset: { testid: 'witness-approve' } });
  const rejectBtn = el('button', { type: 'button', className: 'danger', dataset: { testid: 'witness-reject' } });
  const cancelBtn = el('button', { type: 'button', className: 'danger', dataset: { testid: 'witness-cancel' } });
  const actions = el('div', { className: 'row' }, approveBtn, reason, rejectBtn, cancelBtn);
  detail.append(head, notRecorded, partyList, outcome, actions);
  const decided = async (action, fields) => {
    const r = await act(action, { case: current, ...fields });
    if (r) reason.value = '';
  };
  approveBtn.addEventListener('click', () => decided('decide', { decision: 'approve' }));
  rejectBtn.addEventListener('click', () => decided('decide', { decision: 'reject', reason: reason.value }));
  cancelBtn.addEventListener('click', () => decided('cancel', { reason: reason.value }));

  const partyRow = (c, p, live) => {
    const rec = status?.recorded?.[p.role] ?? { present: false, audio: false, video: false };
    const mark = (m) => act('consent', { case: c.case, party: p.role, mark: m });
    const recorded = (kind) => `${t(`witness.${kind}`)} ${t(rec[kind] ? 'witness.recorded.yes' : 'witness.recorded.no')}`;
    const li = el('li', {
      dataset: {
        testid: 'witness-party', party: p.role, liveness: p.liveness, consent: p.consent,
        signed: String(p.signed), present: String(!!rec.present), audio: String(!!rec.audio), video: String(!!rec.video),
      },
    },
    `${t(`witness.you.${p.role}`)}: ${p.name} (${p.id_masked}) · `,
    el('span', { className: 'liveness', dataset: { state: p.liveness } }, t(`liveness.${p.liveness}`)), ' · ',
    live ? `${recorded('audio')}, ${recorded('video')} · ` : '',
    t(`witness.consent.${p.consent}`), ' · ', t(p.signed ? 'witness.signed' : 'witness.unsigned'), ' ');
    if (live) {
      li.append(
        // A consent statement is marked once: start, then end (the server refuses any other order).
        el('button', { type: 'button', disabled: p.consent !== 'none', dataset: { testid: 'witness-consent-start', party: p.role }, onclick: () => mark('start') }, t('witness.consent-start')),
        el('button', { type: 'button', disabled: p.consent !== 'started', dataset: { testid: 'witness-consent-end', party: p.role }, onclick: () => mark('end') }, t('witness.consent-end')),
        el('button', { type: 'button', dataset: { testid: 'witness-recheck', party: p.role }, onclick: () => act('recheck', { case: c.case, party: p.role }) }, t('witness.recheck')));
    }
    return li;
  };

  // A decided case: the decision, its reason, and what became of the recording.
  const renderOutcome = (c) => {
    const done = ENDED.includes(c.state);
    outcome.hidden = !done;
    if (!done) return;
    outcome.dataset.decision = c.state;
    outcome.dataset.recording = c.recording ?? '';
    const lines = [el('div', { className: 'big', dataset: { testid: 'witness-decision', decision: c.state } }, t(`witness.state.${c.state}`))];
    if (c.reason) lines.push(el('div', { dataset: { testid: 'witness-decision-reason' } }, t('witness.decision-reason', { reason: c.reason })));
    lines.push(el('div', { className: 'muted', dataset: { testid: 'witness-recording-end', recording: c.recording ?? '' } },
      c.recording ? t('witness.recording-sealed', { recording: c.recording }) : t('witness.recording-none')));
    outcome.replaceChildren(...lines);
  };

  const renderDetail = () => {
    const c = current && cases.get(current);
    detail.hidden = !c;
    if (!c) return;
    const live = IN_ROOM.includes(c.state);
    detail.dataset.case = c.case;
    detail.dataset.state = c.state;
    detail.dataset.recorded = live && status ? String(!status.not_recorded) : 'unknown';
    head.textContent = `${c.case} · ${t(`witness.state.${c.state}`)}`;
    notRecorded.textContent = (live && status?.not_recorded) || '';
    partyList.replaceChildren(...c.parties.map((p) => partyRow(c, p, live)));
    // The room's tiles say who is who: 委托人 张三 rather than the party's account.
    if (live && ctx.inRoom(c.room)) {
      ctx.nameTiles(Object.fromEntries(c.parties.filter((p) => p.participant)
        .map((p) => [p.participant, `${t(`witness.you.${p.role}`)} ${p.name}`])));
    }
    renderOutcome(c);
    actions.hidden = !live;
    approveBtn.textContent = t('witness.approve');
    rejectBtn.textContent = t('witness.reject');
    cancelBtn.textContent = t('witness.cancel');
    reason.placeholder = t('witness.reason');
  };

  const render = () => {
    allLabel.textContent = t('witness.show-all');
    const rows = [...cases.values()]
      .filter((c) => showAll || !ENDED.includes(c.state))
      .sort((a, b) => a.filed_ms - b.filed_ms);
    table.replaceChildren(
      el('tr', {}, el('th', {}, t('witness.col.case')), el('th', {}, t('witness.col.parties')), el('th', {}, t('witness.col.state')), el('th')),
      ...rows.map((c) => el('tr', { dataset: { testid: 'witness-row', case: c.case, state: c.state } },
        el('td', {}, c.case),
        el('td', {}, c.parties.map((p) => `${p.name} (${p.id_masked})`).join(' / ')),
        el('td', {}, t(`witness.state.${c.state}`)),
        el('td', {}, c.state === 'agent-joined' || IN_ROOM.includes(c.state)
          ? el('button', { type: 'button', dataset: { testid: 'witness-open' }, onclick: () => open(c.case) }, t(c.state === 'agent-joined' ? 'witness.open' : 'witness.rejoin'))
          : ''))));
    if (!rows.length) table.append(el('tr', {}, el('td', { colSpan: 4, className: 'muted' }, t('witness.none'))));
    renderDetail();
  };

  function update(c) {
    cases.set(c.case, c);
    if (c.case === current && !IN_ROOM.includes(c.state)) {
      status = null; // what it said of the recording is over
      clearInterval(poll);
      poll = null;
      ctx.leaveRoom();
    }
    render();
  }

  allBox.addEventListener('change', async () => {
    showAll = allBox.checked;
    const r = await act('list', { all: showAll });
    if (r) for (const c of r.cases) cases.set(c.case, c);
    render();
  });
  ctx.onEvent('witness', (msg) => {
    const { type, event, module, ...fields } = msg;
    if (event === 'case') update(fields);
    if (event === 'attention' && (!current || fields.case === current)) {
      attention.hidden = false;
      attention.dataset.kind = fields.kind;
      attention.dataset.case = fields.case;
      attention.textContent = `${fields.case}: ${fields.reason}`;
      refreshStatus();
    }
  });
  ctx.onLang(render);
  ctx.onReady(async () => {
    const r = await act('list', { all: showAll });
    if (r) for (const c of r.cases) cases.set(c.case, c);
    render();
  });
  render();
}
