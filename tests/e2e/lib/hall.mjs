// lib/hall.mjs — what the workflow e2e tests (consult, appoint) share: open
// the hall or console page as someone, wait for the shell to say hello,
// send a module request from a page, wait until two pages decode each
// other's video, switch the page's language, and check that a page fits a
// 1280 px window.
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

/** Text with Chinese characters in it (Han ideographs, CJK punctuation, full-width forms). */
export const CHINESE = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;

/** Clicks the language switch of @page until the page is in @lang ('zh' or 'en'). */
export async function switchLang(page, lang) {
  const want = lang === 'zh' ? 'zh-CN' : 'en';
  if ((await page.locator('html').getAttribute('lang')) !== want) await page.locator('#lang').click();
  await page.locator(`html[lang="${want}"]`).waitFor({ state: 'attached', timeout: TIMEOUT_MS });
}

/** Asserts that @page, in a 1280 px wide window, needs no sideways scrolling. */
export async function assertFits(page, what) {
  await page.setViewportSize({ width: 1280, height: 800 });
  const w = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(w.scroll <= w.client, `${what}: the page is ${w.scroll} px wide in a ${w.client} px window`);
}
