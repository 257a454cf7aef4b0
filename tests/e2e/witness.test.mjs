// witness.test.mjs — a witnessed entrustment in real browsers.
//
// Starts the reference notary backend (scripts/notary-backend) and witnessd
// with `[notary] url` pointing at it, and three headless Chromiums: the
// principal and the agent (each playing the face fixture as their camera) on
// the hall page, staff on the console. The principal files the form and gets
// a case number; the agent accepts with it and their ID number; staff open
// the case and the three meet in the room the module made, which the module
// records. Both parties pass liveness (the agent twice: staff ask for a
// re-check, during which signing waits); staff mark the start and end of each
// one's consent; both read and sign the document; staff approve. The room
// closes, the seal reaches the backend, the chain holds the case, consent,
// signature and decision records, and `witnessctl verify` says OK; only
// clerks may search the archive (server/modules/archive, loaded beside the
// witness module). Then a clerk (a fourth Chromium) opens the clerk page,
// finds the case by the principal's ID number typed in full-width digits,
// sees it verified with the backend's receipt, and plays both parties.
// Also: the requests refuse bad fields, wrong agents (locking the case after
// max_guesses), and the wrong roles; signing and consent marks are refused
// (`not-recorded`, staff told) while the agent sends audio only; and when the
// recording cannot start (the disk is below [recording] min_free_mb) staff
// are told and the session waits.
// The pages, as people use them: the hall tells the parties when staff are
// waiting in the room (and drops the enter button once they are in), a
// liveness prompt goes once the check is decided, staff type the reject and
// cancel reasons at a person's pace across the console's 2 s status polls,
// stopping a witnessed session's recording asks first, and a decided case's
// card shows the decision and the sealed recording with no buttons left.
//
//   node --test --test-reporter=tap witness.test.mjs      (from tests/e2e)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { fakeMediaArgs, launchChromium } from './lib/browser.mjs';
import { fullWidth, intoNextSegment, openClerk, openVerified, playParties, searchById } from './lib/clerk.mjs';
import { openAs, request, TIMEOUT_MS } from './lib/hall.mjs';
import { waitUntil as waitFor } from './lib/wait.mjs';
import { startNotaryBackend } from './lib/notary.mjs';
import { mintLink, startWitnessd, WITNESSCTL } from './lib/witnessd.mjs';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = process.env.WT_FIXTURES || resolve(here, '..', '..', '..', 'shared', 'fixtures');
const LIVENESS_MS = 15000 + 45000; // the window, joining, and a busy machine under AddressSanitizer

// Resident ID numbers with good check digits (made up).
const PRINCIPAL_ID = '11010519491231002X';
const AGENT_ID = '440304199001011233';

let server;
let backend;
const browsers = {};
// The full flow's case, for the clerk after it: {number, recording, receiptId, participants}.
let entrusted = null;

before(async () => {
  backend = await startNotaryBackend();
  server = await startWitnessd({
    config: `[recording]\nsegment_seconds=10\n[notary]\nurl=${backend.url}/seals\n` +
      '[modules]\nload=witness,archive\n[module.witness]\nmax_guesses=3\n',
    liveness: true,
  });
  const face = fakeMediaArgs({
    video: join(FIXTURES, 'applicant-live.mjpeg'),
    audio: join(FIXTURES, 'consent-zh.wav'),
  });
  [browsers.principal, browsers.agent, browsers.staff] = await Promise.all([
    launchChromium({ args: face }), launchChromium({ args: face }), launchChromium(),
  ]);
});

after(async () => {
  await Promise.all(Object.values(browsers).map((b) => b?.close()));
  server?.kill();
  if (process.env.WT_E2E_SERVER_LOG && server) await writeFile(process.env.WT_E2E_SERVER_LOG, server.output());
  await server?.cleanup();
  await backend?.stop();
});

const waitUntil = (what, fn, timeout = TIMEOUT_MS) => waitFor(what, fn, { timeout, server });

const seen = (page, selector, timeout = TIMEOUT_MS) => page.locator(selector).first().waitFor({ timeout });

function form(overrides = {}) {
  return {
    business: 'transfer',
    principal_name: '张三',
    principal_id_number: PRINCIPAL_ID,
    property_certificate: '京(2026)朝阳区不动产权第0000001号',
    property_address: '北京市朝阳区某路1号',
    matters: '代为办理存量房转移登记及领证',
    term: '自2026年12月4日至2027年6月30日',
    agent_name: '李四',
    agent_id_number: AGENT_ID,
    ...overrides,
  };
}

/** The hall page, on the witness tab. */
async function hall(browser, sub, srv = server) {
  const p = await openAs(srv, browser, { page: 'hall', role: 'applicant', sub });
  await p.page.locator('[data-testid=tab-witness]').click();
  return p;
}

async function console_(sub, srv = server) {
  const p = await openAs(srv, browsers.staff, { page: 'console', role: 'staff', sub });
  await p.page.locator('[data-testid=tab-witness]').click();
  return p;
}

/** The principal files @fields through the page; resolves the case number. */
async function fileThroughPage(page, fields) {
  await page.locator('[data-testid=witness-field-business]').selectOption(fields.business);
  for (const [k, v] of Object.entries(fields)) {
    if (k !== 'business') await page.locator(`[data-testid=witness-field-${k}]`).fill(v);
  }
  await page.locator('[data-testid=witness-file]').click();
  await seen(page, '[data-testid=witness-filed][data-case]');
  return page.locator('[data-testid=witness-filed]').getAttribute('data-case');
}

async function acceptThroughPage(page, number, idNumber) {
  await page.locator('[data-testid=witness-accept-case]').fill(number);
  await page.locator('[data-testid=witness-accept-id]').fill(idNumber);
  await page.locator('[data-testid=witness-accept]').click();
  await seen(page, `[data-testid=witness-case][data-case="${number}"][data-state=agent-joined][data-you=agent]`);
}

/**
 * Waits until staff see @role's liveness passed. A check that fails (on a
 * machine too busy to decode every frame a blink may be missed) is asked for
 * again from the console, as staff would, up to three checks in all.
 */
async function livenessPassed(page, role) {
  const badge = page.locator(staffParty(role)).first();
  for (let attempt = 1; ; attempt++) {
    const state = await waitUntil(`staff seeing the ${role}'s liveness decided`, async () => {
      const s = await badge.getAttribute('data-liveness');
      return ['passed', 'failed', 'error'].includes(s) ? s : null;
    }, LIVENESS_MS);
    console.log(`# ${role}'s liveness check ${attempt}: ${state}`);
    if (state === 'passed') return;
    assert.ok(attempt < 3, `the ${role}'s liveness ${state} ${attempt} times`);
    await page.locator(`${staffParty(role)} [data-testid=witness-recheck]`).click();
    await seen(page, `${staffParty(role)}[data-liveness=checking]`);
  }
}

/**
 * Staff type @text into the open case's reason box at 150 ms a character, so
 * that at least one 2 s status poll (and its re-render) falls in the middle;
 * the box must keep the text and the focus.
 */
async function typeReason(page, text) {
  assert.ok(text.length * 150 > 2500, 'long enough to span a poll');
  const box = page.locator('[data-testid=witness-detail] [data-testid=witness-reason]');
  await box.click();
  await box.pressSequentially(text, { delay: 150 });
  assert.equal(await box.inputValue(), text, 'what staff typed survived the updates');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'witness-reason', 'still focused');
}

const PROMPTS = ['请眨眨眼', '请正对摄像头'];

/** Waits until @page shows no liveness prompt (the check was decided). */
async function promptGone(page) {
  const box = page.locator('[data-testid=room-notice]');
  await waitUntil('the liveness prompt gone', async () =>
    !(await box.isVisible()) || !PROMPTS.includes(await box.innerText()), 10000);
}

const caseCard = (number) => `[data-testid=witness-case][data-case="${number}"]`;
const staffParty = (role) => `[data-testid=witness-detail] [data-testid=witness-party][data-party=${role}]`;

async function chainOf(recording) {
  const text = await readFile(join(server.dataDir, 'archive', recording, 'chain.jsonl'), 'utf8');
  return text.trim().split('\n').map((l) => JSON.parse(l));
}

test('requests: fields checked, a wrong agent learns nothing and locks the case, roles enforced', async () => {
  const p = await hall(browsers.principal, 'api-principal');
  const other = await hall(browsers.agent, 'api-stranger');
  const clerk = await openAs(server, browsers.staff, { page: 'hall', role: 'clerk', sub: 'api-clerk' });

  let r = await request(p.page, 'witness', 'file', form({ principal_name: '  ' }));
  assert.equal(r.code, 'bad-message');
  assert.match(r.reason, /^principal_name: empty/);
  r = await request(p.page, 'witness', 'file', form({ agent_id_number: '440304199001011234' }));
  assert.equal(r.code, 'bad-message');
  assert.match(r.reason, /^agent_id_number: .*check digit/);
  r = await request(p.page, 'witness', 'file', form({ agent_id_number: ` ${PRINCIPAL_ID.toLowerCase()}` }));
  assert.equal(r.code, 'bad-message', 'the agent is someone else (same number, other spelling)');
  r = await request(p.page, 'witness', 'file', form({ business: 'mortgage' }));
  assert.match(r.reason, /^business: one of transfer, /);
  r = await request(p.page, 'witness', 'file', form({ matters: 'a\nb' }));
  assert.match(r.reason, /^matters: one line/);

  r = await request(p.page, 'witness', 'file', form());
  const c = r.result.case;
  assert.match(c.case, /^WT-\d{8}-\d{4}$/);
  assert.equal(c.state, 'created');
  assert.equal(r.result.you, 'principal');
  assert.equal(c.parties[0].id_masked, '110***********002X');
  assert.equal(c.parties[1].id_masked, '440***********1233');
  assert.match(c.parties[0].id_hash, /^[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(r.result).includes(PRINCIPAL_ID), 'no plain ID number comes back');
  // Case numbers follow each other within the day.
  const r2 = await request(p.page, 'witness', 'file', form());
  assert.equal(Number(r2.result.case.case.slice(-4)), Number(c.case.slice(-4)) + 1);

  // Not stored in plain either.
  const db = await readFile(join(server.dataDir, 'witness.db')).catch(() => Buffer.alloc(0));
  assert.ok(!db.includes(Buffer.from(AGENT_ID)), 'no plain ID number in the database');

  // Someone else cannot see it, nor tell a wrong number from a missing case.
  r = await request(other.page, 'witness', 'get', { case: c.case });
  assert.equal(r.code, 'not-found');
  const wrong = await request(other.page, 'witness', 'accept', { case: c.case, id_number: '110101198003078576' });
  const missing = await request(other.page, 'witness', 'accept', { case: 'WT-20000101-9999', id_number: AGENT_ID });
  assert.equal(wrong.code, 'not-found');
  assert.deepEqual(missing, wrong);
  // max_guesses = 3: the third wrong number locks the case, even for the right one.
  await request(other.page, 'witness', 'accept', { case: c.case, id_number: 'E12345678' });
  await request(other.page, 'witness', 'accept', { case: c.case, id_number: 'E12345679' });
  r = await request(other.page, 'witness', 'accept', { case: c.case, id_number: AGENT_ID });
  assert.equal(r.code, 'rate-limited');
  assert.match(r.reason, /try again in 15 minutes/);
  // The principal cannot be their own agent, on the other case.
  r = await request(p.page, 'witness', 'accept', { case: r2.result.case.case, id_number: AGENT_ID });
  assert.equal(r.code, 'forbidden');

  // Roles are the server's to enforce.
  for (const action of ['open', 'consent', 'decide', 'status', 'recheck']) {
    r = await request(p.page, 'witness', action, { case: c.case, party: 'agent', mark: 'start', decision: 'approve' });
    assert.equal(r.code, 'forbidden', `an applicant may not ${action}`);
  }
  r = await request(clerk.page, 'witness', 'list');
  assert.equal(r.code, 'forbidden');
  r = await request(p.page, 'witness', 'sign', { case: c.case, document_sha256: 'x' });
  assert.equal(r.code, 'bad-message');
  // Odd shapes are refused, and the server stays up (the tests run it with fatal criticals).
  for (const fields of [{ case: {} }, { case: [1] }, { case: 7 }]) {
    r = await request(p.page, 'witness', 'get', fields);
    assert.equal(r.code, 'bad-message');
  }
  r = await request(p.page, 'witness', 'file', form({ principal_name: { zh: '张三' } }));
  assert.equal(r.reason, 'principal_name: not a string');
  r = await request(p.page, 'witness', 'list', { all: 'yes' });
  assert.ok(Array.isArray(r.result.cases));
  r = await request(p.page, 'witness', 'nonsense');
  assert.equal(r.code, 'bad-message');
  r = await request(p.page, 'witness', 'cancel', { case: r2.result.case.case });
  assert.equal(r.result.case.state, 'cancelled');
  for (const x of [p, other, clerk]) await x.page.close();
});

test('a witnessed entrustment: form, acceptance, recorded session, liveness, consent, signatures, approval, seal', async () => {
  const principal = await hall(browsers.principal, 'principal-1');
  const agent = await hall(browsers.agent, 'agent-1');
  const staff = await console_('staff-1');

  const number = await fileThroughPage(principal.page, form());
  assert.match(number, /^WT-\d{8}-\d{4}$/);
  await seen(principal.page, `${caseCard(number)}[data-state=created][data-you=principal]`);
  await seen(staff.page, `[data-testid=witness-row][data-case="${number}"][data-state=created]`);

  await acceptThroughPage(agent.page, number, AGENT_ID);
  await seen(principal.page, `${caseCard(number)}[data-state=agent-joined]`);
  await seen(staff.page, `[data-testid=witness-row][data-case="${number}"][data-state=agent-joined]`);

  await staff.page.locator(`[data-testid=witness-row][data-case="${number}"] [data-testid=witness-open]`).click();
  await seen(staff.page, '#room-view[data-state=joined]');
  const room = await staff.page.locator('[data-testid=room-name]').innerText();
  assert.match(room, /^witness-[0-9a-z]+$/);
  for (const party of [principal, agent]) {
    await seen(party.page, `${caseCard(number)}[data-state=in-session]`);
    // The hall says, at the top, that staff are waiting; the enter button is there until we are in.
    const notice = party.page.locator(`[data-testid=witness-notice][data-case="${number}"]`);
    await notice.waitFor({ state: 'visible', timeout: TIMEOUT_MS });
    assert.match(await notice.innerText(), /等候您/);
    await party.page.locator(`${caseCard(number)} [data-testid=witness-enter]`).click();
    await seen(party.page, '#room-view[data-state=joined]');
    assert.equal(await party.page.locator('[data-testid=room-name]').innerText(), room);
    await notice.waitFor({ state: 'hidden', timeout: TIMEOUT_MS });
    assert.equal(await party.page.locator(`${caseCard(number)} [data-testid=witness-enter]`).count(), 0,
      'no enter button while in the room');
  }
  // The module started the recording when the first party arrived; everyone sees it.
  await seen(agent.page, '[data-testid=recording][data-state=on]');

  // Both pass liveness; the console shows each party's audio and video recorded.
  for (const role of ['principal', 'agent']) {
    await livenessPassed(staff.page, role);
    await seen(staff.page, `${staffParty(role)}[data-audio=true][data-video=true]`);
  }
  // Staff's tiles say who is who (委托人 张三, 受托人 李四), not the parties' accounts.
  await staff.page.waitForFunction(() => {
    const names = [...document.querySelectorAll('.tile.remote .name')].map((n) => n.textContent).sort();
    return names.join('|') === '受托人 李四|委托人 张三';
  }, null, { timeout: TIMEOUT_MS }).catch(async () => assert.fail('staff tiles named ' +
    JSON.stringify(await staff.page.locator('.tile.remote .name').allInnerTexts())));
  // A prompt ("please blink") the principal may have had is gone with the decision.
  await promptGone(principal.page);

  // Staff ask for the agent to be checked again: checking, then passed once more.
  await staff.page.locator(`${staffParty('agent')} [data-testid=witness-recheck]`).click();
  await seen(staff.page, `${staffParty('agent')}[data-liveness=checking]`);
  // The engine prompts only when the blink is late (the fixture blinks in time): stand in for it.
  await agent.page.evaluate((r) => window.witness.client._emit('event:liveness-prompt',
    { type: 'event', event: 'liveness-prompt', room: r, prompt: 'blink' }), room);
  await seen(agent.page, '[data-testid=room-notice]:visible');
  assert.equal(await agent.page.locator('[data-testid=room-notice]').innerText(), '请眨眨眼');
  const pending = await request(principal.page, 'witness', 'sign', { case: number, document_sha256: '0'.repeat(64) });
  assert.equal(pending.code, 'liveness-pending');
  assert.equal(pending.reason, "the agent's liveness is checking");
  await livenessPassed(staff.page, 'agent');
  await promptGone(agent.page);

  // Signing before the consent marks waits for them.
  const early = await request(principal.page, 'witness', 'sign', {
    case: number, document_sha256: '0'.repeat(64),
  });
  assert.equal(early.code, 'consent-pending');

  // A double click: one start goes into the chain, the other is refused.
  const twice = await Promise.all([0, 1].map(() => request(staff.page, 'witness', 'consent',
    { case: number, party: 'principal', mark: 'start' })));
  assert.deepEqual(twice.map((x) => x.code ?? 'ok').sort(), ['bad-state', 'ok']);
  for (const role of ['principal', 'agent']) {
    if (role !== 'principal') await staff.page.locator(`${staffParty(role)} [data-testid=witness-consent-start]`).click();
    await seen(staff.page, `${staffParty(role)}[data-consent=started]`);
    await staff.page.locator(`${staffParty(role)} [data-testid=witness-consent-end]`).click();
    await seen(staff.page, `${staffParty(role)}[data-consent=ended]`);
    // Marked once: neither button offers to mark that statement again.
    for (const b of ['start', 'end']) {
      assert.ok(await staff.page.locator(`${staffParty(role)} [data-testid=witness-consent-${b}]`).isDisabled(),
        `${role}'s consent-${b} button is off once the statement is marked`);
    }
  }

  // Each party reads the document (masked numbers and hashes, never the plain number) and signs it.
  let sha = null;
  for (const party of [principal, agent]) {
    await party.page.locator(`${caseCard(number)} [data-testid=witness-show-document]`).click();
    const doc = party.page.locator(`${caseCard(number)} [data-testid=witness-document]`);
    await doc.waitFor({ timeout: TIMEOUT_MS });
    const text = await doc.innerText();
    assert.match(text, /110\*{11}002X/);
    assert.match(text, /440\*{11}1233/);
    assert.ok(!text.includes(PRINCIPAL_ID) && !text.includes(AGENT_ID), 'no plain ID number in the document');
    // The document wraps within the page (long lines widened it past the window).
    const w = await party.page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(w[0] <= w[1], `the page is ${w[0]} px wide in a ${w[1]} px window with the document open`);
    sha ??= await doc.getAttribute('data-sha256');
    assert.equal(await doc.getAttribute('data-sha256'), sha, 'both see the same document');
    await party.page.locator(`${caseCard(number)} [data-testid=witness-sign]`).click();
  }
  await seen(staff.page, `[data-testid=witness-detail][data-state=signed]`);
  await seen(principal.page, `${caseCard(number)}[data-state=signed]`);

  await staff.page.locator('[data-testid=witness-detail] [data-testid=witness-approve]').click();
  for (const party of [principal, agent]) await seen(party.page, `${caseCard(number)}[data-state=approved]`);
  // The console's card shows the decision and the recording's end, and offers nothing more to do.
  await seen(staff.page, '[data-testid=witness-detail][data-state=approved] [data-testid=witness-decision][data-decision=approved]');
  const ended = staff.page.locator('[data-testid=witness-detail] [data-testid=witness-recording-end]');
  assert.match(await ended.getAttribute('data-recording'), /^r-/);
  assert.match(await ended.innerText(), /封存.*公证/);
  assert.equal(await staff.page.locator('[data-testid=witness-detail] button:visible').count(), 0,
    'no action buttons on a decided case');
  assert.doesNotMatch(await staff.page.locator('[data-testid=witness-detail]').innerText(), /录制中/);
  await seen(staff.page, `[data-testid=witness-row][data-case="${number}"][data-state=approved]`, TIMEOUT_MS)
    .catch(() => {}); // decided rows leave the default list
  // The parties were taken out of the room.
  await seen(agent.page, '#room-view[data-state=left]');

  const view = (await request(staff.page, 'witness', 'get', { case: number })).result.case;
  assert.equal(view.state, 'approved');
  assert.match(view.recording, /^r-/);
  assert.equal(await ended.getAttribute('data-recording'), view.recording);
  const recording = view.recording;

  // The seal reaches the reference backend.
  const dir = join(server.dataDir, 'archive', recording);
  await waitUntil('the recording sealed', () => existsSync(join(dir, 'seal.json')), 30000);
  const delivered = await waitUntil('the seal delivered to the notary backend', async () => {
    const items = (await (await fetch(`${backend.url}/seals`)).json()).items;
    return items.find((e) => e.receipt.kind === 'seal' && e.receipt.recording === recording);
  }, 30000);
  assert.match(delivered.receipt.receipt_id, /^rcpt-/);

  // The chain holds what happened, in order.
  const records = await chainOf(recording);
  const mine = records.filter((x) => x.module === 'witness');
  assert.deepEqual(mine.map((x) => x.type),
    ['case', 'consent', 'consent', 'consent', 'consent', 'signature', 'signature', 'decision']);
  const [caseRec] = mine;
  assert.equal(caseRec.case, number);
  assert.equal(caseRec.business, 'transfer');
  assert.deepEqual(caseRec.parties.map((x) => [x.role, x.name, x.id_masked]),
    [['principal', '张三', '110***********002X'], ['agent', '李四', '440***********1233']]);
  assert.equal(caseRec.parties[0].id_hash, view.parties[0].id_hash);
  for (const x of caseRec.parties) assert.match(x.participant, /^p-[0-9a-f]+$/);
  assert.deepEqual(caseRec.property, { certificate: '京(2026)朝阳区不动产权第0000001号', address: '北京市朝阳区某路1号' });
  assert.equal(caseRec.staff, 'staff-1');
  assert.ok(caseRec.matters && caseRec.term);
  const consents = mine.filter((x) => x.type === 'consent').map((x) => `${x.party}:${x.mark}`);
  assert.deepEqual(consents, ['principal:start', 'principal:end', 'agent:start', 'agent:end']);
  for (const x of mine.filter((y) => y.type === 'consent')) {
    assert.ok(Number.isInteger(x.workflow_ms) && Number.isInteger(x.server_ms));
  }
  const sigs = mine.filter((x) => x.type === 'signature');
  assert.deepEqual(sigs.map((x) => x.party).sort(), ['agent', 'principal']);
  for (const x of sigs) assert.equal(x.document_sha256, sha);
  assert.equal(mine.at(-1).decision, 'approved');
  assert.equal(mine.at(-1).staff, 'staff-1');
  const parts = new Set(records.filter((x) => x.type === 'segment').map((x) => x.participant));
  for (const x of caseRec.parties) assert.ok(parts.has(x.participant), `${x.role}'s segments are recorded`);
  assert.ok(records.some((x) => x.type === 'liveness' && x.result === 'passed'));
  assert.ok(!(await readFile(join(dir, 'chain.jsonl'), 'utf8')).includes(AGENT_ID));

  const { stdout } = await run(WITNESSCTL, ['verify', '--data', server.dataDir, dir]);
  console.log(`# witnessctl verify: ${stdout.trim().split('\n')[0]}`);
  assert.match(stdout, /^OK /);

  // The archive is for clerks: the parties and the staff who witnessed it may not search it.
  for (const [who, page] of [['an applicant', principal.page], ['staff', staff.page]]) {
    const r = await request(page, 'archive', 'search', { id_number: PRINCIPAL_ID });
    assert.equal(r.code, 'forbidden', `${who} may not search the archive: ${JSON.stringify(r)}`);
  }
  for (const x of [principal, agent, staff]) await x.page.close();
  entrusted = {
    number,
    recording,
    receiptId: delivered.receipt.receipt_id,
    participants: caseRec.parties.map((x) => x.participant),
  };
});

test('a clerk finds the entrustment by the principal\'s ID number, sees it verified with the receipt, and plays both parties', async () => {
  assert.ok(entrusted, 'the witnessed entrustment above did not finish');
  // Chromium's own autoplay policy, as at a counter: the clerk's click on play is the gesture.
  browsers.clerk = await launchChromium();
  const clerk = await openClerk(server, browsers.clerk, 'clerk-1');
  // Typed in full width, with a small x: the server normalises it before hashing.
  const rows = await searchById(clerk.page, fullWidth(PRINCIPAL_ID), entrusted.recording);
  assert.equal(await rows.count(), 1, 'only the recorded case of this principal');
  const rowText = await rows.first().textContent();
  assert.ok(rowText.includes(entrusted.number), rowText);
  assert.match(rowText, /张三.*110\*{11}002X.*李四.*440\*{11}1233/);
  assert.ok(!rowText.includes(PRINCIPAL_ID) && !rowText.includes(AGENT_ID), 'no plain ID number shown');

  const shown = await openVerified(clerk.page, entrusted.recording, server);
  console.log(`# clerk sees: ${shown.verify}; ${shown.receipt}`);
  assert.equal(shown.verify, '校验通过');
  assert.ok(shown.receipt.includes(entrusted.receiptId), `the backend's receipt ${entrusted.receiptId}: ${shown.receipt}`);

  const played = await playParties(clerk.page, entrusted.participants, server);
  console.log(`# ${played.videos} videos; the parties' currentTime ${played.first.join(', ')} -> ` +
    `${played.times.join(', ')} s; drift from the shared clock: ${played.drift.join(', ')} ms`);
  // The principal's first segment ends (segment_seconds = 10): the next one plays on by itself.
  const next = await intoNextSegment(clerk.page, entrusted.participants[0], server);
  console.log(`# the principal's video went on from ${next.from} to ${next.to}`);
  assert.ok(clerk.media.length >= 3, `media requests: ${clerk.media}`);
  assert.ok(clerk.media.every((x) => x === 206), `every media request answered 206: ${clerk.media}`);

  // The archive's audit log has the clerk's search (by the hash, never the number), view and play.
  const audit = (await request(clerk.page, 'archive', 'audit', { limit: 1000 })).result;
  assert.equal(audit.intact, true);
  const acts = audit.entries.filter((x) => x.actor === 'clerk-1').map((x) => `${x.action}:${x.recording ?? ''}`);
  for (const act of ['search:', `view:${entrusted.recording}`, `play:${entrusted.recording}`]) {
    assert.ok(acts.includes(act), `${act} in the audit log: ${acts}`);
  }
  assert.ok(audit.entries.every((x) => x.role === 'clerk' || x.role === 'system'), 'nobody else used the archive');
  assert.ok(!JSON.stringify(audit).includes(PRINCIPAL_ID), 'no plain ID number in the audit log');
  assert.deepEqual(clerk.problems, []);
  await browsers.clerk.close();
  delete browsers.clerk;
});

test('signing and consent marks are refused while the agent sends audio only; staff are told', async () => {
  const principal = await hall(browsers.principal, 'principal-2');
  // The agent's page gets no camera: getUserMedia with video fails, so the room sends audio only.
  const tab = await browsers.agent.context.newPage();
  await tab.addInitScript(() => {
    const md = navigator.mediaDevices;
    const real = md.getUserMedia.bind(md);
    md.getUserMedia = (c) => (c && c.video
      ? Promise.reject(new DOMException('no camera here', 'NotFoundError'))
      : real(c));
  });
  await tab.goto(await mintLink(server, { role: 'applicant', sub: 'agent-2', page: 'hall', ttl: 3600 }));
  await seen(tab, '#status[data-state="connected"]');
  await tab.locator('[data-testid=tab-witness]').click();
  const staff = await console_('staff-2');

  const number = await fileThroughPage(principal.page, form({ principal_name: '王五' }));
  await acceptThroughPage(tab, number, AGENT_ID);
  await staff.page.locator(`[data-testid=witness-row][data-case="${number}"] [data-testid=witness-open]`).click();
  await seen(staff.page, '#room-view[data-state=joined]');
  for (const page of [principal.page, tab]) {
    await seen(page, `${caseCard(number)}[data-state=in-session]`);
    await page.locator(`${caseCard(number)} [data-testid=witness-enter]`).click();
    await seen(page, '#room-view[data-state=joined]');
  }
  await seen(tab, '[data-testid=recording][data-state=on]');
  // The principal is recorded in full, the agent's audio only.
  await seen(staff.page, `${staffParty('principal')}[data-audio=true][data-video=true]`);
  await seen(staff.page, `${staffParty('agent')}[data-audio=true][data-video=false]`);
  assert.equal(await staff.page.locator('[data-testid=witness-detail]').getAttribute('data-recorded'), 'false');

  const doc = (await request(principal.page, 'witness', 'document', { case: number })).result;
  const r = await request(principal.page, 'witness', 'sign', { case: number, document_sha256: doc.sha256 });
  assert.equal(r.code, 'not-recorded');
  assert.match(r.reason, /the agent's video is not being recorded/);
  assert.doesNotMatch(r.reason, /principal/);
  await seen(staff.page, '[data-testid=witness-attention][data-kind=not-recorded]');

  await staff.page.locator(`${staffParty('agent')} [data-testid=witness-consent-start]`).click();
  await seen(staff.page, '[data-testid=witness-message][data-code=not-recorded]');
  const view = (await request(staff.page, 'witness', 'get', { case: number })).result.case;
  assert.equal(view.state, 'in-session', 'nothing moved');
  assert.deepEqual(view.parties.map((x) => [x.consent, x.signed]), [['none', false], ['none', false]]);

  // Stopping the recording of a witnessed session asks first (dismissed here: it goes on).
  const asked = staff.page.waitForEvent('dialog', { timeout: TIMEOUT_MS });
  const clicked = staff.page.locator('[data-testid=record-toggle]').click();
  const dialog = await asked;
  assert.match(dialog.message(), /签署/);
  await dialog.dismiss();
  await clicked;
  await staff.page.waitForTimeout(1000);
  assert.equal(await staff.page.locator('[data-testid=recording]').getAttribute('data-state'), 'on');

  // Staff reject, with a reason (required), typed at a person's pace across the 2 s status polls.
  const d = await request(staff.page, 'witness', 'decide', { case: number, decision: 'reject' });
  assert.equal(d.code, 'bad-message');
  const why = '受托人无法开启摄像头，无法完成视频见证';
  await typeReason(staff.page, why);
  await staff.page.locator('[data-testid=witness-detail] [data-testid=witness-reject]').click();
  await seen(staff.page, '[data-testid=witness-detail][data-state=rejected] [data-testid=witness-decision][data-decision=rejected]');
  assert.ok((await staff.page.locator('[data-testid=witness-decision-reason]').innerText()).includes(why));
  await seen(principal.page, `${caseCard(number)}[data-state=rejected] [data-testid=witness-reason]`);
  const rejected = (await request(staff.page, 'witness', 'get', { case: number })).result.case;
  assert.equal(rejected.reason, why);
  const records = await chainOf(rejected.recording);
  assert.deepEqual(records.filter((x) => x.module === 'witness').map((x) => x.type), ['case', 'decision']);
  for (const x of [principal.page, tab, staff.page]) await x.close();
});

test('a recording that cannot start: staff are told and the session waits', async () => {
  const full = await startWitnessd({
    config: '[recording]\nmin_free_mb=1048576\n[modules]\nload=witness\n',
  });
  try {
    const principal = await hall(browsers.principal, 'principal-3', full);
    const agent = await hall(browsers.agent, 'agent-3', full);
    const staff = await console_('staff-3', full);
    const number = (await request(principal.page, 'witness', 'file', form())).result.case.case;
    const accepted = await request(agent.page, 'witness', 'accept', { case: number, id_number: AGENT_ID });
    assert.equal(accepted.result.case.state, 'agent-joined');
    await staff.page.locator(`[data-testid=witness-row][data-case="${number}"] [data-testid=witness-open]`).click();
    await seen(staff.page, '#room-view[data-state=joined]');
    await seen(principal.page, `${caseCard(number)}[data-state=in-session]`);
    await principal.page.locator(`${caseCard(number)} [data-testid=witness-enter]`).click();
    await seen(principal.page, '#room-view[data-state=joined]');
    // The module's start was refused for want of disk: staff see why.
    await seen(staff.page, '[data-testid=witness-attention][data-kind=recording-failed]');
    assert.match(await staff.page.locator('[data-testid=witness-attention]').innerText(), /did not start/);
    const r = await request(staff.page, 'witness', 'consent', { case: number, party: 'principal', mark: 'start' });
    assert.equal(r.code, 'not-recorded');
    assert.match(r.reason, /not being recorded \(recording off\)/);
    const view = (await request(staff.page, 'witness', 'get', { case: number })).result.case;
    assert.equal(view.state, 'in-session');
    assert.equal(view.recording, null);
    // Staff cancel the case, typing why across the status polls.
    const why = '存储空间不足，无法录制，本次见证取消';
    await typeReason(staff.page, why);
    await staff.page.locator('[data-testid=witness-detail] [data-testid=witness-cancel]').click();
    await seen(staff.page, '[data-testid=witness-detail][data-state=cancelled] [data-testid=witness-decision]');
    assert.equal(await staff.page.locator('[data-testid=witness-recording-end]').getAttribute('data-recording'), '');
    await seen(principal.page, `${caseCard(number)}[data-state=cancelled] [data-testid=witness-reason]`);
    assert.equal((await request(staff.page, 'witness', 'get', { case: number })).result.case.reason, why);
    for (const x of [principal, agent, staff]) await x.page.close();
  } finally {
    full.kill();
    await full.cleanup();
  }
});

test('witnessd stops cleanly after all this: exit 0, no sanitizer report', async () => {
  const { code } = await server.stop();
  const out = server.output();
  assert.equal(code, 0, out.slice(-3000));
  assert.doesNotMatch(out, /AddressSanitizer|LeakSanitizer|runtime error/, out.slice(-3000));
});
