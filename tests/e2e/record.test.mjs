// Dual recording in real browsers: staff join with a `record` link, an
// applicant (camera: the live-face fixture) joins, both see that they are
// recorded, spend 30 s in the room and leave. The recording must then be
// sealed, `witnessctl verify` must say OK, ffprobe must read every segment
// without error, each participant's segments together must last as long as
// they stayed (within 1 s), and a frame decoded from the applicant's
// recording must show the fixture's face (OpenCV's frontal-face cascade).
// Runs in a loopback-only network namespace (scripts/test).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { fakeMediaArgs, launchChromium, openPage } from './lib/browser.mjs';
import { receivedBy } from './lib/room.mjs';
import { mintLink, startWitnessd, WITNESSCTL } from './lib/witnessd.mjs';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = process.env.WT_FIXTURES || resolve(here, '..', '..', '..', 'shared', 'fixtures');
const ROOM = 'witnessing';
const STAY_MS = 30000;

let server;
let browser;

before(async () => {
  server = await startWitnessd({ config: '[recording]\nsegment_seconds=10\n' });
  browser = await launchChromium({
    args: fakeMediaArgs({
      video: join(FIXTURES, 'applicant-live.mjpeg'),
      audio: join(FIXTURES, 'consent-zh.wav'),
    }),
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
  await server?.cleanup();
});

async function joinAs(sub, role, record = false) {
  const { page } = await openPage(browser.context);
  await page.goto(await mintLink(server, { role, sub, room: ROOM, record }));
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

/** First and last presentation time (s) of @file's packets, by ffprobe (which must not complain). */
async function probeSpan(file) {
  const { stdout, stderr } = await run('ffprobe', ['-v', 'error', '-show_entries',
    'packet=pts_time,duration_time', '-of', 'csv=p=0', file]);
  assert.equal(stderr, '', `ffprobe complained about ${file}`);
  let first = Infinity;
  let last = 0;
  for (const line of stdout.split('\n')) {
    const [pts, dur] = line.split(',').map(Number);
    if (Number.isNaN(pts) || line === '') continue;
    first = Math.min(first, pts);
    last = Math.max(last, pts + (Number.isNaN(dur) ? 0 : dur));
  }
  return last - first;
}

/** Faces OpenCV finds in a frame decoded from @file, at @seconds in. */
// The faces OpenCV's frontal-face cascade finds in the frame at @seconds of @file, largest
// first, each as a share of the frame's width (a browser under load may send a smaller
// picture, and the cascade now and then adds a small false face beside the real one).
async function facesIn(file, seconds) {
  const dir = await mkdtemp(join(tmpdir(), 'witness-frame-'));
  try {
    const png = join(dir, 'frame.png');
    await run('ffmpeg', ['-v', 'error', '-ss', String(seconds), '-i', file, '-frames:v', '1', png]);
    const script = [
      'import sys, cv2',
      'img = cv2.imread(sys.argv[1], cv2.IMREAD_GRAYSCALE)',
      "c = cv2.CascadeClassifier('/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml')",
      'faces = c.detectMultiScale(img, 1.1, 5, minSize=(40, 40))',
      "print(' '.join(sorted(('%.3f' % (w / img.shape[1]) for (x, y, w, h) in faces), reverse=True)))",
    ].join('\n');
    const { stdout } = await run('/usr/bin/python3', ['-c', script, png]);
    return stdout.trim().split(/\s+/).filter(Boolean).map(Number);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a recorded room is sealed, verifies, plays, and shows the applicant\'s face', async () => {
  const staff = await joinAs('staff-1', 'staff', true);
  const applicant = await joinAs('applicant-1', 'applicant');
  // Every party sees that it is being recorded.
  for (const page of [staff, applicant]) {
    await page.locator('#recording[data-state="on"]').waitFor({ state: 'visible', timeout: 10000 });
  }
  assert.equal(await staff.locator('#record-toggle').isVisible(), true, 'staff see the stop button');
  assert.equal(await applicant.locator('#record-toggle').isVisible(), false, 'applicants do not');
  await waitFor('staff decoding the applicant\'s video',
    async () => ((await receivedBy(staff))['applicant-1']?.video ?? 0) > 0, 20000);
  await staff.waitForTimeout(STAY_MS);
  await applicant.locator('#leave').click();
  await staff.locator('#leave').click();

  const archive = join(server.dataDir, 'archive');
  const [id] = await waitFor('a recording folder', async () => (existsSync(archive) ? readdir(archive) : null), 5000);
  const dir = join(archive, id);
  const t0 = Date.now();
  await waitFor('the seal', async () => existsSync(join(dir, 'seal.json')), 10000);
  console.log(`# sealed ${Date.now() - t0} ms after the check began (both had left)`);

  const { stdout: verdict } = await run(WITNESSCTL, ['verify', '--data', server.dataDir, dir]);
  console.log(`# witnessctl verify: ${verdict.trim()}`);
  assert.match(verdict, /^OK \d+ segments/);

  // Per participant: its stay (join to leave) and its segments' spans.
  const records = (await readFile(join(dir, 'chain.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  const who = new Map();
  for (const r of records) {
    if (!r.participant) continue;
    const w = who.get(r.participant) ?? { role: null, joined: 0, left: 0, firstMedia: 0, recorded: 0, files: [] };
    if (r.type === 'join') { w.joined = r.time; w.role = r.role; }
    if (r.type === 'leave') w.left = r.time;
    if (r.type === 'sync') console.log(`# ${r.participant} ${r.kind} on its sender's clock: ${r.correction_ms} ms from arrival, clock offset ${r.clock_offset_ms} ms`);
    if (r.type === 'segment') {
      w.recorded += await probeSpan(join(dir, r.file));
      w.files.push(join(dir, r.file));
      if (!w.firstMedia) w.firstMedia = r.start_ms;
      assert.ok(r.audio && r.video, `segment ${r.file} lacks audio or video`);
      console.log(`# ${r.file}: ${r.start_ms}-${r.end_ms}, audio ${r.audio.sync}, video ${r.video.sync}`);
    }
    who.set(r.participant, w);
  }
  assert.equal(who.size, 2, 'two participants in the chain');
  // A party is recorded from its first packet: its stay also holds the time its browser took
  // to connect after joining (over a second on a loaded machine), which has no media.
  for (const [p, w] of who) {
    const stayed = (w.left - w.joined) / 1000;
    const sent = (w.left - w.firstMedia) / 1000;
    console.log(`# ${w.role} ${p}: ${w.files.length} segments, ${w.recorded.toFixed(2)} s recorded, stayed ${stayed.toFixed(2)} s, sent media for ${sent.toFixed(2)} s`);
    assert.ok(w.files.length >= 3, `${w.role}: only ${w.files.length} segments`);
    assert.ok(w.firstMedia >= w.joined && w.firstMedia - w.joined < 5000,
      `${w.role}: first media ${w.firstMedia - w.joined} ms after joining`);
    assert.ok(Math.abs(w.recorded - sent) < 1, `${w.role}: ${w.recorded} s recorded for ${sent} s of media`);
  }
  const applicantFiles = [...who.values()].find((w) => w.role === 'applicant').files;
  const faces = await facesIn(applicantFiles[1], 2);
  console.log(`# faces in the applicant's recording (share of the frame's width): ${faces.join(', ') || 'none'}`);
  // The fixture's face is about 18 % of the frame's width; a false face is much smaller.
  assert.ok(faces.length >= 1 && faces[0] >= 0.12,
    `OpenCV found no face of the fixture's size in the applicant's recording (${faces.join(', ') || 'none'})`);
});
