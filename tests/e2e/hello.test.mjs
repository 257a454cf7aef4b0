// hello.test.mjs — the web client says hello in a real browser.
//
// Starts its own witnessd (temporary data folder, free port), mints links
// with witnessctl, and opens them in headless Chromium: the page must show
// who is connected and as what, hide the token, and show why a bad token is
// refused; two tabs hold two identities; the page runs under a strict CSP and
// over https (wss); witness.js settles every request once. Finally witnessd
// must exit 0 on SIGTERM, and the page must show the close.
//
//   node --test --test-reporter=tap hello.test.mjs        (from tests/e2e)
//   WT_E2E_SCREENSHOTS=/tmp/shots node --test ...          also saves screenshots
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launchChromium, openPage } from './lib/browser.mjs';
import { startHeaderProxy } from './lib/header-proxy.mjs';
import {
  claimsOf, makeLoopbackCertificate, mintLink, startWitnessd, tokenOf, withClaims,
} from './lib/witnessd.mjs';

const STATE_TIMEOUT_MS = 15000;

let server;
let browser;

before(async () => {
  server = await startWitnessd();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill(); // only if the last test did not stop it
  await server?.cleanup();
});

/** Waits until #status has data-state @state; fails with what it shows
 * instead, and the end of what witnessd printed. */
async function waitForState(page, state, srv = server) {
  try {
    await page.locator(`#status[data-state="${state}"]`).waitFor({ timeout: STATE_TIMEOUT_MS });
  } catch {
    const shown = await page
      .locator('#status')
      .evaluate((el) => `${el.dataset.state} (${el.dataset.code ?? '-'}): ${el.innerText}`)
      .catch((err) => `nothing readable (${err.message})`);
    const log = srv.output().split('\n').slice(-20).join('\n');
    assert.fail(`page did not reach state "${state}" within ${STATE_TIMEOUT_MS} ms; it shows ${shown}\n` +
      `witnessd said:\n${log}`);
  }
}

/** What the identity card shows. */
async function identityOf(page) {
  return page.evaluate(() => {
    const text = (id) => document.getElementById(id).textContent.trim();
    return {
      visible: !document.getElementById('identity').hidden,
      sub: text('sub'),
      role: document.getElementById('role').dataset.value,
      roleText: text('role'),
      room: text('room'),
      participant: text('participant'),
      session: text('session'),
      expires: Number(document.getElementById('expires').dataset.value),
      expiresText: text('expires'),
    };
  });
}

async function screenshot(page, name) {
  const dir = process.env.WT_E2E_SCREENSHOTS;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

test('a staff link connects and shows who is connected, as what', async (t) => {
  const link = await mintLink(server, { role: 'staff', sub: 'alice', room: 'demo' });
  const token = tokenOf(link);
  const claims = claimsOf(token);
  const { page, problems } = await openPage(browser.context);
  t.after(() => page.close());

  await page.goto(link);
  await waitForState(page, 'connected');
  const me = await identityOf(page);
  assert.equal(me.visible, true);
  assert.equal(me.sub, 'alice');
  assert.equal(me.role, 'staff');
  assert.match(me.roleText, /staff/);
  assert.match(me.roleText, /工作人员/);
  assert.equal(me.room, 'demo');
  assert.match(me.participant, /^p-[0-9a-f]{12}$/);
  assert.match(me.session, /^s\d+$/);
  assert.equal(me.expires, claims.exp);
  assert.match(me.expiresText, /\d{4}-\d\d-\d\d \d\d:\d\d/);
  assert.match(await page.locator('#state-label').innerText(), /已连接\s+Connected/);
  assert.match(await page.locator('#server').innerText(), /^witness \d+\.\d+\.\d+/);
  // The ping round trip shows once the first ping has answered.
  await page.waitForFunction(() => /\d+ ms/.test(document.getElementById('rtt').textContent));
  await screenshot(page, 'connected-staff');

  // The token is out of the address bar and the page, but kept for this tab.
  assert.equal(await page.evaluate(() => location.hash), '');
  assert.equal(page.url(), `${server.url}/`);
  assert.ok(!(await page.content()).includes(token), 'the token must not be in the page');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('witness.token')), token);

  // A reload says hello again with the kept token: same participant, new session.
  await page.reload();
  await waitForState(page, 'connected');
  const again = await identityOf(page);
  assert.equal(again.sub, 'alice');
  assert.equal(again.participant, me.participant);
  assert.notEqual(again.session, me.session);

  // A new link opened in the same tab changes only the fragment: the page
  // takes the new token, hides it again and reconnects as the new holder.
  const other = tokenOf(await mintLink(server, { role: 'applicant', sub: 'zhang-san', room: 'demo' }));
  await page.evaluate((tok) => { location.hash = `token=${tok}`; }, other);
  await page.waitForFunction(() => document.getElementById('sub').textContent === 'zhang-san');
  await waitForState(page, 'connected');
  assert.equal((await identityOf(page)).role, 'applicant');
  assert.equal(await page.evaluate(() => location.hash), '');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('witness.token')), other);

  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  assert.equal((await health.text()).trim(), 'ok');
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /^witness_ws_connections [1-9]\d*$/m);

  assert.deepEqual(problems, [], 'the page must load and run without errors');
});

test('an expired or tampered token is refused and the page says why', async (t) => {
  // Tampered: an applicant's token whose role was changed to staff, old signature kept.
  const applicant = tokenOf(await mintLink(server, { role: 'applicant', sub: 'mallory', room: 'r1' }));
  const forged = withClaims(applicant, { ...claimsOf(applicant), role: 'staff' });
  {
    const { page, problems } = await openPage(browser.context);
    t.after(() => page.close());
    await page.goto(`${server.url}/#token=${forged}`);
    await waitForState(page, 'refused');
    assert.equal(await page.locator('#status').getAttribute('data-code'), 'bad-token');
    assert.match(await page.locator('#state-label').innerText(), /令牌无效\s+Invalid token/);
    assert.match(await page.locator('#state-detail').innerText(), /signature/);
    assert.equal(await page.locator('#identity').isHidden(), true);
    assert.equal(await page.evaluate(() => location.hash), '');
    await screenshot(page, 'refused-tampered');
    assert.deepEqual(problems, []);
  }

  // Expired: a one-second token, opened once its `exp` has passed.
  const link = await mintLink(server, { role: 'staff', sub: 'bob', ttl: 1 });
  const { exp } = claimsOf(tokenOf(link));
  await new Promise((res) => setTimeout(res, Math.max(0, exp * 1000 - Date.now()) + 200));
  {
    const { page, problems } = await openPage(browser.context);
    t.after(() => page.close());
    await page.goto(link);
    await waitForState(page, 'refused');
    assert.equal(await page.locator('#status').getAttribute('data-code'), 'token-expired');
    assert.match(await page.locator('#state-label').innerText(), /令牌已过期\s+Token expired/);
    assert.match(await page.locator('#state-detail').innerText(), /expired/);
    assert.equal(await page.locator('#identity').isHidden(), true);
    await screenshot(page, 'refused-expired');
    // The refusal stays on screen: the page closed the socket itself, so the
    // server's hello timeout does not replace it with a "closed" state.
    await page.waitForTimeout(500);
    assert.equal(await page.locator('#status').getAttribute('data-state'), 'refused');
    assert.deepEqual(problems, []);
  }
});

test('staff and applicant connected at once each see their own identity', async (t) => {
  const staffLink = await mintLink(server, { role: 'staff', sub: 'staff-li', room: 'case-42' });
  const applicantLink = await mintLink(server, { role: 'applicant', sub: 'wang-xiaoming', room: 'case-42' });
  const staff = await openPage(browser.context);
  const applicant = await openPage(browser.context);
  t.after(() => Promise.all([staff.page.close(), applicant.page.close()]));

  await Promise.all([staff.page.goto(staffLink), applicant.page.goto(applicantLink)]);
  await Promise.all([waitForState(staff.page, 'connected'), waitForState(applicant.page, 'connected')]);
  const s = await identityOf(staff.page);
  const a = await identityOf(applicant.page);

  assert.equal(s.sub, 'staff-li');
  assert.equal(s.role, 'staff');
  assert.equal(s.room, 'case-42');
  assert.equal(a.sub, 'wang-xiaoming');
  assert.equal(a.role, 'applicant');
  assert.match(a.roleText, /申请人\s+applicant/);
  assert.equal(a.room, 'case-42');
  assert.notEqual(s.participant, a.participant);
  assert.notEqual(s.session, a.session);
  await screenshot(applicant.page, 'connected-applicant');

  // Each tab keeps its own token: sessionStorage is per tab.
  const [ts, ta] = await Promise.all(
    [staff.page, applicant.page].map((p) => p.evaluate(() => sessionStorage.getItem('witness.token'))),
  );
  assert.equal(ts, tokenOf(staffLink));
  assert.equal(ta, tokenOf(applicantLink));
  // Both are still connected after the other one joined.
  assert.equal(await staff.page.locator('#status').getAttribute('data-state'), 'connected');
  assert.deepEqual([...staff.problems, ...applicant.problems], []);
});

test('the page works under a strict Content-Security-Policy', async (t) => {
  // The policy witnessd is meant to send one day: nothing inline, nothing
  // from elsewhere. A proxy in front of witnessd adds it, so the page is held
  // to it already.
  const policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  const { page, problems } = await openPage(browser.context);
  const proxy = await startHeaderProxy(server.url, { 'content-security-policy': policy });
  t.after(async () => {
    await page.close();
    await proxy.close();
  });
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const link = await mintLink(server, { role: 'admin', sub: 'root-admin' });
  const response = await page.goto(link.replace(server.url, proxy.url));
  assert.equal(response.headers()['content-security-policy'], policy);
  await waitForState(page, 'connected');
  assert.equal((await identityOf(page)).role, 'admin');
  await page.waitForFunction(() => /\d+ ms/.test(document.getElementById('rtt').textContent));
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
  assert.deepEqual(problems, []);
});

test('witness.js: errors carry code and reason, and every request settles once', async (t) => {
  const token = tokenOf(await mintLink(server, { role: 'staff', sub: 'lib-check' }));
  const { page, problems } = await openPage(browser.context);
  t.after(() => page.close());
  await page.goto(`${server.url}/`); // no token: the page stays idle and leaves the socket to us
  await waitForState(page, 'no-token');
  const outcome = await page.evaluate(async (tok) => {
    const { WitnessClient, wsUrlFor } = await import('/witness.js');
    const settle = (p) => p.then((r) => ({ ok: r }), (e) => ({ code: e.code, reason: e.reason, isError: e instanceof Error }));
    const c = new WitnessClient();
    const states = [];
    c.on('state', (s) => states.push(s.state));
    const out = {};
    out.beforeConnect = await settle(c.request('ping'));
    await c.connect(wsUrlFor(location));
    out.busy = await settle(c.connect(wsUrlFor(location)));
    out.beforeHello = await settle(c.request('ping'));
    out.hello = await settle(c.hello(tok));
    out.again = await settle(c.hello(tok));
    out.unknown = await settle(c.request('no-such-request'));
    out.ping = await settle(c.request('ping'));
    // Requests in flight when the client closes: each rejects once, with 'closed'.
    let settledTimes = 0;
    const inFlight = [c.request('ping'), c.request('ping')].map((p) =>
      settle(p.finally(() => settledTimes++)));
    c.close();
    out.inFlight = await Promise.all(inFlight);
    await new Promise((res) => setTimeout(res, 300)); // let late replies arrive
    out.settledTimes = settledTimes;
    out.afterClose = await settle(c.request('ping'));
    out.states = states;
    out.closeInfo = c.closeInfo;
    return out;
  }, token);

  assert.equal(outcome.beforeConnect.code, 'not-connected');
  assert.equal(outcome.busy.code, 'busy');
  assert.deepEqual(outcome.beforeHello, {
    code: 'not-authenticated', reason: 'say hello with a token before anything else', isError: true,
  });
  assert.equal(outcome.hello.ok.sub, 'lib-check');
  assert.equal(outcome.again.code, 'already-authenticated');
  assert.equal(outcome.unknown.code, 'unknown-type');
  assert.match(outcome.unknown.reason, /no-such-request/);
  assert.equal(typeof outcome.ping.ok.time, 'number');
  assert.deepEqual(outcome.inFlight.map((r) => r.code), ['closed', 'closed']);
  assert.equal(outcome.settledTimes, 2);
  assert.equal(outcome.afterClose.code, 'not-connected');
  assert.deepEqual(outcome.states, ['connecting', 'open', 'closing', 'closed']);
  assert.equal(outcome.closeInfo.code, 1000);
  assert.deepEqual(problems, []);
});

test('over https the page connects with wss', async (t) => {
  const tls = await makeLoopbackCertificate();
  if (!tls) {
    t.skip('no openssl command to make a certificate');
    return;
  }
  t.after(() => rm(tls.dir, { recursive: true, force: true }));
  const secure = await startWitnessd({ config: `[http]\ntls_cert=${tls.cert}\ntls_key=${tls.key}\n` });
  t.after(async () => {
    secure.kill();
    await secure.cleanup();
  });
  assert.match(secure.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const tlsBrowser = await launchChromium({ ignoreHTTPSErrors: true });
  t.after(() => tlsBrowser.close());
  const { page, problems } = await openPage(tlsBrowser.context);
  const sockets = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));

  await page.goto(await mintLink(secure, { role: 'staff', sub: 'alice-tls', room: 'demo' }));
  await waitForState(page, 'connected', secure);
  assert.equal((await identityOf(page)).sub, 'alice-tls');
  assert.deepEqual(sockets, [`${secure.url.replace(/^https:/, 'wss:')}/ws`]);
  assert.equal(await page.evaluate(() => window.isSecureContext), true);
  assert.deepEqual(problems, []);
  await page.close();
  const { code } = await secure.stop();
  assert.equal(code, 0, secure.output());
});

test('the page shows the close when witnessd stops, and witnessd exits 0 on SIGTERM', async () => {
  const link = await mintLink(server, { role: 'clerk', sub: 'carol' });
  const { page } = await openPage(browser.context);
  await page.goto(link);
  await waitForState(page, 'connected');
  assert.equal((await identityOf(page)).room, '无 none');

  const { code, signal, ms } = await server.stop();
  assert.equal(signal, null, `witnessd was killed by ${signal}:\n${server.output()}`);
  assert.equal(code, 0, `witnessd exited with ${code}:\n${server.output()}`);
  assert.ok(ms < 2000, `witnessd took ${ms} ms to exit after SIGTERM (limit 2000)`);
  // Every JWT starts with "eyJ" (base64 of '{"'): none may reach the log.
  assert.ok(!server.output().includes('eyJ'), `a token reached witnessd's log:\n${server.output()}`);

  await waitForState(page, 'closed');
  assert.equal(await page.locator('#status').getAttribute('data-code'), '1001');
  assert.match(await page.locator('#state-detail').innerText(), /1001/);
  await screenshot(page, 'closed');
  // Reconnecting to a server that is gone ends as "connection lost".
  await page.locator('#reconnect').click();
  await page.locator('#status[data-code="1006"]').waitFor({ timeout: STATE_TIMEOUT_MS });
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'closed');
  await page.close();
});
