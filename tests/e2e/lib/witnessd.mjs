// lib/witnessd.mjs — start and stop a real witnessd for e2e tests, and mint
// links with witnessctl.
//
// The binaries come from $WITNESSD and $WITNESSCTL (meson's test_env sets
// both); for a manual `node --test` run they default to ../../build/server/.
// Each server gets its own temporary data folder and a free port
// (--http-port 0); its URL is read from the "listening on URL" line it prints.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const buildServer = resolve(here, '..', '..', '..', 'build', 'server');

export const WITNESSD = process.env.WITNESSD || join(buildServer, 'witnessd');
export const WITNESSCTL = process.env.WITNESSCTL || join(buildServer, 'witnessctl');

const STARTUP_TIMEOUT_MS = 20000;

/**
 * Starts witnessd, with @config (key-file text) as its --config when given.
 * Liveness checks are off unless @liveness: they are the heaviest load a test
 * server carries (GStreamer and OpenCV under the sanitizers) and only tests
 * about them need them; on a 2-core machine they starved the browsers of
 * the tests beside them.
 * Resolves with a handle:
 *   url      "http://127.0.0.1:PORT"
 *   dataDir  its temporary data folder
 *   output() everything it printed so far (stdout and stderr), for messages
 *   stop()   SIGTERM, then resolves {code, signal, ms} once it has exited
 *   kill()   SIGKILL if it is still running (for cleanup after a failure)
 *   cleanup() removes the data folder (and the config file)
 */
export async function startWitnessd({ args = [], config = null, liveness = false } = {}) {
  const root = await mkdtemp(join(tmpdir(), 'witness-e2e-'));
  const dataDir = join(root, 'data');
  const file = join(root, 'witness.conf');
  await writeFile(file, (config ?? '') + (liveness ? '' : '\n[liveness]\nenabled=false\n'));
  const configArgs = ['--config', file];
  // Liveness checks start GStreamer, and GLib then leaks its first quark block; lsan.supp
  // names it by a frame that only complete stacks show (slow unwinding, slower everywhere).
  const env = { ...process.env };
  if (liveness && env.ASAN_OPTIONS !== undefined) env.ASAN_OPTIONS += ':fast_unwind_on_malloc=0';
  const proc = spawn(WITNESSD, [...configArgs, '--data', dataDir, '--http-port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let out = '';
  let exit = null;
  const exited = new Promise((res) => {
    proc.on('exit', (code, signal) => {
      exit = { code, signal };
      res(exit);
    });
  });
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => { out += chunk; });

  const url = await new Promise((res, rej) => {
    let stdout = '';
    const timer = setTimeout(() => {
      rej(new Error(`witnessd printed no "listening on" line within ${STARTUP_TIMEOUT_MS} ms:\n${out}`));
    }, STARTUP_TIMEOUT_MS);
    proc.on('error', (err) => {
      clearTimeout(timer);
      rej(new Error(`cannot start ${WITNESSD}: ${err.message}`));
    });
    exited.then((e) => {
      clearTimeout(timer);
      rej(new Error(`witnessd exited early (code ${e.code}, signal ${e.signal}):\n${out}`));
    });
    proc.stdout.on('data', (chunk) => {
      stdout += chunk;
      out += chunk;
      const m = /listening on (https?:\/\/\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        res(m[1].replace(/\/+$/, ''));
      }
    });
  });

  return {
    url,
    dataDir,
    proc,
    output: () => out,
    async stop(timeoutMs = 10000) {
      const t0 = Date.now();
      if (!exit) proc.kill('SIGTERM');
      let timer;
      const timeout = new Promise((res) => { timer = setTimeout(res, timeoutMs, null); });
      const result = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (!result) {
        proc.kill('SIGKILL');
        await exited;
        throw new Error(`witnessd did not exit within ${timeoutMs} ms of SIGTERM:\n${out}`);
      }
      return { ...result, ms: Date.now() - t0 };
    },
    kill() {
      if (!exit) proc.kill('SIGKILL');
    },
    async cleanup() {
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * Runs witnessctl link against @server; resolves with the printed URL. With
 * @page ('hall', 'console', …) the link opens that page instead of the room page.
 */
export async function mintLink(server, { role, sub, room, ttl, record, page } = {}) {
  const args = ['link', '--data', server.dataDir, '--base', server.url, '--role', role, '--sub', sub];
  if (room) args.push('--room', room);
  if (record) args.push('--record');
  if (ttl) args.push('--ttl', String(ttl));
  if (page) args.push('--page', page);
  const { stdout } = await promisify(execFile)(WITNESSCTL, args);
  const link = stdout.trim();
  const prefix = page ? `${server.url}/${page}.html#token=` : `${server.url}/#token=`;
  if (!link.startsWith(prefix)) throw new Error(`unexpected link from witnessctl: ${link}`);
  return link;
}

/** The token in a link's fragment. */
export function tokenOf(link) {
  return new URL(link).hash.replace(/^#token=/, '');
}

/** The claims of a JWT, decoded (not verified). */
export function claimsOf(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

/** The same token with its claims replaced and the old signature kept. */
export function withClaims(token, claims) {
  const [header, , signature] = token.split('.');
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${header}.${payload}.${signature}`;
}

/**
 * Makes a self-signed ECDSA P-256 certificate for 127.0.0.1 in a new
 * temporary folder with the openssl tool. Resolves with {dir, cert, key},
 * or null when there is no openssl command.
 */
export async function makeLoopbackCertificate() {
  const dir = await mkdtemp(join(tmpdir(), 'witness-e2e-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  try {
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1',
    ]);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    if (err.code === 'ENOENT') return null;
    throw err;
  }
  return { dir, cert, key };
}
