// appoint.test.mjs — appointments with online check-in, in real browsers.
//
// Starts witnessd with the appoint module and an adjustable workflow clock
// ([modules] adjustable_clock; token expiry keeps real time). An applicant
// books the first free slot on the hall page; an admin moves the workflow
// clock to 16 minutes before it: check-in is refused (`too-early`, the
// reason says when it opens); at 15 minutes before exactly it is accepted,
// and the staff console shows the check-in live. Staff connect: the module
// makes a room and invites the applicant, whose page enters it; both decode
// each other's video, and the applicant's appointment shows in-progress, then
// done when staff finish. Capacity holds under concurrent bookings, and an
// applicant token asking for staff actions is refused with `forbidden`.
//
//   node --test --test-reporter=tap appoint.test.mjs      (from tests/e2e)
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';

import { launchChromium } from './lib/browser.mjs';
import { assertFits, expectVideoFrom, openAs, request, TIMEOUT_MS } from './lib/hall.mjs';
import { startWitnessd } from './lib/witnessd.mjs';

const MIN = 60000;
let server;
let applicants;
let staff;
let admin; // an admin's console page: sets the workflow clock

before(async () => {
  server = await startWitnessd({
    config: '[modules]\nload=appoint\nadjustable_clock=true\n' +
      '[module.appoint]\ncapacity=2\ncapacity_lost-certificate=1\n',
  });
  [applicants, staff] = await Promise.all([launchChromium(), launchChromium()]);
  admin = await openAs(server, staff, { page: 'console', role: 'admin', sub: 'admin-1' });
});

after(async () => {
  await Promise.all([applicants?.close(), staff?.close()]);
  server?.kill();
  if (process.env.WT_E2E_SERVER_LOG && server) await writeFile(process.env.WT_E2E_SERVER_LOG, server.output());
  await server?.cleanup();
});

async function setClock(nowMs) {
  const r = await request(admin.page, 'clock', 'set', { now_ms: nowMs });
  assert.ok(r.result, `clock set: ${JSON.stringify(r)}`);
}

async function waitFor(page, selector, { timeout = TIMEOUT_MS, state = 'visible' } = {}) {
  await page.locator(selector).first().waitFor({ timeout, state });
}

test('booked, check-in refused at T-16 min and accepted at T-15, staff connect, both see each other', async () => {
  const a = await openAs(server, applicants, { page: 'hall', role: 'applicant', sub: 'applicant-1' });
  const s = await openAs(server, staff, { page: 'console', role: 'staff', sub: 'staff-1' });
  await a.page.locator('[data-testid=tab-appoint]').click();
  await s.page.locator('[data-testid=tab-appoint]').click();

  // Book the first free slot of "transfer" from the page.
  await a.page.locator('[data-testid=appoint-type]').selectOption('transfer');
  await waitFor(a.page, '[data-testid=appoint-slot] option[value]:not([value=""])', { state: 'attached' });
  const start = Number(await a.page.locator('[data-testid=appoint-slot]').inputValue());
  assert.ok(start > Date.now(), 'the first slot is in the future');
  // Every free slot the server offers is in the list (over 100 of them), grouped by day.
  const offered = (await request(a.page, 'appoint', 'slots', { business: 'transfer' })).result.slots.filter((x) => x.free > 0);
  assert.ok(offered.length > 100, `${offered.length} slots offered`);
  const listed = await a.page.locator('[data-testid=appoint-slot] option').evaluateAll((os) => os.map((o) => Number(o.value)));
  assert.deepEqual(listed, offered.map((x) => x.start_ms));
  const days = new Set(offered.map((x) => x.label.slice(0, 10)));
  assert.equal(await a.page.locator('[data-testid=appoint-slot] optgroup').count(), days.size);
  // The closed list shows one option only: it carries its day, not just the time.
  const [y, mo, d] = offered[0].label.slice(0, 10).split('-').map(Number);
  const weekday = '日一二三四五六'[new Date(Date.UTC(y, mo - 1, d)).getUTCDay()];
  assert.equal(await a.page.locator('[data-testid=appoint-slot] option').first().textContent(),
    `${mo}月${d}日 周${weekday} ${offered[0].label.slice(11, 16)} · 余 ${offered[0].free}`);
  await assertFits(a.page, 'the hall\'s appointments');
  await a.page.locator('[data-testid=appoint-book]').click();
  await waitFor(a.page, '[data-testid=appoint-row][data-state=booked]');
  const number = await a.page.locator('[data-testid=appoint-row]').getAttribute('data-appointment');
  // Staff see the booking live.
  await waitFor(s.page, `[data-testid=appoint-row][data-appointment="${number}"][data-state=booked]`);
  // Times are the centre's, and the tables say which zone that is.
  assert.match(await a.page.locator('[data-testid=appoint-mine] th').nth(2).innerText(), /\(UTC\+8\)/);
  assert.match(await s.page.locator('[data-testid=appoint-list] th').nth(3).innerText(), /\(UTC\+8\)/);

  // T-16 min: too early, and the reason says when check-in opens.
  await setClock(start - 16 * MIN);
  await a.page.locator('[data-testid=appoint-checkin]').click();
  await waitFor(a.page, '[data-testid=appoint-message][data-code=too-early]');
  // The date and time in China time: "2026-12-07 08:45".
  const opens = new Date(start - 15 * MIN + 8 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' ');
  const refusal = await a.page.locator('[data-testid=appoint-message]').innerText();
  assert.match(refusal, new RegExp(`check-in opens at ${opens}`));
  // A Chinese sentence, and the server's (English) reason as a detail after it.
  assert.match(refusal, /^还未到签到时间（服务器说明：.*check-in opens at/);
  assert.match(await a.page.locator('[data-testid=appoint-message] [data-testid=error-detail]').innerText(), /check-in opens at/);
  assert.equal(await a.page.locator('[data-testid=appoint-row]').getAttribute('data-state'), 'booked');

  // T-15 min exactly, typed on the admin's clock in the centre's time (UTC+8,
  // named): accepted, and staff see the check-in live.
  await admin.page.locator('[data-testid=tab-clock]').click();
  const centre = new Date(start - 15 * MIN + 8 * 3600 * 1000).toISOString(); // China time
  await admin.page.locator('[data-testid=clock-day]').fill(centre.slice(0, 10));
  await admin.page.locator('[data-testid=clock-time]').fill(centre.slice(11, 16));
  await admin.page.locator('[data-testid=clock-set]').click();
  await admin.page.waitForFunction((want) => {
    const ms = Number(document.querySelector('[data-testid=clock-now]').dataset.nowMs);
    return ms >= want && ms < want + 5000;
  }, start - 15 * MIN, { timeout: TIMEOUT_MS });
  const clockText = await admin.page.locator('[data-testid=clock-now]').innerText();
  assert.match(clockText, new RegExp(`${centre.slice(11, 16)}:\\d\\d（UTC\\+8）`), clockText);
  await assertFits(admin.page, 'the workflow clock');
  await a.page.locator('[data-testid=appoint-checkin]').click();
  await waitFor(a.page, '[data-testid=appoint-row][data-state=checked-in]');
  await waitFor(s.page, `[data-testid=appoint-row][data-appointment="${number}"][data-state=checked-in]`);

  // Staff connect: both land in one room and see each other.
  await s.page.locator(`[data-testid=appoint-row][data-appointment="${number}"] [data-testid=appoint-connect]`).click();
  await waitFor(s.page, '#room-view[data-state=joined]');
  await waitFor(a.page, '#room-view[data-state=joined]');
  const room = await s.page.locator('[data-testid=room-name]').innerText();
  assert.match(room, /^appoint-[0-9a-f]+$/);
  assert.equal(await a.page.locator('[data-testid=room-name]').innerText(), room);
  await waitFor(a.page, '[data-testid=appoint-row][data-state=in-progress]');
  await Promise.all([expectVideoFrom(a.page, 'staff-1', server), expectVideoFrom(s.page, 'applicant-1', server)]);

  // Finished: done for the applicant, gone from the console's list, room closed.
  await s.page.locator(`[data-testid=appoint-row][data-appointment="${number}"] [data-testid=appoint-finish]`).click();
  await waitFor(a.page, '[data-testid=appoint-row][data-state=done]');
  await waitFor(a.page, '#room-view[data-state=left]');
  assert.equal(await s.page.locator(`[data-testid=appoint-row][data-appointment="${number}"]`).count(), 0);

  for (const p of [a, s]) assert.deepEqual(p.problems, []);
  await Promise.all([a.page.close(), s.page.close()]);
});

test('capacity holds when applicants book one slot at once; staff actions are forbidden to applicants', async () => {
  await setClock(Date.now());
  const pages = await Promise.all([1, 2, 3, 4].map((n) =>
    openAs(server, applicants, { page: 'hall', role: 'applicant', sub: `booker-${n}` })));
  const slots = await request(pages[0].page, 'appoint', 'slots', { business: 'lost-certificate' });
  const start = slots.result.slots[0].start_ms;
  assert.equal(slots.result.slots[0].capacity, 1);
  // Four at once for a slot of one place: exactly one gets it.
  const results = await Promise.all(pages.map((p) => request(p.page, 'appoint', 'book', { business: 'lost-certificate', start_ms: start })));
  assert.equal(results.filter((r) => r.result).length, 1, JSON.stringify(results));
  assert.deepEqual(results.filter((r) => !r.result).map((r) => r.code), ['full', 'full', 'full']);
  const after = await request(pages[0].page, 'appoint', 'slots', { business: 'lost-certificate' });
  assert.equal(after.result.slots[0].free, 0);

  // Applicants may not do staff things, nor see others' appointments.
  const mine = results.find((r) => r.result).result.appointment;
  const other = pages[results.findIndex((r) => !r.result)].page;
  for (const action of ['connect', 'finish']) {
    assert.equal((await request(other, 'appoint', action, { appointment: mine })).code, 'forbidden');
  }
  assert.equal((await request(other, 'appoint', 'cancel', { appointment: mine })).code, 'not-found');
  assert.equal((await request(other, 'appoint', 'checkin', { appointment: mine })).code, 'not-found');
  // Bad requests: a reason, nothing booked.
  assert.equal((await request(other, 'appoint', 'book', { business: 'castle', start_ms: start })).code, 'bad-message');
  assert.equal((await request(other, 'appoint', 'book', { business: 'transfer', start_ms: start + 7 })).code, 'not-found');
  assert.equal((await request(other, 'appoint', 'book', { business: 'transfer' })).code, 'bad-message');
  // Staff cannot book; a clock set by a non-admin is refused.
  const s = await openAs(server, staff, { page: 'console', role: 'staff', sub: 'staff-2' });
  assert.equal((await request(s.page, 'appoint', 'book', { business: 'transfer', start_ms: start })).code, 'forbidden');
  assert.equal((await request(s.page, 'clock', 'set', { now_ms: 0 })).code, 'forbidden');
  for (const p of pages) assert.deepEqual(p.problems, []);
  await Promise.all([...pages.map((p) => p.page.close()), s.page.close()]);
});

test('witnessd stops cleanly with the module loaded: exit 0, no sanitizer report', async () => {
  const { code } = await server.stop();
  const out = server.output();
  assert.doesNotMatch(out, /AddressSanitizer|LeakSanitizer|runtime error/, out.slice(-3000));
  assert.equal(code, 0, out.slice(-3000));
});
