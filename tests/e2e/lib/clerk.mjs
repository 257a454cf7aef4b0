// lib/clerk.mjs — the registration clerk's steps on clerk.html (the archive
// module's page, panels/archive-clerk.js), shared by the archive and witness
// e2e tests: open the page with a clerk token, search by a party's ID number,
// open a recording and wait until it shows its verification and notarisation
// receipt, and play the parties side by side until their videos advance.
import assert from 'node:assert/strict';

import { openAs, TIMEOUT_MS } from './hall.mjs';
import { waitUntil } from './wait.mjs';

/** @id as a clerk might type it from a form filled in full width: ０-９, and ｘ for X. */
export function fullWidth(id) {
  return [...id].map((c) => {
    if (c >= '0' && c <= '9') return String.fromCharCode(c.charCodeAt(0) + 0xfee0);
    return c === 'X' || c === 'x' ? 'ｘ' : c;
  }).join('');
}

/**
 * Opens clerk.html as @sub (role clerk) in @browser; resolves {page, problems,
 * media}: media gets the HTTP status of every /media/ response.
 */
export async function openClerk(server, browser, sub) {
  const clerk = await openAs(server, browser, { page: 'clerk', role: 'clerk', sub });
  const media = [];
  clerk.page.on('response', (res) => {
    if (new URL(res.url()).pathname.startsWith('/media/')) media.push(res.status());
  });
  return { ...clerk, media };
}

/** Searches by ID number @typed; resolves the result rows' locator once @recording is among them. */
export async function searchById(page, typed, recording) {
  await page.locator('[data-testid="archive-search-by"]').selectOption('id_number');
  await page.locator('[data-testid="archive-id-number"]').fill(typed);
  await page.locator('[data-testid="archive-search"]').click();
  await page.locator(`[data-testid="archive-row"][data-recording="${recording}"]`).waitFor({ timeout: TIMEOUT_MS });
  return page.locator('[data-testid="archive-row"]');
}

/**
 * Opens @recording from the results and waits until it shows as verified
 * with a receipt; the view is opened again (as a clerk would) while the
 * notary's receipt is not in yet. Resolves {verify, receipt}: their texts.
 */
export async function openVerified(page, recording, server) {
  const open = page.locator(`[data-testid="archive-row"][data-recording="${recording}"] [data-testid="archive-open"]`);
  const verify = page.locator(`[data-testid="archive-detail"][data-recording="${recording}"] [data-testid="archive-verify"]`);
  const receipt = page.locator(`[data-testid="archive-detail"][data-recording="${recording}"] [data-testid="archive-receipt"]`);
  await waitUntil('the recording verified, with its receipt', async () => {
    await open.click();
    await verify.waitFor({ timeout: 60000 }); // every byte is checked again
    const state = await verify.getAttribute('data-state');
    assert.equal(state, 'verified', `the recording does not verify: ${await verify.textContent()}`);
    return (await receipt.getAttribute('data-state')) === 'receipt';
  }, { timeout: 30000, server, every: 500 });
  return { verify: await verify.textContent(), receipt: await receipt.textContent() };
}

/**
 * Plays the recording shown and waits until the <video> of each of
 * @participants has advanced (currentTime > 0, and past the first value seen).
 * Resolves {videos, first, times, drift}: how many videos the player shows,
 * each party's first and last currentTime seen (s), and its drift from the
 * shared clock (ms), for the log.
 */
export async function playParties(page, participants, server, timeout = 60000) {
  await page.locator('[data-testid="archive-play"]').click();
  const videos = page.locator(participants.map((p) => `[data-testid="archive-video"][data-participant="${p}"]`).join(', '));
  await waitUntil('every party in the player', async () => (await videos.count()) === participants.length,
    { timeout: TIMEOUT_MS, server });
  // A party who joined later starts at their offset on the shared clock: wait for the last.
  // A segment's timestamps may run on from the recording's start, so a video that only
  // loaded can show currentTime > 0 already: each must also move past what it first showed.
  const first = new Map();
  let times = [];
  await waitUntil('every party playing', async () => {
    times = await videos.evaluateAll((vs) => vs.map((v) => [v.dataset.participant, v.currentTime]));
    for (const [p, t] of times) if (!first.has(p)) first.set(p, t);
    return times.every(([p, t]) => t > 0 && t > first.get(p));
  }, { timeout, server });
  return {
    videos: await page.locator('[data-testid="archive-video"]').count(),
    first: [...first.values()],
    times: times.map(([, t]) => t),
    drift: await videos.evaluateAll((vs) => vs.map((v) => v.dataset.driftMs ?? '-')),
  };
}

/**
 * Waits until @participant's <video> in the player has gone on into its next
 * segment file and plays there (a new source, not paused, time moving): the
 * player starts each segment by itself, with no click. Resolves {from, to}:
 * the two segment URLs' paths.
 */
export async function intoNextSegment(page, participant, server, timeout = 60000) {
  const video = page.locator(`[data-testid="archive-video"][data-participant="${participant}"]`);
  const from = await video.evaluate((v) => v.currentSrc);
  let to = null;
  let at = null;
  await waitUntil(`${participant}'s next segment playing`, async () => {
    const now = await video.evaluate((v) => ({ src: v.currentSrc, t: v.currentTime, paused: v.paused }));
    if (now.src === from || now.paused) return false;
    if (to !== now.src) [to, at] = [now.src, now.t];
    return now.t > at;
  }, { timeout, server });
  const path = (u) => new URL(u).pathname.split('/').slice(-2).join('/');
  return { from: path(from), to: path(to) };
}
