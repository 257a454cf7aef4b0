// lib/wait.mjs — waiting for a state in an e2e test: poll until a function
// returns something truthy, and on a timeout fail with the end of what
// witnessd said (the likeliest place to learn why). No timing thresholds:
// the timeout only bounds a wait that would otherwise hang.
import assert from 'node:assert/strict';

/**
 * Polls @fn (may be async) every @every ms until it returns a truthy value,
 * and resolves with it; fails "@what within N ms" after @timeout ms, with the
 * last @lines lines of @server's output when a server is given.
 */
export async function waitUntil(what, fn, { timeout, server = null, every = 250, lines = 40 }) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) {
      const said = server ? `\nwitnessd said:\n${server.output().split('\n').slice(-lines).join('\n')}` : '';
      assert.fail(`${what} within ${timeout} ms${said}`);
    }
    await new Promise((r) => setTimeout(r, every));
  }
}
