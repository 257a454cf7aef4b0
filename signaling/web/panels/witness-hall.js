// panels/witness-hall.js — witnessed entrustment for applicants. The
// principal fills in the form (their name and ID number, the property, the
// matters and term, the agent's name and ID number) and gets a case number
// to give the agent; the agent enters that number and their own ID number
// to accept. Both then follow the case live (`case` events of the witness
// module), enter the video room when staff open the session, read the
// entrustment document and confirm it (the signature), and see the outcome.
// Elements: [data-testid=witness-case][data-case][data-state][data-you] per
// case, with witness-enter (only while not in its room), witness-show-document,
// witness-document (the text, data-sha256) and witness-sign inside;
// witness-notice[data-case] at the top says staff are waiting in the room
// for us; witness-message[data-code] shows the last error. The forms are made
// once (updates never touch what is typed). See server/modules/witness/README.md.
import { el, showError, showMessage } from './dom.js';

export const id = 'witness';
export const title = { zh: '委托见证', en: 'Witnessed entrustment' };

const BUSINESS = ['transfer', 'transfer-mortgage', 'certificate-replacement', 'lost-certificate'];
const FIELDS = [
  ['principal_name', 64], ['principal_id_number', 32], ['property_certificate', 64],
  ['property_address', 200], ['matters', 500], ['term', 100], ['agent_name', 64], ['agent_id_number', 32],
];
const IN_ROOM = ['in-session', 'consent', 'signed'];

// The witness module's error codes, shared with the console panel.
export const ERRORS = {
  zh: {
    'error.not-recorded': '双方的音视频须正在录制，才能继续',
    'error.liveness-pending': '双方须先通过活体检测',
    'error.consent-pending': '须先完成双方的意愿确认',
    'error.bad-state': '案件当前状态不允许此操作',
    'error.rate-limited': '尝试次数过多，请稍后再试',
    'error.not-found': '未找到',
    'error.bad-message': '填写有误',
  },
  en: {
    'error.not-recorded': "Both parties' audio and video must be recording to go on",
    'error.liveness-pending': 'Both parties must pass the liveness check first',
    'error.consent-pending': "Both parties' consent must be marked first",
    'error.bad-state': 'The case cannot do that now',
    'error.rate-limited': 'Too many attempts; try again later',
    'error.not-found': 'Not found',
    'error.bad-message': 'Something is wrong in what was sent',
  },
};

const STRINGS = {
  zh: {
    'witness.file.title': '我是委托人：填写委托申请',
    'witness.accept.title': '我是受托人：凭案号确认受托',
    'witness.mine.title': '我的委托案件',
    'witness.field.business': '登记事项',
    'witness.field.principal_name': '委托人姓名',
    'witness.field.principal_id_number': '委托人身份证号',
    'witness.field.property_certificate': '不动产权证号',
    'witness.field.property_address': '不动产坐落',
    'witness.field.matters': '委托事项',
    'witness.field.term': '委托期限',
    'witness.field.agent_name': '受托人姓名',
    'witness.field.agent_id_number': '受托人身份证号',
    'witness.business.transfer': '存量房转移登记',
    'witness.business.transfer-mortgage': '转移及抵押登记',
    'witness.business.certificate-replacement': '换证',
    'witness.business.lost-certificate': '遗失补证',
    'witness.file': '提交申请',
    'witness.filed': '已立案，案号 {case}。请把案号告诉受托人。',
    'witness.accept.case': '案号',
    'witness.accept.id': '本人身份证号',
    'witness.accept': '确认受托',
    'witness.none': '暂无案件。',
    'witness.you.principal': '委托人',
    'witness.you.agent': '受托人',
    'witness.party': '{role}：{name}（{id}）',
    'witness.liveness': '活体检测：{state}',
    'witness.consent': '意愿表达：{state}',
    'witness.signed': '已签署',
    'witness.unsigned': '未签署',
    'witness.enter': '进入视频见证',
    'witness.waiting-for-you': '工作人员已开始案件 {case} 的视频见证，正在等候您。请点击“进入视频见证”。',
    'witness.show-document': '查看委托书',
    'witness.sign': '我已阅读并确认委托书（签署）',
    'witness.cancel': '撤回申请',
    'witness.reason': '原因：{reason}',
    'witness.state.created': '等待受托人确认',
    'witness.state.agent-joined': '等待工作人员开始见证',
    'witness.state.in-session': '视频见证中',
    'witness.state.consent': '意愿确认中',
    'witness.state.signed': '双方已签署，等待审核',
    'witness.state.approved': '已通过',
    'witness.state.rejected': '未通过',
    'witness.state.cancelled': '已撤回',
    'witness.consent.none': '未开始',
    'witness.consent.started': '进行中',
    'witness.consent.ended': '已完成',
    ...ERRORS.zh,
  },
  en: {
    'witness.file.title': 'I am the principal: file an entrustment',
    'witness.accept.title': 'I am the agent: accept with the case number',
    'witness.mine.title': 'My entrustment cases',
    'witness.field.business': 'Registration',
    'witness.field.principal_name': "Principal's name",
    'witness.field.principal_id_number': "Principal's ID number",
    'witness.field.property_certificate': 'Property certificate number',
    'witness.field.property_address': 'Property address',
    'witness.field.matters': 'Matters entrusted',
    'witness.field.term': 'Term',
    'witness.field.agent_name': "Agent's name",
    'witness.field.agent_id_number': "Agent's ID number",
    'witness.business.transfer': 'Transfer of an existing home',
    'witness.business.transfer-mortgage': 'Transfer plus mortgage',
    'witness.business.certificate-replacement': 'Certificate replacement',
    'witness.business.lost-certificate': 'Replacement of a lost certificate',
    'witness.file': 'File',
    'witness.filed': 'Filed as case {case}. Give the agent this number.',
    'witness.accept.case': 'Case number',
    'witness.accept.id': 'Your ID number',
    'witness.accept': 'Accept',
    'witness.none': 'No cases yet.',
    'witness.you.principal': 'Principal',
    'witness.you.agent': 'Agent',
    'witness.party': '{role}: {name} ({id})',
    'witness.liveness': 'Liveness: {state}',
    'witness.consent': 'Consent: {state}',
    'witness.signed': 'signed',
    'witness.unsigned': 'not signed',
    'witness.enter': 'Enter the witnessed session',
    'witness.waiting-for-you': 'Staff have opened the witnessed session of case {case} and are waiting for you. Click "Enter the witnessed session".',
    'witness.show-document': 'Read the entrustment document',
    'witness.sign': 'I have read and confirm the document (sign)',
    'witness.cancel': 'Withdraw',
    'witness.reason': 'Reason: {reason}',
    'witness.state.created': 'Waiting for the agent to accept',
    'witness.state.agent-joined': 'Waiting for staff to start the session',
    'witness.state.in-session': 'In the witnessed session',
    'witness.state.consent': 'Stating consent',
    'witness.state.signed': 'Both signed; waiting for the decision',
    'witness.state.approved': 'Approved',
    'witness.state.rejected': 'Rejected',
    'witness.state.cancelled': 'Withdrawn',
    'witness.consent.none': 'not yet',
    'witness.consent.started': 'in progress',
    'witness.consent.ended': 'done',
    ...ERRORS.en,
  },
};

export function mount(root, ctx) {
  ctx.addStrings(STRINGS);
  const t = ctx.t;
  const cases = new Map(); // number -> case view (with `you`)
  const documents = new Map(); // number -> {text, sha256}
  let joinedRoom = null;
  const notice = el('div', { className: 'notice', hidden: true, dataset: { testid: 'witness-notice' } });

  // The principal's form.
  const fileTitle = el('h3');
  const business = el('select', { dataset: { testid: 'witness-field-business' } });
  const businessLabel = el('span');
  const inputs = {};
  const labels = {};
  const fieldRows = FIELDS.map(([name, max]) => {
    inputs[name] = el('input', { type: 'text', maxLength: max, dataset: { testid: `witness-field-${name}` } });
    labels[name] = el('span');
    return el('label', {}, labels[name], inputs[name]);
  });
  const fileBtn = el('button', { type: 'submit', dataset: { testid: 'witness-file' } });
  const filed = el('div', { className: 'big', hidden: true, dataset: { testid: 'witness-filed' } });
  const form = el('form', {}, el('label', {}, businessLabel, business), ...fieldRows, fileBtn);

  // The agent's acceptance.
  const acceptTitle = el('h3');
  const acceptCase = el('input', { type: 'text', maxLength: 24, dataset: { testid: 'witness-accept-case' } });
  const acceptId = el('input', { type: 'text', maxLength: 32, dataset: { testid: 'witness-accept-id' } });
  const acceptCaseLabel = el('span');
  const acceptIdLabel = el('span');
  const acceptBtn = el('button', { type: 'submit', dataset: { testid: 'witness-accept' } });
  const acceptForm = el('form', {}, el('label', {}, acceptCaseLabel, acceptCase), el('label', {}, acceptIdLabel, acceptId), acceptBtn);

  const mineTitle = el('h3');
  const list = el('div', { dataset: { testid: 'witness-cases' } });
  const message = el('div', { className: 'muted', dataset: { testid: 'witness-message' } });
  root.append(notice, fileTitle, form, filed, acceptTitle, acceptForm, mineTitle, list, message);

  const act = async (action, fields) => {
    showMessage(message);
    try {
      const r = await ctx.request('witness', action, fields);
      if (r.case) update(r.case, r.you);
      return r;
    } catch (err) {
      showError(message, err, t);
      return null;
    }
  };

  const enter = async (c) => {
    const r = await act('enter', { case: c.case });
    if (!r || joinedRoom === r.room) return;
    joinedRoom = r.room;
    renderList();
    try {
      await ctx.enterRoom(r.room);
    } catch (err) {
      joinedRoom = null;
      showError(message, err, t);
    }
    renderList();
  };

  const showDocument = async (c) => {
    const r = await act('document', { case: c.case });
    if (r) documents.set(c.case, { text: r.text, sha256: r.sha256 });
    renderList();
  };

  const card = (c) => {
    const you = c.you;
    const parties = c.parties.map((p) =>
      el('li', { dataset: { testid: 'witness-party', party: p.role, liveness: p.liveness, consent: p.consent, signed: String(p.signed) } },
        t('witness.party', { role: t(`witness.you.${p.role}`), name: p.name, id: p.id_masked }), ' · ',
        t('witness.liveness', { state: t(`liveness.${p.liveness}`) }), ' · ',
        t('witness.consent', { state: t(`witness.consent.${p.consent}`) }), ' · ',
        t(p.signed ? 'witness.signed' : 'witness.unsigned')));
    const box = el('div', { className: 'card', dataset: { testid: 'witness-case', case: c.case, state: c.state, you: you ?? '' } },
      el('div', { className: 'big' }, c.case),
      el('div', { dataset: { testid: 'witness-state', state: c.state } }, t(`witness.state.${c.state}`)),
      el('div', { className: 'muted' }, you ? t(`witness.you.${you}`) : ''),
      el('ul', {}, ...parties));
    if (c.reason && ['rejected', 'cancelled'].includes(c.state)) {
      box.append(el('div', { dataset: { testid: 'witness-reason' } }, t('witness.reason', { reason: c.reason })));
    }
    const buttons = el('div', { className: 'row' });
    if (IN_ROOM.includes(c.state) && !inRoomOf(c)) {
      buttons.append(el('button', { type: 'button', dataset: { testid: 'witness-enter' }, onclick: () => enter(c) }, t('witness.enter')));
    }
    if (c.parties[1].accepted && !['cancelled'].includes(c.state)) {
      buttons.append(el('button', { type: 'button', dataset: { testid: 'witness-show-document' }, onclick: () => showDocument(c) }, t('witness.show-document')));
    }
    if (you === 'principal' && ['created', 'agent-joined'].includes(c.state)) {
      buttons.append(el('button', { type: 'button', className: 'danger', dataset: { testid: 'witness-cancel' }, onclick: () => act('cancel', { case: c.case }) }, t('witness.cancel')));
    }
    box.append(buttons);
    const doc = documents.get(c.case);
    if (doc) {
      box.append(el('pre', { className: 'document', dataset: { testid: 'witness-document', sha256: doc.sha256 } }, doc.text));
      const mine = c.parties.find((p) => p.role === you);
      if (IN_ROOM.includes(c.state) && mine && !mine.signed) {
        box.append(el('button', { type: 'button', dataset: { testid: 'witness-sign' }, onclick: () => act('sign', { case: c.case, document_sha256: doc.sha256 }) }, t('witness.sign')));
      }
    }
    return box;
  };

  const inRoomOf = (c) => !!c.room && (joinedRoom === c.room || ctx.inRoom(c.room));

  // Staff opened a session we are not in: say so at the top, where it is seen.
  const renderNotice = () => {
    const waiting = [...cases.values()].find((c) => c.you && IN_ROOM.includes(c.state) && !inRoomOf(c));
    notice.hidden = !waiting;
    notice.dataset.case = waiting?.case ?? '';
    notice.textContent = waiting ? t('witness.waiting-for-you', { case: waiting.case }) : '';
  };

  const renderList = () => {
    const all = [...cases.values()].sort((a, b) => b.filed_ms - a.filed_ms);
    list.replaceChildren(...(all.length ? all.map(card) : [el('p', { className: 'muted' }, t('witness.none'))]));
    renderNotice();
  };

  const render = () => {
    fileTitle.textContent = t('witness.file.title');
    businessLabel.textContent = t('witness.field.business');
    const chosen = business.value;
    business.replaceChildren(...BUSINESS.map((k) => el('option', { value: k }, t(`witness.business.${k}`))));
    if (chosen) business.value = chosen;
    for (const [name] of FIELDS) labels[name].textContent = t(`witness.field.${name}`);
    fileBtn.textContent = t('witness.file');
    if (filed.dataset.case) filed.textContent = t('witness.filed', { case: filed.dataset.case });
    acceptTitle.textContent = t('witness.accept.title');
    acceptCaseLabel.textContent = t('witness.accept.case');
    acceptIdLabel.textContent = t('witness.accept.id');
    acceptBtn.textContent = t('witness.accept');
    mineTitle.textContent = t('witness.mine.title');
    renderList();
  };

  function update(c, you) {
    const old = cases.get(c.case);
    const mine = { ...c, you: you ?? old?.you };
    cases.set(c.case, mine);
    if (!IN_ROOM.includes(c.state) && joinedRoom && joinedRoom === c.room) {
      joinedRoom = null;
      ctx.leaveRoom();
    }
    // Staff just opened the session: bring this tab forward.
    if (mine.you && IN_ROOM.includes(c.state) && old && !IN_ROOM.includes(old.state)) ctx.showTab();
    renderList();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fields = { business: business.value };
    for (const [name] of FIELDS) fields[name] = inputs[name].value;
    const r = await act('file', fields);
    if (r) {
      filed.dataset.case = r.case.case;
      filed.hidden = false;
      for (const [name] of FIELDS) inputs[name].value = '';
      render();
    }
  });
  acceptForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await act('accept', { case: acceptCase.value.trim(), id_number: acceptId.value });
    if (r) acceptId.value = '';
  });

  ctx.onEvent('witness', (msg) => {
    if (msg.event !== 'case') return;
    const { type, event, module, ...c } = msg;
    update(c);
  });
  ctx.onRoomLeft(() => {
    joinedRoom = null;
    renderList();
  });
  ctx.onLang(render);
  ctx.onReady(async () => {
    const r = await act('list');
    if (r) for (const c of r.cases) update(c, c.you);
  });
  render();
}
