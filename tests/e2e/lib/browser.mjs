// lib/browser.mjs — Debian's Chromium through playwright-core, never a
// browser build that Playwright downloads. A fresh profile folder per launch,
// removed on close. Fake camera and microphone are on for the room tests:
// Chromium's own test pattern and beeps, or files (fakeMediaArgs()).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

async function loadPlaywright() {
  try {
    return await import('playwright-core');
  } catch (err) {
    throw new Error(
      `playwright-core is not installed (${err.message}); run \`npm ci\` in tests/e2e (scripts/setup does)`,
    );
  }
}

/** Flags that make Chromium's camera and microphone play @video (MJPEG) and @audio (WAV). */
export function fakeMediaArgs({ video, audio }) {
  return [`--use-file-for-fake-video-capture=${video}`, `--use-file-for-fake-audio-capture=${audio}`];
}

/**
 * Launches Chromium with a fresh profile. Resolves with {context, close()}:
 * every page of @context is a separate tab with its own sessionStorage.
 * @ignoreHTTPSErrors accepts self-signed certificates (for the TLS test);
 * @args are added to CHROMIUM_ARGS.
 */
export async function launchChromium({ ignoreHTTPSErrors = false, args = [] } = {}) {
  const { chromium } = await loadPlaywright();
  const userDataDir = await mkdtemp(join(tmpdir(), 'witness-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, ...args],
      viewport: { width: 900, height: 720 },
      ignoreHTTPSErrors,
      timeout: 30000,
    });
  } catch (err) {
    await rm(userDataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    context,
    async close() {
      try {
        await context.close();
      } finally {
        await rm(userDataDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Launches Chromium as a process group of its own, for a test that freezes
 * it. Resolves with {context, freeze(), thaw(), close()}: freeze() stops
 * every process of that browser (SIGSTOP to the group, as if the machine
 * hung: no media, no consent checks, no WebSocket traffic), thaw() lets it
 * go on.
 */
export async function launchFreezableChromium() {
  const { chromium } = await loadPlaywright();
  const server = await chromium.launchServer({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const group = -server.process().pid; // Playwright starts the browser as a group leader
  let frozen = false;
  const browser = await chromium.connect(server.wsEndpoint());
  const context = await browser.newContext({ viewport: { width: 900, height: 720 } });
  return {
    context,
    freeze() {
      process.kill(group, 'SIGSTOP');
      frozen = true;
    },
    thaw() {
      if (frozen) process.kill(group, 'SIGCONT');
      frozen = false;
    },
    async close() {
      this.thaw();
      await browser.close().catch(() => {});
      await server.close();
    },
  };
}

/**
 * Opens a new tab that records what goes wrong in it: uncaught exceptions,
 * console errors and failed requests, as strings in `problems`.
 */
export async function openPage(context) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => {
    const why = req.failure()?.errorText ?? '';
    // ERR_ABORTED is the browser cancelling a request itself (the tab navigated or closed
    // while, say, the favicon was still loading on a busy machine): nothing the server did.
    if (why === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${req.url()} ${why}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.url()}`);
  });
  return { page, problems };
}
