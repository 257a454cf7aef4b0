// panels/witness-console.js — witnessed entrustment for staff: the cases
// (live through `case` events of the witness module), open one (the console
// enters the room the module made and invited both parties to), each
// party's liveness, whether their audio and video are being recorded
// (polled from the module's `status` every 2 s while a session is open),
// consent start/end marks per party, a liveness re-check, and approve or
// reject (a reason is required). `attention` events (not recorded, a
// recorder failed) are shown in witness-attention[data-kind].
// Elements: witness-row[data-case][data-state] with witness-open; the open
// case is witness-detail[data-case][data-state][data-recorded] with one
// witness-party[data-party][data-liveness][data-consent][data-signed]
// [data-audio][data-video] per party. See server/modules/witness/README.md.
import { el, showError, showMessage } from './dom.js';
import { ERRORS } from './witness-hall.js';

export const id = 'witness';
export const title = { zh: '委托见证', en: 'Entrustment cases' };

const IN_ROOM = ['in-session', 'consent', 'signed'];
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
    try {
      status = await ctx.request('witness', 'status', { case: current });
      if (status.case) cases.set(status.case.case, status.case);
    } catch {
      status = null;
    }
    render();
  };

  const open = async (number) => {
    const r = await act('open', { case: number });
    if (!r) return;
    current = number;
    status = null;
    attention.hidden = true;
    clearInterval(poll);
    poll = setInterval(refreshStatus, POLL_MS);
    try {
      await ctx.enterRoom(r.room);
    } catch (err) {
      showError(message, err, t);
    }
    render();
  };

  const partyRow = (c, p) => {
    const rec = status?.recorded?.[p.role] ?? { present: false, audio: false, video: false };
    const mark = (m) => act('consent', { case: c.case, party: p.role, mark: m });
    return el('li', {
      dataset: {
        testid: 'witness-party', party: p.role, liveness: p.liveness, consent: p.consent,
        signed: String(p.signed), present: String(!!rec.present), audio: String(!!rec.audio), video: String(!!rec.video),
      },
    },
    `${t(`witness.you.${p.role}`)}: ${p.name} (${p.id_masked}) · `,
    el('span', { className: 'liveness', dataset: { state: p.liveness } }, t(`liveness.${p.liveness}`)), ' · ',
    `${t('witness.audio')} ${t(rec.audio ? 'witness.recorded.yes' : 'witness.recorded.no')}, `,
    `${t('witness.video')} ${t(rec.video ? 'witness.recorded.yes' : 'witness.recorded.no')} · `,
    t(`witness.consent.${p.consent}`), ' · ', t(p.signed ? 'witness.signed' : 'witness.unsigned'), ' ',
    el('button', { type: 'button', dataset: { testid: 'witness-consent-start', party: p.role }, onclick: () => mark('start') }, t('witness.consent-start')),
    el('button', { type: 'button', dataset: { testid: 'witness-consent-end', party: p.role }, onclick: () => mark('end') }, t('witness.consent-end')),
    el('button', { type: 'button', dataset: { testid: 'witness-recheck', party: p.role }, onclick: () => act('recheck', { case: c.case, party: p.role }) }, t('witness.recheck')));
  };

  const renderDetail = () => {
    const c = current && cases.get(current);
    detail.hidden = !c;
    if (!c) return;
    detail.dataset.case = c.case;
    detail.dataset.state = c.state;
    detail.dataset.recorded = status ? String(!status.not_recorded) : 'unknown';
    const reason = el('input', { type: 'text', maxLength: 500, placeholder: t('witness.reason'), dataset: { testid: 'witness-reason' } });
    detail.replaceChildren(
      el('div', { className: 'big' }, c.case, ' · ', t(`witness.state.${c.state}`)),
      el('div', { className: 'muted', dataset: { testid: 'witness-not-recorded' } }, status?.not_recorded ?? ''),
      el('ul', {}, ...c.parties.map((p) => partyRow(c, p))),
      el('div', { className: 'row' },
        el('button', { type: 'button', dataset: { testid: 'witness-approve' }, onclick: () => act('decide', { case: c.case, decision: 'approve' }) }, t('witness.approve')),
        reason,
        el('button', { type: 'button', className: 'danger', dataset: { testid: 'witness-reject' }, onclick: () => act('decide', { case: c.case, decision: 'reject', reason: reason.value }) }, t('witness.reject')),
        el('button', { type: 'button', className: 'danger', dataset: { testid: 'witness-cancel' }, onclick: () => act('cancel', { case: c.case, reason: reason.value }) }, t('witness.cancel'))));
  };

  const render = () => {
    allLabel.textContent = t('witness.show-all');
    const rows = [...cases.values()]
      .filter((c) => showAll || !['approved', 'rejected', 'cancelled'].includes(c.state))
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
