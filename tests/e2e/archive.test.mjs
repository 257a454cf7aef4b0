// The clerk's retrieval in real browsers (server/modules/archive): staff,
// a principal and an agent meet in a recorded room (camera: the live-face
// fixture); the test module `hello` writes the case record into the chain as
// the witness module does (case number, business, parties with their ID
// hashes and masked numbers). Once the recording is sealed, a clerk opens
// the clerk page, finds it by the principal's ID number typed in full-width
// digits with a small x, opens it and sees "verified" and the notarisation
// receipt, and plays both parties side by side: both <video> elements advance
// (currentTime > 0) and the media requests are answered 206 (range requests
// on signed URLs). An applicant's token asking the archive is refused. The
// reference notary backend gives long unbreakable receipt ids here, as real
// ones can be: the clerk and admin pages must still fit a 1280 px window.
// Runs in a loopback-only network namespace (scripts/test).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { fakeMediaArgs, launchChromium, openPage } from './lib/browser.mjs';
import { fullWidth, openClerk, openVerified, playParties, searchById } from './lib/clerk.mjs';
import { assertFits, CHINESE, openAs, request, switchLang, TIMEOUT_MS } from './lib/hall.mjs';
import { waitUntil } from './lib/wait.mjs';
import { startNotaryBackend } from './lib/notary.mjs';
import { mintLink, startWitnessd, WITNESSD } from './lib/witnessd.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = process.env.WT_FIXTURES || resolve(here, '..', '..', '..', 'shared', 'fixtures');
const TEST_MODULES = process.env.WT_TEST_MODULES || resolve(dirname(WITNESSD), '..', 'tests', 'modules');
const MODULES = resolve(dirname(WITNESSD), 'modules');
const ROOM = 'entrust-e2e';
const STAY_MS = 9000; // two 4 s segments a party at least
const PRINCIPAL_ID = '11010119900101123X';
const PRINCIPAL_ID_TYPED = fullWidth(PRINCIPAL_ID); // １１０…１２３ｘ
const AGENT_ID = '310101198502020021';
const CASE = 'WT-E2E-0001';

let server;
let browser;
let modulesDir;
let notary;

before(async () => {
  notary = await startNotaryBackend(['--receipt-prefix', 'NTR-', '--receipt-digits', '64']);
  modulesDir = await mkdtemp(join(tmpdir(), 'witness-e2e-modules-'));
  await symlink(join(MODULES, 'archive.so'), join(modulesDir, 'archive.so'));
  await symlink(join(TEST_MODULES, 'hello.so'), join(modulesDir, 'hello.so'));
  server = await startWitnessd({
    config: `[recording]\nsegment_seconds=4\n[notary]\nurl=${notary.url}/seals\n[modules]\ndir=${modulesDir}\n`,
  });
  browser = await launchChromium({
    args: [
      ...fakeMediaArgs({ video: join(FIXTURES, 'applicant-live.mjpeg'), audio: join(FIXTURES, 'consent-zh.wav') }),
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
  await server?.cleanup();
  await notary?.stop();
  if (modulesDir) await rm(modulesDir, { recursive: true, force: true });
});

async function joinAs(sub, role, record = false) {
  const { page, problems } = await openPage(browser.context);
  await page.goto(await mintLink(server, { role, sub, room: ROOM, record }));
  await page.locator('#room-view[data-state="joined"]').waitFor({ timeout: 20000 });
  return { page, problems };
}

test('a clerk finds a witnessed recording by ID number, sees it verified and notarised, and plays both parties', async () => {
  const staff = await joinAs('staff-1', 'staff', true);
  const principal = await joinAs('principal-1', 'applicant');
  const agent = await joinAs('agent-1', 'applicant');
  await staff.page.locator('#recording[data-state="on"]').waitFor({ state: 'visible', timeout: 10000 });

  // The case record, as the witness module writes it.
  const hashOf = async (id) => (await request(staff.page, 'hello', 'id-hash', { id_number: id })).result.hash;
  const participantOf = async (p) => (await request(p.page, 'hello', 'greet')).result.participant;
  const payload = {
    case: CASE,
    business: 'transfer',
    parties: [
      { role: 'principal', name: '张三', id_hash: await hashOf(PRINCIPAL_ID), id_masked: '1101**********123X', participant: await participantOf(principal) },
      { role: 'agent', name: '李四', id_hash: await hashOf(AGENT_ID), id_masked: '3101**********0021', participant: await participantOf(agent) },
    ],
    property: { certificate: '京(2026)0001', address: '朝阳路1号' },
    matters: 'sale of the home',
    term: '90 days',
  };
  const added = await request(staff.page, 'hello', 'evidence', { room: ROOM, record: 'case', payload });
  assert.ok(added.result, `case record refused: ${JSON.stringify(added)}`);

  // An applicant may not use the archive, whatever the page shows.
  const refused = await request(principal.page, 'archive', 'search', { id_number: PRINCIPAL_ID });
  assert.equal(refused.code, 'forbidden');

  await staff.page.waitForTimeout(STAY_MS);
  for (const p of [principal, agent, staff]) await p.page.locator('#leave').click();
  const archive = join(server.dataDir, 'archive');
  const [id] = await waitUntil('a recording folder', async () => (existsSync(archive) ? readdir(archive) : null),
    { timeout: 5000, server });
  await waitUntil('the seal', async () => existsSync(join(archive, id, 'seal.json')), { timeout: 15000, server });

  // The clerk's page.
  const clerk = await openClerk(server, browser, 'clerk-1');
  const rows = await searchById(clerk.page, PRINCIPAL_ID_TYPED, id);
  assert.equal(await rows.count(), 1);
  const rowText = await rows.first().textContent();
  assert.match(rowText, new RegExp(CASE));
  assert.match(rowText, /张三/);
  assert.match(rowText, /1101\*+123X/);
  assert.doesNotMatch(rowText, new RegExp(PRINCIPAL_ID));
  // Nobody opened it yet: the row says it is checked on opening, not a bare
  // "not checked" a clerk could read as a failed check.
  const rowVerify = clerk.page.locator(`[data-testid="archive-row"][data-recording="${id}"] [data-testid="archive-row-verify"]`);
  assert.equal(await rowVerify.innerText(), '打开时校验');

  const shown = await openVerified(clerk.page, id, server);
  console.log(`# receipt: ${shown.receipt}`);
  assert.match(shown.receipt, /NTR-[0-9a-f]{64}/);
  // The receipt's id is one long unbreakable string: it wraps within a 1280 px
  // window, and the short column headers and the open button stay on one line.
  await assertFits(clerk.page, 'the clerk page with a recording and its receipt shown');
  const lines = await clerk.page.locator('[data-testid="archive-results"] th, [data-testid="archive-open"]').evaluateAll((els) =>
    els.map((e) => {
      const range = document.createRange();
      range.selectNodeContents(e);
      return [e.textContent, new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size];
    }).filter(([text]) => text));
  assert.ok(lines.every(([, n]) => n === 1), `headers and buttons on one line: ${JSON.stringify(lines)}`);
  // The business by its name, not its code.
  const detailText = () => clerk.page.locator('[data-testid="archive-detail"]').innerText();
  assert.match(await detailText(), /业务: 存量房转移登记 · /);
  // The view verified it: its results row says so too, and times are the
  // centre's, in Chinese, with the zone named.
  const row = clerk.page.locator(`[data-testid="archive-row"][data-recording="${id}"]`);
  assert.match(await row.textContent(), /校验通过/);
  assert.doesNotMatch(await row.textContent(), /未校验/);
  assert.match(await row.textContent(), /\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d（UTC\+8）/);
  // In English, the results, the message and the open recording are redrawn.
  await switchLang(clerk.page, 'en');
  assert.match(await row.textContent(), /Verified/);
  assert.doesNotMatch(await row.textContent(), /年|校验/);
  assert.match(await clerk.page.locator('[data-testid="archive-message"]').innerText(), /^1 recording found$/);
  assert.doesNotMatch(await clerk.page.locator('[data-testid="archive-verify"]').innerText(), CHINESE);
  assert.match(await detailText(), /Business: Transfer of an existing home · /);
  // English is the page's language, not a subtitle: the text keeps its colour.
  const colours = await clerk.page.evaluate(() => {
    const probe = document.body.appendChild(document.createElement('span'));
    probe.style.color = 'var(--fg)';
    const fg = getComputedStyle(probe).color;
    probe.remove();
    return { body: getComputedStyle(document.body).color, detail: getComputedStyle(document.querySelector('[data-testid="archive-parties"]')).color, fg };
  });
  assert.equal(colours.body, colours.fg, `body text in English: ${JSON.stringify(colours)}`);
  assert.equal(colours.detail, colours.fg, `detail text in English: ${JSON.stringify(colours)}`);
  await switchLang(clerk.page, 'zh');
  assert.match(await clerk.page.locator('[data-testid="archive-verify"]').innerText(), /校验通过/);

  // One video per person recorded: the two parties, and the staff witness beside them.
  const played = await playParties(clerk.page, payload.parties.map((p) => p.participant), server);
  assert.equal(played.videos, 3);
  console.log(`# parties' currentTime ${played.first.join(', ')} -> ${played.times.join(', ')} s; ` +
    `drift from the shared clock: ${played.drift.join(', ')} ms`);

  // A legal hold needs a reason: without one the page asks for it and sends
  // nothing. Set while the parties play, the hold leaves the playback running.
  const hold = clerk.page.locator('[data-testid="archive-hold"]');
  const holdMessage = clerk.page.locator('[data-testid="archive-hold-message"]');
  await clerk.page.locator('[data-testid="archive-hold-set"]').click();
  await clerk.page.waitForFunction(() => document.querySelector('[data-testid="archive-hold-message"]')?.textContent, null, { timeout: TIMEOUT_MS });
  assert.equal(await holdMessage.innerText(), '请填写理由');
  assert.equal(await holdMessage.getAttribute('data-code'), null);
  assert.equal(await hold.getAttribute('data-state'), 'free');
  const playingBefore = await clerk.page.locator('[data-testid="archive-video"]').first().evaluate((v) => v.currentTime);
  await clerk.page.locator('[data-testid="archive-hold-reason"]').fill('court order 2026-17');
  await clerk.page.locator('[data-testid="archive-hold-set"]').click();
  await clerk.page.locator('[data-testid="archive-hold"][data-state="held"]').waitFor({ timeout: TIMEOUT_MS });
  assert.equal(await clerk.page.locator('[data-testid="archive-video"]').count(), 3, 'the player outlives the hold');
  assert.equal(await clerk.page.locator('[data-testid="archive-play"]').innerText(), '暂停');
  await waitUntil('the playback going on after the hold', async () =>
    (await clerk.page.locator('[data-testid="archive-video"]').first().evaluate((v) => (v.paused ? -1 : v.currentTime))) > playingBefore,
  { timeout: TIMEOUT_MS, server });
  const { media } = clerk;
  assert.ok(media.length >= 2, `media requests: ${media}`);
  assert.ok(media.every((s) => s === 206), `every media request answered 206: ${media}`);

  // The audit log: readable "key: value" details, and the page stays within a
  // 1280 px window (an export's entry names its file and a 64-digit hash).
  const exported = await request(clerk.page, 'archive', 'export', { recording: id });
  assert.ok(exported.result, JSON.stringify(exported));
  await clerk.page.locator('[data-testid="archive-audit"] summary').click();
  await clerk.page.locator('[data-testid="archive-audit-row"]').first().waitFor({ timeout: TIMEOUT_MS });
  const details = await clerk.page.locator('[data-testid="archive-audit-detail"]').allInnerTexts();
  assert.ok(details.some((d) => /^\w[\w.]*: /m.test(d)), details.join(' | '));
  assert.ok(details.every((d) => !/[{}"]/.test(d)), details.join(' | '));
  // Actions in words of the page's language, not their codes.
  const actions = await clerk.page.locator('[data-testid="archive-audit-action"]').allInnerTexts();
  assert.ok(actions.length > 0 && actions.every((a) => CHINESE.test(a)), `audit actions: ${actions.join(', ')}`);
  assert.ok(actions.includes('查看') && actions.includes('设置法律保全'), `audit actions: ${actions.join(', ')}`);
  await assertFits(clerk.page, 'the clerk page with its audit log open');

  // By date: the boxes start as today (the centre's), which finds it; empty
  // boxes get a message saying what to fill in, not a refused search.
  await clerk.page.locator('[data-testid="archive-search-by"]').selectOption('date');
  assert.match(await clerk.page.locator('[data-testid="archive-from"]').inputValue(), /^\d{4}-\d\d-\d\d$/);
  await clerk.page.locator('[data-testid="archive-search"]').click();
  await clerk.page.locator(`[data-testid="archive-row"][data-recording="${id}"]`).waitFor({ timeout: TIMEOUT_MS });
  await clerk.page.locator('[data-testid="archive-from"]').fill('');
  await clerk.page.locator('[data-testid="archive-to"]').fill('');
  await clerk.page.locator('[data-testid="archive-search"]').click();
  const message = clerk.page.locator('[data-testid="archive-message"]');
  await clerk.page.waitForFunction(() => /起止日期/.test(document.querySelector('[data-testid="archive-message"]').textContent), null, { timeout: TIMEOUT_MS });
  assert.equal(await message.getAttribute('data-code'), null);
  assert.match(await message.innerText(), /UTC\+8/);
  assert.deepEqual(clerk.problems, []);

  // The admin page's Records tab, with the recording found and opened, fits a 1280 px window too.
  const admin = await openAs(server, browser, { page: 'admin', role: 'admin', sub: 'admin-1' });
  await admin.page.locator('[data-testid="tab-archive"]').click();
  await searchById(admin.page, PRINCIPAL_ID, id);
  await assertFits(admin.page, 'the admin page\'s Records tab with results');
  await openVerified(admin.page, id, server);
  await assertFits(admin.page, 'the admin page\'s Records tab with a recording open');
  assert.deepEqual(admin.problems, []);
});
