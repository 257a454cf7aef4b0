// The clerk's retrieval in real browsers (server/modules/archive): staff,
// a principal and an agent meet in a recorded room (camera: the live-face
// fixture); the test module `hello` writes the case record into the chain as
// the witness module does (case number, business, parties with their ID
// hashes and masked numbers). Once the recording is sealed, a clerk opens
// the clerk page, finds it by the principal's ID number typed in full-width
// digits with a small x, opens it and sees "verified" and the notarisation
// receipt, and plays both parties side by side: both <video> elements advance
// (currentTime > 0) and the media requests are answered 206 (range requests
// on signed URLs). An applicant's token asking the archive is refused.
// Runs in a loopback-only network namespace (scripts/test).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { fakeMediaArgs, launchChromium, openPage } from './lib/browser.mjs';
import { mintLink, startWitnessd, tokenOf, WITNESSD } from './lib/witnessd.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = process.env.WT_FIXTURES || resolve(here, '..', '..', '..', 'shared', 'fixtures');
const TEST_MODULES = process.env.WT_TEST_MODULES || resolve(dirname(WITNESSD), '..', 'tests', 'modules');
const MODULES = resolve(dirname(WITNESSD), 'modules');
const ROOM = 'entrust-e2e';
const STAY_MS = 9000; // two 4 s segments a party at least
const PRINCIPAL_ID = '11010119900101123X';
const PRINCIPAL_ID_TYPED = '１１０１０１１９９００１０１１２３ｘ';
const AGENT_ID = '310101198502020021';
const CASE = 'WT-E2E-0001';

let server;
let browser;
let modulesDir;

before(async () => {
  modulesDir = await mkdtemp(join(tmpdir(), 'witness-e2e-modules-'));
  await symlink(join(MODULES, 'archive.so'), join(modulesDir, 'archive.so'));
  await symlink(join(TEST_MODULES, 'hello.so'), join(modulesDir, 'hello.so'));
  server = await startWitnessd({
    config: `[recording]\nsegment_seconds=4\n[liveness]\nenabled=false\n[modules]\ndir=${modulesDir}\n`,
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
  if (modulesDir) await rm(modulesDir, { recursive: true, force: true });
});

async function waitFor(what, fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms\nwitnessd said:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function joinAs(sub, role, record = false) {
  const { page, problems } = await openPage(browser.context);
  await page.goto(await mintLink(server, { role, sub, room: ROOM, record }));
  await page.locator('#room-view[data-state="joined"]').waitFor({ timeout: 20000 });
  return { page, problems };
}

/** A module request from @page's own connection: {result} or {error: {code, reason}}. */
function moduleRequest(page, fields) {
  return page.evaluate(async (f) => {
    try {
      return { result: await window.witness.client.request('request', f) };
    } catch (err) {
      return { error: { code: err.code, reason: err.reason } };
    }
  }, fields);
}

test('a clerk finds a witnessed recording by ID number, sees it verified and notarised, and plays both parties', async () => {
  const staff = await joinAs('staff-1', 'staff', true);
  const principal = await joinAs('principal-1', 'applicant');
  const agent = await joinAs('agent-1', 'applicant');
  await staff.page.locator('#recording[data-state="on"]').waitFor({ state: 'visible', timeout: 10000 });

  // The case record, as the witness module writes it.
  const hashOf = async (id) => (await moduleRequest(staff.page, { module: 'hello', action: 'id-hash', id_number: id })).result.hash;
  const participantOf = async (p) => (await moduleRequest(p.page, { module: 'hello', action: 'greet' })).result.participant;
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
  const added = await moduleRequest(staff.page, { module: 'hello', action: 'evidence', room: ROOM, record: 'case', payload });
  assert.ok(added.result, `case record refused: ${JSON.stringify(added.error)}`);

  // An applicant may not use the archive, whatever the page shows.
  const refused = await moduleRequest(principal.page, { module: 'archive', action: 'search', id_number: PRINCIPAL_ID });
  assert.equal(refused.error?.code, 'forbidden');

  await staff.page.waitForTimeout(STAY_MS);
  for (const p of [principal, agent, staff]) await p.page.locator('#leave').click();
  const archive = join(server.dataDir, 'archive');
  const [id] = await waitFor('a recording folder', async () => (existsSync(archive) ? readdir(archive) : null), 5000);
  await waitFor('the seal', async () => existsSync(join(archive, id, 'seal.json')), 15000);

  // The clerk's page.
  const clerkLink = await mintLink(server, { role: 'clerk', sub: 'clerk-1' });
  const { page, problems } = await openPage(browser.context);
  const media = [];
  page.on('response', (res) => {
    if (new URL(res.url()).pathname.startsWith('/media/')) media.push(res.status());
  });
  await page.goto(`${server.url}/clerk.html#token=${tokenOf(clerkLink)}`);
  await page.locator('#status[data-state="connected"]').waitFor({ timeout: 15000 });
  await page.locator('[data-testid="archive-search-by"]').selectOption('id_number');
  await page.locator('[data-testid="archive-id-number"]').fill(PRINCIPAL_ID_TYPED);
  await page.locator('[data-testid="archive-search"]').click();
  const row = page.locator(`[data-testid="archive-row"][data-recording="${id}"]`);
  await row.waitFor({ timeout: 10000 });
  assert.equal(await page.locator('[data-testid="archive-row"]').count(), 1);
  const rowText = await row.textContent();
  assert.match(rowText, new RegExp(CASE));
  assert.match(rowText, /张三/);
  assert.match(rowText, /1101\*+123X/);
  assert.doesNotMatch(rowText, new RegExp(PRINCIPAL_ID));

  await row.locator('[data-testid="archive-open"]').click();
  await page.locator('[data-testid="archive-verify"][data-state="verified"]').waitFor({ timeout: 30000 });
  await page.locator('[data-testid="archive-receipt"][data-state="receipt"]').waitFor({ timeout: 10000 });
  console.log(`# receipt: ${await page.locator('[data-testid="archive-receipt"]').textContent()}`);

  await page.locator('[data-testid="archive-play"]').click();
  // One video per person recorded: the two parties, and the staff witness beside them.
  const partyIds = payload.parties.map((p) => p.participant);
  const videos = page.locator(partyIds.map((p) => `[data-testid="archive-video"][data-participant="${p}"]`).join(', '));
  await waitFor('both parties in the player', async () => (await videos.count()) === 2, 10000);
  assert.equal(await page.locator('[data-testid="archive-video"]').count(), 3);
  await waitFor('both parties playing', async () => {
    const times = await videos.evaluateAll((vs) => vs.map((v) => v.currentTime));
    return times.every((t) => t > 0.5);
  }, 20000);
  const drift = await videos.evaluateAll((vs) => vs.map((v) => Number(v.dataset.driftMs ?? 0)));
  console.log(`# parties' drift from the shared clock: ${drift.join(', ')} ms`);
  assert.ok(media.length >= 2, `media requests: ${media}`);
  assert.ok(media.every((s) => s === 206), `every media request answered 206: ${media}`);
  assert.deepEqual(problems, []);
});
