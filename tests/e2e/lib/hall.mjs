// lib/hall.mjs — what the workflow e2e tests (consult, appoint) share: open
// the hall or console page as someone, wait for the shell to say hello,
// send a module request from a page, and wait until two pages decode each
// other's video.
import assert from 'node:assert/strict';

import { openPage } from './browser.mjs';
import { receivedBy } from './room.mjs';
import { mintLink } from './witnessd.mjs';

export const TIMEOUT_MS = 20000;

/** Opens @page (hall, console) as @role/@sub in @browser; resolves once connected. */
export async function openAs(server, browser, { page, role, sub }) {
  const { page: tab, problems } = await openPage(browser.context);
  await tab.goto(await mintLink(server, { role, sub, page, ttl: 3600 }));
  await tab.locator('#status[data-state="connected"]').waitFor({ timeout: TIMEOUT_MS });
  return { page: tab, problems, sub };
}

/** Sends {type: "request", module, action, ...fields} from @page; resolves {result} or {code, reason}. */
export function request(page, module, action, fields = {}) {
  return page.evaluate(async ([m, a, f]) => {
    try {
      return { result: await window.witness.client.request('request', { ...f, module: m, action: a }) };
    } catch (err) {
      return { code: err.code, reason: err.reason };
    }
  }, [module, action, fields]);
}

/** Waits until @page decodes video from @sub, and more of it a moment later. */
export async function expectVideoFrom(page, sub, server, timeout = TIMEOUT_MS) {
  const deadline = Date.now() + timeout;
  let first = 0;
  let now = {};
  while (Date.now() < deadline) {
    now = await receivedBy(page);
    const frames = now[sub]?.video ?? 0;
    if (!first && frames > 0) first = frames;
    else if (first && frames > first) return;
    await page.waitForTimeout(250);
  }
  assert.fail(`no video from ${sub} kept coming within ${timeout} ms (${JSON.stringify(now)})\n` +
    `witnessd said:\n${server.output().split('\n').slice(-30).join('\n')}`);
}
