// consult.test.mjs — the video consultation queue in real browsers.
//
// Starts witnessd with the consult module and two headless Chromiums (fake
// camera and microphone). An applicant opens the hall page from a
// `witnessctl link --page hall` link, asks for a consultation and sees
// position 1 with an estimate; a second applicant sees position 2 and moves
// up live when the first is taken. Staff on the console see the queue, take
// the next applicant: the module makes a room, invites the applicant, and
// both pages enter it and decode each other's video. Staff end the call and
// the applicant's panel says it ended; an applicant hanging up ends it for
// staff. A reload keeps the applicant's place. An applicant's token asking
// for staff actions is refused with `forbidden`; bad requests get
// `bad-message`.
//
//   node --test --test-reporter=tap consult.test.mjs      (from tests/e2e)
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';

import { launchChromium } from './lib/browser.mjs';
import { CHINESE, expectVideoFrom, openAs, request, switchLang, TIMEOUT_MS } from './lib/hall.mjs';
import { startWitnessd } from './lib/witnessd.mjs';

let server;
let applicants;
let staff;

before(async () => {
  server = await startWitnessd({
    config: '[modules]\nload=consult\n[module.consult]\ndefault_handle_seconds=240\n',
  });
  [applicants, staff] = await Promise.all([launchChromium(), launchChromium()]);
});

after(async () => {
  await Promise.all([applicants?.close(), staff?.close()]);
  server?.kill();
  if (process.env.WT_E2E_SERVER_LOG && server) await writeFile(process.env.WT_E2E_SERVER_LOG, server.output());
  await server?.cleanup();
});

const stateOf = (page) => page.locator('[data-testid=consult-state]').getAttribute('data-state');
const positionOf = (page) => page.locator('[data-testid=consult-position]').getAttribute('data-position');

async function waitFor(page, selector, { timeout = TIMEOUT_MS, state = 'visible' } = {}) {
  await page.locator(selector).first().waitFor({ timeout, state });
}

test('an applicant queues, sees position 1; staff take them and both see each other', async () => {
  const a1 = await openAs(server, applicants, { page: 'hall', role: 'applicant', sub: 'applicant-1' });
  const a2 = await openAs(server, applicants, { page: 'hall', role: 'applicant', sub: 'applicant-2' });
  const s1 = await openAs(server, staff, { page: 'console', role: 'staff', sub: 'staff-1' });

  // The hall opens on the consultation tab, in Chinese.
  assert.equal(await a1.page.locator('[data-testid=tab-consult]').getAttribute('aria-selected'), 'true');
  assert.equal(await a1.page.locator('html').getAttribute('lang'), 'zh-CN');
  assert.equal(await stateOf(a1.page), 'none');

  await a1.page.locator('[data-testid=consult-join]').click();
  await waitFor(a1.page, '[data-testid=consult-state][data-state=waiting]');
  await waitFor(a1.page, '[data-testid=consult-position][data-position="1"]');
  // One staff member online, no history: one default handling time (240 s).
  assert.equal(await a1.page.locator('[data-testid=consult-estimate]').getAttribute('data-seconds'), '240');
  assert.match(await a1.page.locator('[data-testid=consult-position]').innerText(), /第 1 位/);

  await a2.page.locator('[data-testid=consult-join]').click();
  await waitFor(a2.page, '[data-testid=consult-position][data-position="2"]');
  assert.equal(await a2.page.locator('[data-testid=consult-estimate]').getAttribute('data-seconds'), '480');

  // Closing the app and coming back (a reload) keeps the place.
  await a2.page.reload();
  await waitFor(a2.page, '#status[data-state="connected"]');
  await waitFor(a2.page, '[data-testid=consult-position][data-position="2"]');

  // Staff see both, in order, live.
  await waitFor(s1.page, '[data-testid=consult-row][data-sub="applicant-2"]');
  const rows = await s1.page.locator('[data-testid=consult-row]').evaluateAll(
    (trs) => trs.map((tr) => `${tr.dataset.sub}:${tr.dataset.state}`));
  assert.deepEqual(rows, ['applicant-1:waiting', 'applicant-2:waiting']);

  // Switched to English, every panel speaks English: the estimate, the queue's
  // summary and waiting times too (they are made from the page's language).
  await switchLang(a1.page, 'en');
  const estimate = await a1.page.locator('[data-testid=consult-estimate]').innerText();
  assert.match(estimate, /^Estimated wait about 4 min$/);
  assert.doesNotMatch(await a1.page.locator('[data-testid=panel-consult]').innerText(), CHINESE);
  await switchLang(s1.page, 'en');
  assert.doesNotMatch(await s1.page.locator('[data-testid=consult-summary]').innerText(), CHINESE);
  const queueText = await s1.page.locator('[data-testid=consult-queue]').innerText();
  assert.doesNotMatch(queueText.replace(/consult|topic|存量房转移登记|抵押登记|补证换证|其他/g, ''), CHINESE, queueText);
  await Promise.all([switchLang(a1.page, 'zh'), switchLang(s1.page, 'zh')]);
  assert.match(await a1.page.locator('[data-testid=consult-estimate]').innerText(), /约 4 分钟/);

  // Take the next: both land in one room.
  await s1.page.locator('[data-testid=consult-take-next]').click();
  await waitFor(s1.page, '#room-view[data-state=joined]');
  await waitFor(a1.page, '#room-view[data-state=joined]');
  const staffRoom = await s1.page.locator('[data-testid=room-name]').innerText();
  assert.match(staffRoom, /^consult-[0-9a-f]+$/);
  assert.equal(await a1.page.locator('[data-testid=room-name]').innerText(), staffRoom);
  await waitFor(a1.page, '.tile.remote[data-sub="staff-1"]');
  await waitFor(s1.page, '.tile.remote[data-sub="applicant-1"]');
  await Promise.all([expectVideoFrom(a1.page, 'staff-1', server), expectVideoFrom(s1.page, 'applicant-1', server)]);
  await waitFor(a1.page, '[data-testid=consult-state][data-state="in-call"]');
  await waitFor(s1.page, '[data-testid=consult-row][data-sub="applicant-1"][data-state="in-call"]');

  // The second applicant moved up, live.
  await waitFor(a2.page, '[data-testid=consult-position][data-position="1"]');

  // Staff end the call: the room closes for both, the applicant's panel says so.
  await s1.page.locator('[data-testid=consult-end]').click();
  await waitFor(a1.page, '[data-testid=consult-state][data-state=done]');
  await waitFor(a1.page, '#room-view[data-state=left]');
  await waitFor(s1.page, '#room-view[data-state=left]');
  assert.equal(await s1.page.locator('[data-testid=consult-row][data-sub="applicant-1"]').count(), 0);

  // Leaving the queue.
  await a2.page.locator('[data-testid=consult-leave]').click();
  await waitFor(a2.page, '[data-testid=consult-state][data-state=left]');
  await waitFor(s1.page, '[data-testid=consult-queue]:not(:has([data-testid=consult-row]))');

  for (const p of [a1, a2, s1]) assert.deepEqual(p.problems, []);
  await Promise.all([a1.page.close(), a2.page.close(), s1.page.close()]);
});

test('an applicant token is refused staff actions; bad requests are refused with a reason', async () => {
  const a = await openAs(server, applicants, { page: 'hall', role: 'applicant', sub: 'applicant-3' });
  const s = await openAs(server, staff, { page: 'console', role: 'staff', sub: 'staff-2' });
  for (const action of ['take', 'list', 'end']) {
    const r = await request(a.page, 'consult', action, { ticket: 1 });
    assert.equal(r.code, 'forbidden', `${action}: ${JSON.stringify(r)}`);
  }
  // Staff cannot queue; an empty topic is refused; an unknown action too.
  assert.equal((await request(s.page, 'consult', 'join', { topic: 'x' })).code, 'forbidden');
  assert.equal((await request(a.page, 'consult', 'join', { topic: '  ' })).code, 'bad-message');
  assert.equal((await request(a.page, 'consult', 'join', {})).code, 'bad-message');
  assert.equal((await request(a.page, 'consult', 'fly')).code, 'bad-message');
  assert.equal((await request(s.page, 'consult', 'take', { ticket: 'one' })).code, 'bad-message');
  assert.equal((await request(s.page, 'consult', 'take')).code, 'not-found');
  assert.equal((await request(s.page, 'consult', 'take', { ticket: 999 })).code, 'not-found');
  assert.equal((await request(a.page, 'consult', 'leave')).code, 'not-found');
  // Joining twice keeps one ticket.
  const first = await request(a.page, 'consult', 'join', { topic: 'mortgage' });
  const again = await request(a.page, 'consult', 'join', { topic: 'mortgage' });
  assert.equal(first.result.ticket, again.result.ticket);
  assert.equal(first.result.position, 1);
  assert.deepEqual(a.problems, []);
  await Promise.all([a.page.close(), s.page.close()]);
});

test('the applicant hanging up (Leave in the room) ends the call for staff too', async () => {
  const a = await openAs(server, applicants, { page: 'hall', role: 'applicant', sub: 'applicant-4' });
  const s = await openAs(server, staff, { page: 'console', role: 'staff', sub: 'staff-3' });
  // applicant-3's ticket from the test before is still waiting: take applicant-4's by number.
  const mine = await request(a.page, 'consult', 'join', { topic: 'certificate' });
  await waitFor(s.page, `[data-testid=consult-row][data-ticket="${mine.result.ticket}"] [data-testid=consult-take]`);
  await s.page.locator(`[data-testid=consult-row][data-ticket="${mine.result.ticket}"] [data-testid=consult-take]`).click();
  await waitFor(a.page, '#room-view[data-state=joined]');
  await waitFor(s.page, '#room-view[data-state=joined]');
  await a.page.locator('[data-testid=leave-room]').click();
  await waitFor(a.page, '[data-testid=consult-state][data-state=left]');
  await waitFor(s.page, '#room-view[data-state=left]');
  assert.deepEqual([...a.problems, ...s.problems], []);
  await Promise.all([a.page.close(), s.page.close()]);
});

test('witnessd stops cleanly with the module loaded: exit 0, no sanitizer report', async () => {
  const { code } = await server.stop();
  const out = server.output();
  assert.doesNotMatch(out, /AddressSanitizer|LeakSanitizer|runtime error/, out.slice(-3000));
  assert.equal(code, 0, out.slice(-3000));
});
