// Loss recovery in real browsers: witnessd drops 10% of the packets it sends
// to subscribers (the [testing] switch); the browsers NACK, witnessd resends
// from its packet cache, and video keeps decoding. Runs in a loopback-only
// network namespace (scripts/test).
import assert from 'node:assert/strict';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { fakeMediaArgs, launchChromium, openPage } from './lib/browser.mjs';
import { receivedBy, roomMetrics } from './lib/room.mjs';
import { mintLink, startWitnessd } from './lib/witnessd.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = process.env.WT_FIXTURES || resolve(here, '..', '..', '..', 'shared', 'fixtures');
const ROOM = 'lossy';

let server;
let browser;

before(async () => {
  server = await startWitnessd({ config: '[testing]\ndrop_to_subscribers_percent=10\n' });
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

async function joinAs(sub, role) {
  const { page } = await openPage(browser.context);
  await page.goto(await mintLink(server, { role, sub, room: ROOM }));
  await page.locator('#room-view[data-state="joined"]').waitFor({ timeout: 20000 });
  return page;
}

/** framesDecoded from @sub as @page sees it, after @ms more milliseconds. */
async function framesAfter(page, sub, ms) {
  await page.waitForTimeout(ms);
  return (await receivedBy(page))[sub]?.video ?? 0;
}

test('with 10% loss toward subscribers, NACKs are answered and video keeps decoding', async () => {
  const applicant = await joinAs('applicant-1', 'applicant');
  const staff = await joinAs('staff-1', 'staff');
  // Video starts (a keyframe got through, possibly after retransmissions)...
  const deadline = Date.now() + 20000;
  while ((await framesAfter(staff, 'applicant-1', 250)) === 0 && Date.now() < deadline);
  const start = await framesAfter(staff, 'applicant-1', 0);
  assert.ok(start > 0, 'staff never decoded the applicant\'s video');
  // ...and keeps going: at 30 fps, 5 s should add well over 50 frames even
  // with losses, since they are repaired.
  const later = await framesAfter(staff, 'applicant-1', 5000);
  assert.ok(later - start > 50, `only ${later - start} frames decoded in 5 s under loss`);
  assert.ok((await framesAfter(applicant, 'staff-1', 0)) > 0, 'the applicant decoded no video');

  const m = await roomMetrics(server.url, ROOM);
  assert.ok(m.drops > 0, `the switch dropped nothing: ${JSON.stringify(m)}`);
  assert.ok(m.nacks > 0, `no NACKs arrived: ${JSON.stringify(m)}`);
  assert.ok(m.retransmissions > 0, `no NACK was answered: ${JSON.stringify(m)}`);
  console.log(`# under 10% loss: ${m.nacks} NACKs asking for ${m.nack_seqs} packets, ` +
    `${m.retransmissions} resent, ${later - start} frames decoded in 5 s, ` +
    `reported loss ${m.loss_ratio}`);
});
