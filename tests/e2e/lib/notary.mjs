// lib/notary.mjs — the reference registration backend (scripts/notary-backend)
// for an e2e test: started on a free port with its own data folder, stopped
// and removed at the end. witnessd's `[notary] url` is `${url}/seals`.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = process.env.WT_SOURCE_ROOT || resolve(here, '..', '..', '..');

/**
 * Starts scripts/notary-backend with @args (e.g. ['--receipt-prefix', 'NTR-']);
 * resolves {url, dir, proc, stop()}.
 */
export async function startNotaryBackend(args = []) {
  const dir = await mkdtemp(join(tmpdir(), 'witness-notary-'));
  const proc = spawn('python3', [join(SOURCE, 'scripts', 'notary-backend'), '--data', dir, '--port', '0', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stderr.resume();
  const url = await new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`notary-backend did not start: ${out}`)), 15000);
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
    proc.on('exit', (code) => rej(new Error(`notary-backend exited (${code}): ${out}`)));
  });
  const stop = async () => {
    proc.kill();
    await rm(dir, { recursive: true, force: true });
  };
  return { url, dir, proc, stop };
}
