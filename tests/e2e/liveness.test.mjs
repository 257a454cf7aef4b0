// Liveness in real browsers: an applicant's Chromium plays a fixture as its
// camera and joins a recorded room with staff. Staff's page must show the
// applicant's badge "passed" for the live clip (applicant-live.mjpeg: the
// head moves, the eyes blink) and "failed" as a still face for the photo
// (applicant-photo.mjpeg), within the window. After both leave, the sealed
// chain must hold the `liveness` record with that result, its thresholds and
// the detector's cascade hashes, and a JPEG key frame that `witnessctl
// verify` checks. The applicant's page shows the prompts while the check runs
// (the photo gets "please blink") and drops them once it is decided. Runs in a
// loopback-only network namespace (scripts/test).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { fakeMediaArgs, launchChromium, openPage } from './lib/browser.mjs';
import { mintLink, startWitnessd, WITNESSCTL } from './lib/witnessd.mjs';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = process.env.WT_FIXTURES || resolve(here, '..', '..', '..', 'shared', 'fixtures');
const WINDOW_S = 15; // [liveness] window_seconds, the default
const SLACK_MS = 25000; // joining, first keyframe, and a busy machine under AddressSanitizer

let server;
const browsers = {};

before(async () => {
  server = await startWitnessd({ config: '[recording]\nsegment_seconds=10\n', liveness: true });
  for (const clip of ['live', 'photo']) {
    browsers[clip] = await launchChromium({
      args: fakeMediaArgs({
        video: join(FIXTURES, `applicant-${clip}.mjpeg`),
        audio: join(FIXTURES, 'consent-zh.wav'),
      }),
    });
  }
});

after(async () => {
  for (const b of Object.values(browsers)) await b?.close();
  server?.kill();
  await server?.cleanup();
});

async function joinAs(browser, room, sub, role, record = false) {
  const { page } = await openPage(browser.context);
  await page.goto(await mintLink(server, { role, sub, room, record }));
  await page.locator('#room-view[data-state="joined"]').waitFor({ timeout: 20000 });
  return page;
}

async function waitFor(what, fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms\nwitnessd said:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Joins staff (recording) and an applicant with @clip's camera; returns the badge's final
 *  state and the prompts the applicant's page showed while the check ran. */
async function checkRoom(clip, room) {
  const staff = await joinAs(browsers[clip], room, `staff-${clip}`, 'staff', true);
  const applicant = await joinAs(browsers[clip], room, `applicant-${clip}`, 'applicant');
  const badge = staff.locator(`.tile.remote[data-sub="applicant-${clip}"] .liveness`);
  const notice = applicant.locator('#room-notice');
  const prompts = new Set();
  const t0 = Date.now();
  await badge.waitFor({ state: 'visible', timeout: 20000 });
  const decided = await waitFor(`staff seeing the ${clip} applicant's liveness decided`, async () => {
    const prompt = await notice.getAttribute('data-prompt');
    if (prompt) prompts.add(prompt);
    const state = await badge.getAttribute('data-state');
    return ['passed', 'failed', 'error'].includes(state) ? state : null;
  }, WINDOW_S * 1000 + SLACK_MS);
  const reasons = (await badge.getAttribute('data-reasons')) ?? '';
  console.log(`# ${clip}: ${decided} (${reasons || 'no reasons'}) ${Date.now() - t0} ms after the badge appeared;` +
    ` the applicant was shown ${[...prompts].join(', ') || 'no prompt'}`);
  assert.equal(await applicant.locator('.liveness').count(), 0, 'applicants see no badges');
  await waitFor(`the ${clip} applicant's prompt gone once the check was decided`, async () =>
    !(await notice.getAttribute('data-prompt')) && await notice.isHidden(), 5000);
  await applicant.locator('#leave').click();
  await staff.locator('#leave').click();
  await staff.close();
  await applicant.close();
  return { decided, reasons, prompts };
}

/** The sealed recording whose liveness record says @result: its folder and chain records. */
async function recordingWith(result) {
  const archive = join(server.dataDir, 'archive');
  return waitFor(`a sealed recording with a liveness record "${result}"`, async () => {
    for (const id of existsSync(archive) ? await readdir(archive) : []) {
      const dir = join(archive, id);
      if (!existsSync(join(dir, 'seal.json'))) continue;
      const text = await readFile(join(dir, 'chain.jsonl'), 'utf8');
      const records = text.trim().split('\n').map((l) => JSON.parse(l));
      if (records.some((r) => r.type === 'liveness' && r.result === result)) return { dir, records };
    }
    return null;
  }, 15000);
}

async function assertChain(expectResult) {
  const { dir, records } = await recordingWith(expectResult);
  const lv = records.filter((r) => r.type === 'liveness');
  assert.equal(lv.length, 1, 'one liveness record (the check at join)');
  const r = lv[0];
  assert.equal(r.result, expectResult);
  assert.equal(r.trigger, 'join');
  assert.equal(r.thresholds.window_ms, WINDOW_S * 1000);
  const cascades = r.detector.files.map((f) => f.path.split('/').pop()).sort();
  assert.deepEqual(cascades, ['haarcascade_eye.xml', 'haarcascade_frontalface_default.xml']);
  for (const f of r.detector.files) assert.match(f.sha256, /^[0-9a-f]{64}$/);
  assert.match(r.file, /^p-[0-9a-f]+\/liveness-\d+\.jpg$/);
  const jpeg = await readFile(join(dir, r.file));
  assert.equal(jpeg.length, r.size);
  assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8], 'the key frame is a JPEG');
  const { stdout: verdict } = await run(WITNESSCTL, ['verify', '--data', server.dataDir, dir]);
  console.log(`# witnessctl verify: ${verdict.trim()}`);
  assert.match(verdict, /^OK /);
  // While the applicant was recorded, a face-presence summary per segment they wrote.
  const presence = records.filter((q) => q.type === 'face-presence' && q.participant === r.participant);
  const segments = records.filter((q) => q.type === 'segment' && q.participant === r.participant);
  assert.ok(presence.length >= 1 && presence.length <= segments.length,
    `${presence.length} face-presence records for ${segments.length} segments`);
  assert.equal(presence.at(-1).until, 'leave', 'the last one covers the segment the leave closed');
  for (const q of presence) {
    assert.ok(q.until === 'leave' || segments.some((s) => s.file === q.segment), `${q.segment} is a segment`);
  }
  assert.ok(presence.some((q) => q.frames > 0 && q.face_frames > 0), 'frames with a face were counted');
  return r;
}

test('a live applicant passes, and the chain holds the result and a key frame that verifies', async () => {
  const { decided } = await checkRoom('live', 'liveness-live');
  assert.equal(decided, 'passed');
  const r = await assertChain('passed');
  assert.ok(r.blinks >= 1, 'a blink was seen');
});

test('a photo held to the camera fails as a still face', async () => {
  const { decided, reasons, prompts } = await checkRoom('photo', 'liveness-photo');
  assert.equal(decided, 'failed');
  assert.ok(prompts.has('blink'), 'the applicant was asked to blink');
  assert.match(reasons, /still-face/);
  const r = await assertChain('failed');
  assert.ok(r.reasons.includes('still-face'));
});
