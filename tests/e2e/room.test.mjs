// room.test.mjs — people in one room see and hear each other through witnessd,
// in real browsers.
//
// Starts its own witnessd and two headless Chromiums: the applicant's plays
// the fixture clip and speech as its camera and microphone, the staff's its
// built-in test pattern and beeps. Links from witnessctl open the room page,
// which joins the token's room by itself. Then: two people decode each
// other's video and audio (framesDecoded and totalAudioEnergy rising in
// getStats), a third sees and is seen by both, four joining at once all see
// each other, a closed tab is gone for the others within 10 s, as is a frozen
// browser within about 10 s of silence, an ICE restart
// of both connections keeps media flowing, an applicant cannot join another
// room than their token's (nor a clerk any, nor a seventh person a room of
// six), the time from page start to the first remote frame is measured (a
// benchmark, printed as a TAP comment, not asserted), and witnessd stopped in
// the middle of a call exits 0 with nothing leaked (LeakSanitizer).
//
//   node --test --test-reporter=tap room.test.mjs          (from tests/e2e)
//   WT_E2E_SCREENSHOTS=/tmp/shots node --test ...           also saves screenshots
//   WT_E2E_JOIN_RUNS=20 node --test ...                     more benchmark runs
//   WT_E2E_SERVER_LOG=/tmp/witnessd.log node --test ...     keeps what witnessd printed
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { fakeMediaArgs, launchChromium, launchFreezableChromium, openPage } from './lib/browser.mjs';
import { receivedBy, roomMetrics as roomMetricsAt } from './lib/room.mjs';
import { mintLink, startWitnessd, tokenOf } from './lib/witnessd.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = process.env.WT_FIXTURES || resolve(here, '..', '..', '..', 'shared', 'fixtures');
const JOIN_TIMEOUT_MS = 20000;
const MEDIA_TIMEOUT_MS = 20000;
const LEFT_WITHIN_MS = 10000;
// [rooms] silence_timeout (10 s), plus the peer watchdog's 0.5 s tick and a margin.
const SILENT_GONE_WITHIN_MS = 11500;
const JOIN_RUNS = Number(process.env.WT_E2E_JOIN_RUNS || 10);

let server;
let applicants; // Chromium whose camera and microphone are the fixtures
let staff; // Chromium with the built-in fake camera and microphone

before(async () => {
  server = await startWitnessd();
  [applicants, staff] = await Promise.all([
    launchChromium({
      args: fakeMediaArgs({
        video: join(FIXTURES, 'applicant-live.mjpeg'),
        audio: join(FIXTURES, 'consent-zh.wav'),
      }),
    }),
    launchChromium(),
  ]);
});

after(async () => {
  await Promise.all([applicants?.close(), staff?.close()]);
  server?.kill(); // only if the last test did not stop it
  if (process.env.WT_E2E_SERVER_LOG && server) {
    await writeFile(process.env.WT_E2E_SERVER_LOG, server.output());
  }
  await server?.cleanup();
});

function serverLog(lines = 30) {
  return server.output().split('\n').slice(-lines).join('\n');
}

async function screenshot(page, name) {
  const dir = process.env.WT_E2E_SCREENSHOTS;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** Opens a link for @role/@sub in @room in @browser; resolves once the page is in the room. */
async function joinAs(browser, { role, sub, room, ttl }) {
  const { page, problems } = await openPage(browser.context);
  const response = await page.goto(await mintLink(server, { role, sub, room, ttl }));
  await waitForRoomState(page, 'joined');
  return { page, problems, sub, response };
}

async function waitForRoomState(page, state, timeout = JOIN_TIMEOUT_MS) {
  try {
    await page.locator(`#room-view[data-state="${state}"]`).waitFor({ timeout });
  } catch {
    const shown = await page.locator('#room-view').evaluate(
      (el) => `${el.dataset.state} (${el.dataset.code ?? '-'}): ${el.innerText}`,
    ).catch((err) => `nothing readable (${err.message})`);
    assert.fail(`room page did not reach "${state}" within ${timeout} ms; it shows ${shown}\n` +
      `witnessd said:\n${serverLog()}`);
  }
}

/** The subs of the remote tiles a page shows, sorted. */
async function tilesOf(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('#tiles .tile.remote')].map((t) => t.dataset.sub).sort());
}

/**
 * Waits until @page decodes video and audio from each of @subs and both keep
 * rising: framesDecoded and totalAudioEnergy above what they were once the
 * first frames were in. (The applicant's speech has pauses, so audio gets a
 * few seconds to rise.) Resolves with the last sample.
 */
async function expectFlowing(page, subs, { kinds = ['video', 'audio'], timeout = MEDIA_TIMEOUT_MS } = {}) {
  const deadline = Date.now() + timeout;
  let base = null;
  let now = {};
  const has = (sample, sub, kind, over = 0) => (sample[sub]?.[kind] ?? 0) > over;
  while (Date.now() < deadline) {
    now = await receivedBy(page);
    if (!base) {
      if (subs.every((sub) => has(now, sub, 'video'))) base = now;
    } else if (subs.every((sub) => kinds.every((k) => has(now, sub, k, base[sub][k])))) {
      return now;
    }
    await page.waitForTimeout(250);
  }
  assert.fail(`media from ${subs.join(', ')} did not keep flowing within ${timeout} ms: ` +
    `first ${JSON.stringify(base)}, last ${JSON.stringify(now)}\nwitnessd said:\n${serverLog()}`);
}

/** The room's counters from /metrics: {packets_in, packets_out, …}. */
function roomMetrics(room) {
  return roomMetricsAt(server.url, room);
}

// Shared by the tests of room demo, which build on each other. The first two
// people are the ones `scripts/run` prints links for.
const ROOM = 'demo';
let applicant;
let staffer;
let third;

test('applicant and staff in one room decode each other\'s video and audio', async () => {
  // As `scripts/run` mints them: room demo, valid for 12 hours.
  applicant = await joinAs(applicants, { role: 'applicant', sub: 'applicant-1', room: ROOM, ttl: 43200 });
  staffer = await joinAs(staff, { role: 'staff', sub: 'staff-1', room: ROOM, ttl: 43200 });

  // Each sees the other's tile, with name and role.
  await applicant.page.locator('.tile.remote[data-sub="staff-1"]').waitFor({ timeout: JOIN_TIMEOUT_MS });
  await staffer.page.locator('.tile.remote[data-sub="applicant-1"]').waitFor({ timeout: JOIN_TIMEOUT_MS });
  assert.deepEqual(await tilesOf(applicant.page), ['staff-1']);
  assert.deepEqual(await tilesOf(staffer.page), ['applicant-1']);
  assert.match(await applicant.page.locator('.tile.remote figcaption').innerText(), /staff-1\s+工作人员\s+staff/);
  assert.match(await staffer.page.locator('.tile.remote figcaption').innerText(), /applicant-1\s+申请人\s+applicant/);

  const before = await roomMetrics(ROOM);
  await Promise.all([
    expectFlowing(applicant.page, ['staff-1']),
    expectFlowing(staffer.page, ['applicant-1']),
  ]);
  // Both connections are up, and the page says so.
  for (const { page } of [applicant, staffer]) {
    for (const id of ['pub-state', 'sub-state']) {
      assert.match(await page.locator(`#${id}`).getAttribute('data-state'), /^(connected|completed)$/);
    }
    await page.locator('.tile.remote[data-first-frame]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
  }
  // Both connections use AEAD_AES_128_GCM, the SRTP profile the server prefers.
  for (const { page } of [applicant, staffer]) {
    const ciphers = await page.evaluate(async () => {
      const out = [];
      for (const pc of [window.witness.room.publishPc, window.witness.room.subscribePc]) {
        (await pc.getStats()).forEach((s) => { if (s.type === 'transport') out.push(s.srtpCipher); });
      }
      return out;
    });
    assert.deepEqual(ciphers, ['SRTP_AEAD_AES_128_GCM', 'SRTP_AEAD_AES_128_GCM']);
  }
  // All of it under witnessd's strict Content-Security-Policy (a violation
  // would be a console error, so among the problems checked below).
  assert.match(applicant.response.headers()['content-security-policy'], /default-src 'none'; script-src 'self'/);
  // Our own video is shown too, muted; the others' with sound (once the
  // camera is on, the browser lets the page play sound without a click).
  assert.equal(await applicant.page.locator('#self-video').evaluate((v) => v.muted && !!v.srcObject), true);
  for (const { page } of [applicant, staffer]) {
    assert.equal(await page.locator('.tile.remote video').evaluate((v) => v.muted), false);
    assert.equal(await page.locator('#enable-sound').isHidden(), true);
  }

  // The room's counters rise while the call goes on.
  await applicant.page.waitForTimeout(500);
  const later = await roomMetrics(ROOM);
  assert.equal(later.participants, 2);
  assert.ok(later.packets_in > (before.packets_in ?? 0), `packets_in did not rise: ${JSON.stringify([before, later])}`);
  assert.ok(later.packets_out > (before.packets_out ?? 0), `packets_out did not rise: ${JSON.stringify([before, later])}`);
  assert.ok(later.bytes_out > 0);

  await screenshot(applicant.page, 'room-applicant');
  await screenshot(staffer.page, 'room-staff');
  assert.deepEqual([...applicant.problems, ...staffer.problems], []);
});

test('a third person joins: everyone sees and hears everyone', async () => {
  assert.ok(applicant && staffer, 'needs the previous test');
  third = await joinAs(staff, { role: 'staff', sub: 'staff-zhao', room: ROOM });
  const everyone = [applicant, staffer, third];
  await Promise.all(everyone.map(async (me) => {
    const others = everyone.filter((o) => o !== me).map((o) => o.sub);
    await me.page.waitForFunction((n) => document.querySelectorAll('#tiles .tile.remote').length === n,
      others.length, { timeout: JOIN_TIMEOUT_MS });
    assert.deepEqual(await tilesOf(me.page), [...others].sort());
    await expectFlowing(me.page, others);
  }));
  assert.equal((await roomMetrics(ROOM)).participants, 3);
  await screenshot(third.page, 'room-three');
  assert.deepEqual(everyone.flatMap((p) => p.problems), []);
});

test('four people joining at the same moment all see each other', async (t) => {
  // Offers cross publishes here: each subscribe offer must be answered for
  // what it offered, and what came meanwhile offered next.
  const subs = ['rush-1', 'rush-2', 'rush-3', 'rush-4'];
  const links = await Promise.all(subs.map((sub) => mintLink(server, { role: 'staff', sub, room: 'case-rush' })));
  const people = await Promise.all(subs.map(async (sub, i) => {
    const { page, problems } = await openPage(staff.context);
    await page.goto(links[i]);
    return { page, problems, sub };
  }));
  t.after(() => Promise.all(people.map(({ page }) => page.close())));
  await Promise.all(people.map(async (me) => {
    await waitForRoomState(me.page, 'joined');
    await expectFlowing(me.page, subs.filter((s) => s !== me.sub), { kinds: ['video'] });
  }));
  assert.deepEqual(people.flatMap((p) => p.problems), []);
});

test('closing a tab: the others are told within 10 s and its video goes', async () => {
  assert.ok(third, 'needs the previous test');
  const t0 = Date.now();
  await third.page.close();
  await Promise.all([applicant, staffer].map((me) =>
    me.page.waitForFunction(() => !document.querySelector('.tile.remote[data-sub="staff-zhao"]'), null,
      { timeout: LEFT_WITHIN_MS })));
  const ms = Date.now() - t0;
  assert.ok(ms < LEFT_WITHIN_MS, `took ${ms} ms`);
  assert.deepEqual(await tilesOf(applicant.page), ['staff-1']);
  assert.deepEqual(await tilesOf(staffer.page), ['applicant-1']);
  // What remains keeps flowing, and nobody still receives the one who left.
  await Promise.all([
    expectFlowing(applicant.page, ['staff-1']),
    expectFlowing(staffer.page, ['applicant-1']),
  ]);
  // Their m-sections go inactive in a renegotiation (after participant-left).
  for (const me of [applicant, staffer]) {
    const deadline = Date.now() + LEFT_WITHIN_MS;
    while ((await receivedBy(me.page))['staff-zhao'] && Date.now() < deadline) await me.page.waitForTimeout(100);
    assert.equal((await receivedBy(me.page))['staff-zhao'], undefined,
      `${me.sub} still receives staff-zhao: the server did not renegotiate\n${serverLog()}`);
  }
  assert.equal((await roomMetrics(ROOM)).participants, 2);
  third = null;
});

test('a browser that freezes is gone for the others within about 10 s', async (t) => {
  const frozen = await launchFreezableChromium();
  t.after(() => frozen.close());
  const room = 'case-frozen';
  const victim = await joinAs(frozen, { role: 'staff', sub: 'staff-frozen', room });
  const other = await joinAs(staff, { role: 'staff', sub: 'staff-awake', room });
  t.after(() => other.page.close());
  await expectFlowing(other.page, ['staff-frozen'], { kinds: ['video'] });

  await other.page.evaluate(() => {
    window.witness.client.on('event:participant-left', (m) => { window.leftReason = m.reason; });
  });
  const t0 = Date.now();
  frozen.freeze();
  await other.page.waitForFunction(() => !document.querySelector('.tile.remote'), null,
    { timeout: SILENT_GONE_WITHIN_MS + 5000 });
  const ms = Date.now() - t0;
  frozen.thaw();
  const reason = await other.page.evaluate(() => window.leftReason);
  t.diagnostic(`participant-left ${ms} ms after the browser froze (${reason})`);
  assert.ok(ms <= SILENT_GONE_WITHIN_MS, `took ${ms} ms`);
  assert.equal((await roomMetrics(room)).participants, 1);
  // Woken up, the frozen page learns that it is out of the room.
  await waitForRoomState(victim.page, 'left');
  assert.deepEqual(other.problems, []);
});

test('an ICE restart of both connections keeps media flowing', async () => {
  assert.ok(applicant && staffer, 'needs the previous tests');
  const ufrags = () => applicant.page.evaluate(() => {
    const ufrag = (desc) => /a=ice-ufrag:(\S+)/.exec(desc?.sdp ?? '')?.[1];
    const { publishPc, subscribePc } = window.witness.room;
    return {
      publishOurs: ufrag(publishPc.localDescription),
      publishServer: ufrag(publishPc.remoteDescription),
      subscribeOurs: ufrag(subscribePc.localDescription),
      subscribeServer: ufrag(subscribePc.remoteDescription),
    };
  });
  const old = await ufrags();
  await applicant.page.evaluate(() => window.witness.room.iceRestart());
  const fresh = await ufrags();
  for (const key of Object.keys(old)) {
    assert.ok(old[key] && fresh[key] && old[key] !== fresh[key],
      `${key}: ICE credentials did not change (${old[key]} -> ${fresh[key]})`);
  }
  // Both connections come back, and frames keep coming both ways.
  await applicant.page.waitForFunction(() => {
    const s = window.witness.room.iceStates;
    return /^(connected|completed)$/.test(s.publish) && /^(connected|completed)$/.test(s.subscribe);
  }, null, { timeout: MEDIA_TIMEOUT_MS });
  await Promise.all([
    expectFlowing(applicant.page, ['staff-1']),
    expectFlowing(staffer.page, ['applicant-1']),
  ]);
  // Media moves to a pair of the new ICE generation: its remote candidate carries the
  // server's new ufrag. Chromium may report the old pair as selected for a moment after
  // the connection state says connected again, so this is waited for.
  const selectedUfrags = () => applicant.page.evaluate(async () => {
    const pairUfrag = async (pc) => {
      const report = await pc.getStats();
      const stats = [...report.values()];
      const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
      const pair = report.get(transport?.selectedCandidatePairId);
      return report.get(pair?.remoteCandidateId)?.usernameFragment ?? null;
    };
    const { publishPc, subscribePc } = window.witness.room;
    return { publishServer: await pairUfrag(publishPc), subscribeServer: await pairUfrag(subscribePc) };
  });
  const want = { publishServer: fresh.publishServer, subscribeServer: fresh.subscribeServer };
  let selected = await selectedUfrags();
  for (const until = Date.now() + 10000; Date.now() < until && JSON.stringify(selected) !== JSON.stringify(want);) {
    await applicant.page.waitForTimeout(200);
    selected = await selectedUfrags();
  }
  assert.deepEqual(selected, want);
  assert.match(server.output(), /ICE restart/);
  assert.deepEqual([...applicant.problems, ...staffer.problems], []);
  await Promise.all([applicant.page.close(), staffer.page.close()]);
});

test('admission: an applicant only to their token\'s room, a clerk to none, six at most', async (t) => {
  const me = await joinAs(applicants, { role: 'applicant', sub: 'li-si', room: 'room-a' });
  t.after(() => me.page.close());
  // A second connection from the same page, with the same token, asks for room-b.
  const refused = await me.page.evaluate(async () => {
    const { WitnessClient, wsUrlFor } = await import('/witness.js');
    const c = new WitnessClient();
    await c.connect(wsUrlFor(location));
    await c.hello(sessionStorage.getItem('witness.token'));
    try {
      await c.joinRoom('room-b');
      return { joined: true };
    } catch (err) {
      return { code: err.code, reason: err.reason };
    } finally {
      c.close();
    }
  });
  assert.equal(refused.code, 'forbidden');
  assert.match(refused.reason, /room-a/);
  assert.deepEqual(await roomMetrics('room-b'), {}, 'room-b must not exist');
  // The page itself is still in room-a.
  assert.equal(await me.page.locator('#room-view').getAttribute('data-state'), 'joined');
  assert.deepEqual(me.problems, []);

  // Six in a room (receiving only, from a page of ours): a seventh is turned away.
  const tokens = await Promise.all([1, 2, 3, 4, 5, 6, 7].map(async (i) =>
    tokenOf(await mintLink(server, { role: 'staff', sub: `full-${i}`, room: 'case-full' }))));
  const full = await me.page.evaluate(async (toks) => {
    const { WitnessClient, wsUrlFor } = await import('/witness.js');
    const clients = [];
    const out = [];
    for (const tok of toks) {
      const c = new WitnessClient();
      clients.push(c);
      await c.connect(wsUrlFor(location));
      await c.hello(tok);
      out.push(await c.joinRoom('case-full').then(() => 'joined', (err) => err.code));
    }
    for (const c of clients) c.close();
    return out;
  }, tokens);
  assert.deepEqual(full, ['joined', 'joined', 'joined', 'joined', 'joined', 'joined', 'room-full']);

  // A clerk's link that names a room: the page says the room refused.
  const { page, problems } = await openPage(staff.context);
  t.after(() => page.close());
  await page.goto(await mintLink(server, { role: 'clerk', sub: 'clerk-chen', room: 'room-a' }));
  await waitForRoomState(page, 'refused');
  assert.equal(await page.locator('#room-view').getAttribute('data-code'), 'forbidden');
  assert.match(await page.locator('#room-state').innerText(), /无权访问\s+Forbidden/);
  assert.equal(await page.locator('#self-video').evaluate((v) => v.srcObject), null, 'the camera must be off');
  assert.deepEqual(problems, []);
});

// From the tab's time origin (navigation start) to the first remote video
// frame shown (requestVideoFrameCallback, recorded by the page as the tile's
// data-first-frame), for someone joining while another already publishes.
test('benchmark: join time, page start to first remote frame', async (t) => {
  const room = 'bench';
  const host = await joinAs(staff, { role: 'staff', sub: 'staff-bench', room });
  t.after(() => host.page.close());
  const times = [];
  for (let i = 1; i <= JOIN_RUNS; i++) {
    const link = await mintLink(server, { role: 'applicant', sub: `applicant-bench-${i}`, room });
    const { page, problems } = await openPage(applicants.context);
    await page.goto(link);
    const tile = page.locator('.tile.remote[data-first-frame]');
    try {
      await tile.waitFor({ timeout: JOIN_TIMEOUT_MS });
    } catch {
      assert.fail(`run ${i}: no remote frame within ${JOIN_TIMEOUT_MS} ms\nwitnessd said:\n${serverLog()}`);
    }
    times.push(Number(await tile.getAttribute('data-first-frame')));
    assert.deepEqual(problems, []);
    await page.close();
    // The host sees them go before the next one comes.
    await host.page.waitForFunction(() => !document.querySelector('.tile.remote'), null,
      { timeout: LEFT_WITHIN_MS });
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
  t.diagnostic(`join time median ${median} ms (${times.length} runs: ${times.join(', ')})`);
  assert.ok(times.every((ms) => ms > 0));
  assert.deepEqual(host.problems, []);
});

test('witnessd stopped during a call exits 0, leaks nothing, and the pages say so', async () => {
  const room = 'case-end';
  const a = await joinAs(applicants, { role: 'applicant', sub: 'zhang-san', room });
  const b = await joinAs(staff, { role: 'staff', sub: 'staff-end', room });
  await Promise.all([expectFlowing(a.page, ['staff-end'], { kinds: ['video'] }),
    expectFlowing(b.page, ['zhang-san'], { kinds: ['video'] })]);

  const { code, signal, ms } = await server.stop();
  // An AddressSanitizer build reports leaks at exit, and then exits non-zero.
  assert.equal(signal, null, `witnessd was killed by ${signal}:\n${serverLog(60)}`);
  assert.equal(code, 0, `witnessd exited with ${code}:\n${serverLog(60)}`);
  assert.doesNotMatch(server.output(), /LeakSanitizer|AddressSanitizer|runtime error:/);
  assert.ok(ms < 2000, `witnessd took ${ms} ms to exit after SIGTERM (limit 2000)`);
  assert.ok(!server.output().includes('eyJ'), 'a token reached witnessd\'s log');
  for (const { page } of [a, b]) {
    await waitForRoomState(page, 'left');
    await page.locator('#status[data-state="closed"]').waitFor({ timeout: JOIN_TIMEOUT_MS });
    assert.equal(await page.locator('#self-video').evaluate((v) => v.srcObject), null, 'the camera must be off');
    assert.equal(await page.locator('#tiles .tile.remote').count(), 0);
  }
  assert.deepEqual([...a.problems, ...b.problems], []);
});
