// panels/archive-clerk.js — the clerk's retrieval (server/modules/archive):
// search by a party's ID number (typed as it comes: full-width digits and a
// small x are fine, the server normalises), by case number or by dates; the
// results; one recording opened: its parties, duration, verification (checked
// again on opening), notarisation receipt, legal hold, the parties played
// side by side (archive-player.js), and an export link for the court.
// Runs in the page. Test hooks:
//   [data-testid=archive-search-by] select: id_number | case_number | date
//   [data-testid=archive-id-number], archive-case-number, archive-from, archive-to
//   [data-testid=archive-search] button; archive-message (data-code on errors)
//   [data-testid=archive-row][data-recording] per result, with archive-open
//   [data-testid=archive-detail][data-recording]; archive-verify[data-state=
//     verified|failed]; archive-receipt[data-state]; archive-hold[data-state=
//     held|free], archive-hold-reason, archive-hold-message; archive-play;
//     archive-export; archive-export-link; archive-audit-action per audit row
// Times are the centre's local time with the zone named (centre-time.js), in
// the page's language; the date boxes are days of the centre's calendar and
// start as today. A language switch redraws everything shown. Business types
// are named from appoint-names.js; a hold asks for its reason on the page and
// leaves a running playback as it is.
import { centreDay, centreParse, centreText, centreZone, zoneName } from './centre-time.js';
import { el, showError, showMessage, showText } from './dom.js';
import { SyncPlayer } from './archive-player.js';
import { STRINGS as APPOINT_STRINGS } from './appoint-names.js'; // the business names

export const id = 'archive';
export const title = { zh: '档案查询', en: 'Records' };

const STRINGS = {
  zh: {
    'archive.by': '查询方式',
    'archive.by.id_number': '当事人身份证号',
    'archive.by.case_number': '案件编号',
    'archive.by.date': '日期',
    'archive.search': '查询',
    'archive.none': '没有找到录像。',
    'archive.found': '找到 {n} 条录像',
    'archive.found-one': '找到 1 条录像',
    'archive.col.case': '案件',
    'archive.col.when': '时间',
    'archive.col.parties': '当事人',
    'archive.col.duration': '时长',
    'archive.col.verify': '校验',
    'archive.col.notary': '公证',
    'archive.open': '查看',
    'archive.verified': '校验通过',
    'archive.verify-failed': '校验失败',
    'archive.unchecked': '打开时校验',
    'archive.receipt': '存证回执',
    'archive.no-receipt': '尚无回执',
    'archive.play': '播放',
    'archive.pause': '暂停',
    'archive.export': '导出（供法院）',
    'archive.export-ready': '下载导出文件',
    'archive.hold': '设置法律保全',
    'archive.release': '解除法律保全',
    'archive.hold-reason': '理由',
    'archive.need-reason': '请填写理由',
    'archive.held': '法律保全中：{reason}',
    'archive.not-held': '未保全；保存至 {date}',
    'archive.deleted': '已删除：{reason}',
    'archive.duration': '{m} 分 {s} 秒',
    'archive.business': '业务',
    'archive.audit': '操作记录',
    'archive.audit-intact': '记录链完整',
    'archive.audit-broken': '记录链在第 {seq} 条处被改动',
    'archive.action.search': '查询',
    'archive.action.view': '查看',
    'archive.action.play': '播放',
    'archive.action.export': '导出',
    'archive.action.hold': '设置法律保全',
    'archive.action.release': '解除法律保全',
    'archive.action.delete': '删除',
    'archive.from': '从',
    'archive.to': '到',
    'archive.no-dates': '请选择起止日期（中心时间 {zone}）。',
    'archive.dates-reversed': '开始日期不能晚于结束日期。',
    'role.principal': '委托人',
    'role.agent': '受托人',
    'error.forbidden': '无权查询档案',
    'error.not-found': '没有这条录像',
    'error.bad-message': '查询内容有误',
    'error.unavailable': '暂时无法提供',
  },
  en: {
    'archive.by': 'Search by',
    'archive.by.id_number': "A party's ID number",
    'archive.by.case_number': 'Case number',
    'archive.by.date': 'Date',
    'archive.search': 'Search',
    'archive.none': 'No recording found.',
    'archive.found': '{n} recordings found',
    'archive.found-one': '1 recording found',
    'archive.col.case': 'Case',
    'archive.col.when': 'When',
    'archive.col.parties': 'Parties',
    'archive.col.duration': 'Duration',
    'archive.col.verify': 'Verified',
    'archive.col.notary': 'Notary',
    'archive.open': 'Open',
    'archive.verified': 'Verified',
    'archive.verify-failed': 'Does not verify',
    'archive.unchecked': 'Checked when opened',
    'archive.receipt': 'Notarisation receipt',
    'archive.no-receipt': 'No receipt yet',
    'archive.play': 'Play',
    'archive.pause': 'Pause',
    'archive.export': 'Export (for the court)',
    'archive.export-ready': 'Download the export',
    'archive.hold': 'Set a legal hold',
    'archive.release': 'Lift the legal hold',
    'archive.hold-reason': 'Reason',
    'archive.need-reason': 'Give a reason',
    'archive.held': 'Legal hold: {reason}',
    'archive.not-held': 'No hold; kept until {date}',
    'archive.deleted': 'Deleted: {reason}',
    'archive.duration': '{m} min {s} s',
    'archive.business': 'Business',
    'archive.audit': 'Audit log',
    'archive.audit-intact': 'the log verifies',
    'archive.audit-broken': 'the log was altered at row {seq}',
    'archive.action.search': 'Searched',
    'archive.action.view': 'Opened',
    'archive.action.play': 'Played',
    'archive.action.export': 'Exported',
    'archive.action.hold': 'Legal hold set',
    'archive.action.release': 'Legal hold lifted',
    'archive.action.delete': 'Deleted',
    'archive.from': 'from',
    'archive.to': 'to',
    'archive.no-dates': 'Choose the first and the last day (centre time, {zone}).',
    'archive.dates-reversed': 'The first day is after the last day.',
    'role.principal': 'Principal',
    'role.agent': 'Agent',
    'error.forbidden': 'Not allowed to search the archive',
    'error.not-found': 'No such recording',
    'error.bad-message': 'The search is not valid',
    'error.unavailable': 'Not available now',
  },
};

/** t(@key) when there is such a string, else @code as it came (a code this page does not know yet). */
function named(t, key, code) {
  return t(key) !== key ? t(key) : String(code ?? '—');
}

function duration(ms, t) {
  const s = Math.round(ms / 1000);
  return t('archive.duration', { m: Math.floor(s / 60), s: s % 60 });
}

/** The detail of an audit row as "key: value" lines (objects flattened a.b: value). */
function detailText(detail, prefix = '') {
  if (detail === null || detail === undefined) return '';
  if (typeof detail !== 'object') return prefix ? `${prefix}: ${detail}` : String(detail);
  const lines = [];
  for (const [k, v] of Object.entries(detail)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) lines.push(detailText(v, key));
    else lines.push(`${key}: ${Array.isArray(v) ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : x)).join(', ') : v}`);
  }
  return lines.filter(Boolean).join('\n');
}

function partiesText(r, t) {
  return (r.parties ?? [])
    .map((p) => `${t(`role.${p.role}`)} ${p.name ?? ''} ${p.id_masked ?? ''}`.trim())
    .join('；');
}

/** The receipt's id (or the notary state) as text, and a state for tests; @when formats times. */
function receiptOf(r, when) {
  const n = r.notary;
  if (!n) return { state: 'none', text: '' };
  let receipt = n.receipt;
  if (typeof receipt === 'string') {
    try {
      receipt = JSON.parse(receipt);
    } catch {
      // shown as it is
    }
  }
  if (receipt && typeof receipt === 'object') {
    // A backend's receipt has an id; the local ledger's entry has its place and hash.
    const at = receipt.stored_at ?? receipt.time;
    const what = receipt.receipt_id
      ?? (receipt.hash ? `#${receipt.seq ?? '?'} ${String(receipt.hash).slice(0, 16)}…` : JSON.stringify(receipt));
    return { state: 'receipt', text: at ? `${what} (${when(at)})` : what };
  }
  if (typeof receipt === 'string' && receipt) return { state: 'receipt', text: receipt };
  return { state: n.state ?? 'none', text: n.state ?? '' };
}

export function mount(root, ctx) {
  ctx.addStrings(APPOINT_STRINGS);
  ctx.addStrings(STRINGS);
  const t = ctx.t;
  let zone = 480; // the centre's, asked from the clock module on ready
  const when = (ms) => centreText(ms, zone, ctx.lang);

  // ---- the search form ----
  const by = el('select', { dataset: { testid: 'archive-search-by' } });
  for (const k of ['id_number', 'case_number', 'date']) by.append(el('option', { value: k }));
  const idNumber = el('input', { type: 'text', autocomplete: 'off', size: 22, dataset: { testid: 'archive-id-number' } });
  const caseNumber = el('input', { type: 'text', size: 16, dataset: { testid: 'archive-case-number' } });
  const from = el('input', { type: 'date', dataset: { testid: 'archive-from' } });
  const to = el('input', { type: 'date', dataset: { testid: 'archive-to' } });
  const fromLabel = el('span');
  const toLabel = el('span');
  const dates = el('span', { className: 'row' }, fromLabel, from, toLabel, to);
  const searchButton = el('button', { type: 'submit', dataset: { testid: 'archive-search' } });
  const form = el('form', {}, by, idNumber, caseNumber, dates, searchButton);
  const message = el('div', { className: 'muted', dataset: { testid: 'archive-message' } });
  const results = el('table', { dataset: { testid: 'archive-results' } });
  const detail = el('div', { className: 'archive-detail', dataset: { testid: 'archive-detail' }, hidden: true });
  root.append(form, message, results, detail);

  const showFields = () => {
    idNumber.hidden = by.value !== 'id_number';
    caseNumber.hidden = by.value !== 'case_number';
    dates.hidden = by.value !== 'date';
    // Today (the centre's) unless the clerk chose other days.
    const today = centreDay(Date.now(), zone);
    if (!from.value) from.value = today;
    if (!to.value) to.value = today;
  };
  by.addEventListener('change', showFields);

  let last = null; // the last search's results
  let player = null;
  let opened = null; // the recording shown in detail
  let stage = null; // the player's place in the detail, kept across redraws

  const texts = () => {
    for (const o of by.options) o.textContent = t(`archive.by.${o.value}`);
    searchButton.textContent = t('archive.search');
    fromLabel.textContent = t('archive.from');
    toLabel.textContent = t('archive.to');
    if (last) renderResults(last);
    if (opened) renderDetail(opened);
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fields = {};
    if (by.value === 'id_number') fields.id_number = idNumber.value;
    else if (by.value === 'case_number') fields.case_number = caseNumber.value;
    else {
      // Whole days of the centre's calendar: from the first's midnight to the last's end.
      fields.from_ms = centreParse(from.value, '00:00', zone);
      fields.to_ms = centreParse(to.value, '00:00', zone) + 86400000;
      if (Number.isNaN(fields.from_ms) || Number.isNaN(fields.to_ms)) {
        showText(message, t, 'archive.no-dates', { zone: zoneName(zone) });
        return;
      }
      if (fields.from_ms >= fields.to_ms) {
        showText(message, t, 'archive.dates-reversed');
        return;
      }
    }
    showMessage(message);
    try {
      const r = await ctx.request('archive', 'search', fields);
      last = r.results;
      renderResults(last);
      if (last.length) showText(message, t, last.length === 1 ? 'archive.found-one' : 'archive.found', { n: last.length });
      else showText(message, t, 'archive.none');
    } catch (err) {
      last = null;
      results.replaceChildren();
      showError(message, err, t);
    }
  });

  function renderResults(list) {
    const head = el('tr', {},
      ...['case', 'when', 'parties', 'duration', 'verify', 'notary', null].map((k) => el('th', {}, k ? t(`archive.col.${k}`) : '')));
    const rows = list.map((r) => {
      const v = r.verify ? (r.verify.ok ? t('archive.verified') : t('archive.verify-failed')) : t('archive.unchecked');
      const open = el('button', { type: 'button', dataset: { testid: 'archive-open' }, onclick: () => openRecording(r.recording) }, t('archive.open'));
      return el('tr', { dataset: { testid: 'archive-row', recording: r.recording } },
        el('td', {}, r.case_number ?? r.recording),
        el('td', {}, when(r.start_ms)),
        el('td', {}, partiesText(r, t)),
        el('td', {}, duration(r.duration_ms ?? 0, t)),
        el('td', { dataset: { testid: 'archive-row-verify', state: r.verify ? (r.verify.ok ? 'verified' : 'failed') : 'unchecked' } }, v),
        el('td', {}, receiptOf(r, when).text),
        el('td', {}, open));
    });
    results.replaceChildren(head, ...rows);
  }

  async function openRecording(recording) {
    player?.destroy();
    player = null;
    opened = null;
    stage = el('div', { dataset: { testid: 'archive-player' } });
    detail.hidden = false;
    detail.dataset.recording = recording;
    detail.replaceChildren(el('div', { className: 'muted' }, '…'));
    try {
      opened = await ctx.request('archive', 'view', { recording });
      // The view verified it again: the results row says so too.
      const row = last?.find((x) => x.recording === recording);
      if (row) {
        Object.assign(row, { verify: opened.verify, notary: opened.notary ?? row.notary });
        renderResults(last);
      }
      renderDetail(opened);
    } catch (err) {
      const box = el('div');
      showError(box, err, t);
      detail.replaceChildren(box);
    }
  }

  /** Asks for the recording shown again (after a hold) and redraws it; a playback goes on. */
  async function showAgain(recording) {
    const r = await ctx.request('archive', 'view', { recording });
    if (detail.dataset.recording !== recording) return; // another one was opened meanwhile
    opened = r;
    renderDetail(r);
  }

  function renderDetail(r) {
    const v = r.verify;
    const verify = el('div', { dataset: { testid: 'archive-verify', state: v ? (v.ok ? 'verified' : 'failed') : 'unchecked' } },
      v ? (v.ok ? t('archive.verified') : `${t('archive.verify-failed')}: ${v.problem ?? ''}`) : t('archive.unchecked'));
    const rc = receiptOf(r, when);
    const receipt = el('div', { dataset: { testid: 'archive-receipt', state: rc.state } },
      `${t('archive.receipt')}: ${rc.text || t('archive.no-receipt')}`);
    const info = el('div', {},
      el('div', { className: 'big' }, r.case_number ?? r.recording),
      el('div', {}, `${t('archive.business')}: ${named(t, `appoint.type.${r.business}`, r.business)} · ${when(r.start_ms)} · ${duration(r.duration_ms ?? 0, t)}`),
      el('div', { dataset: { testid: 'archive-parties' } }, partiesText(r, t)),
      verify, receipt);

    // Legal hold.
    const held = !!r.hold;
    const holdState = el('div', { dataset: { testid: 'archive-hold', state: r.deleted ? 'deleted' : held ? 'held' : 'free' } },
      r.deleted ? t('archive.deleted', { reason: r.deleted.reason })
        : held ? t('archive.held', { reason: r.hold.reason })
          : t('archive.not-held', { date: centreText(r.retention?.expires_ms ?? 0, zone, ctx.lang, { date: true }) }));
    const reason = el('input', { type: 'text', placeholder: t('archive.hold-reason'), dataset: { testid: 'archive-hold-reason' } });
    const holdMsg = el('span', { className: 'muted', dataset: { testid: 'archive-hold-message' } });
    const holdButton = el('button', {
      type: 'button',
      dataset: { testid: held ? 'archive-release' : 'archive-hold-set' },
      onclick: async () => {
        // The server wants a reason for both; asked here, nothing is sent without one.
        if (!reason.value.trim()) {
          showText(holdMsg, t, 'archive.need-reason');
          reason.focus();
          return;
        }
        showMessage(holdMsg);
        try {
          await ctx.request('archive', held ? 'release' : 'hold', { recording: r.recording, reason: reason.value });
          await showAgain(r.recording);
        } catch (err) {
          showError(holdMsg, err, t);
        }
      },
    }, held ? t('archive.release') : t('archive.hold'));

    // Export.
    const exportMsg = el('span', { className: 'muted', dataset: { testid: 'archive-export-message' } });
    const exportButton = el('button', {
      type: 'button',
      dataset: { testid: 'archive-export' },
      onclick: async () => {
        showMessage(exportMsg, '…');
        try {
          const x = await ctx.request('archive', 'export', { recording: r.recording });
          const link = el('a', { href: x.url, download: x.file, dataset: { testid: 'archive-export-link' } }, `${t('archive.export-ready')} (${Math.round(x.size / 1024)} KiB)`);
          exportMsg.replaceChildren(link);
          exportMsg.className = '';
        } catch (err) {
          showError(exportMsg, err, t);
        }
      },
    }, t('archive.export'));

    // Side-by-side playback (the player and its stage outlive a redraw).
    const playMsg = el('span', { className: 'muted', dataset: { testid: 'archive-play-message' } });
    const playButton = el('button', { type: 'button', dataset: { testid: 'archive-play' } }, t(player?.playing ? 'archive.pause' : 'archive.play'));
    playButton.addEventListener('click', async () => {
      if (player?.playing) {
        player.pause();
        playButton.textContent = t('archive.play');
        return;
      }
      if (!player) {
        showMessage(playMsg, '…');
        try {
          const plan = await ctx.request('archive', 'play', { recording: r.recording });
          const label = (p) => `${p.party_role ? t(`role.${p.party_role}`) : t(`role.${p.role}`)} ${p.name ?? ''}`.trim();
          player = new SyncPlayer(stage, plan, { label });
          showMessage(playMsg);
        } catch (err) {
          showError(playMsg, err, t);
          return;
        }
      }
      player.play();
      playButton.textContent = t('archive.pause');
    });

    const audit = el('details', { dataset: { testid: 'archive-audit' } }, el('summary', {}, t('archive.audit')));
    audit.addEventListener('toggle', () => {
      if (audit.open) loadAudit(audit, r.recording);
    });

    if (r.deleted) {
      detail.replaceChildren(info, holdState, audit);
      return;
    }
    detail.replaceChildren(info,
      el('div', { className: 'row' }, holdState, reason, holdButton, holdMsg),
      el('div', { className: 'row' }, playButton, playMsg, exportButton, exportMsg),
      stage, audit);
  }

  /** The recording's audit rows, newest first, into the <details> @box. */
  async function loadAudit(box, recording) {
    const summary = box.firstChild;
    try {
      const a = await ctx.request('archive', 'audit', { recording, limit: 50 });
      const rows = a.entries.map((e) => el('tr', { dataset: { testid: 'archive-audit-row', action: e.action } },
        el('td', {}, when(e.at_ms)), el('td', {}, `${e.actor} (${named(t, `role.${e.role}`, e.role)})`),
        el('td', { dataset: { testid: 'archive-audit-action' } }, named(t, `archive.action.${e.action}`, e.action)),
        el('td', { className: 'muted audit-detail', dataset: { testid: 'archive-audit-detail' } }, detailText(e.detail))));
      const state = el('div', { className: a.intact ? 'muted' : 'error', dataset: { testid: 'archive-audit-state', state: a.intact ? 'intact' : 'broken' } },
        a.intact ? t('archive.audit-intact') : t('archive.audit-broken', { seq: a.broken_at }));
      box.replaceChildren(summary, state, el('table', {}, ...rows));
    } catch (err) {
      const msg = el('div');
      showError(msg, err, t);
      box.replaceChildren(summary, msg);
    }
  }

  showFields();
  texts();
  ctx.onLang(texts);
  ctx.onReady(async () => {
    const before = zone;
    zone = await centreZone(ctx);
    if (zone === before) return;
    from.value = to.value = '';
    showFields();
    texts();
  });
}
