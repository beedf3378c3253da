// The server the end-to-end tests talk to. With NETRA_SERVER_DLL set (test.sh does), the tests
// own it: they start Netra.Server from that build with the environment they were given
// (ConnectionStrings__Postgres, ASPNETCORE_URLS, ...) and can restart it mid-test. Without it,
// they use the server already running at NETRA_URL and skip what needs a restart.

import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';

const DLL = process.env.NETRA_SERVER_DLL ? resolve(process.env.NETRA_SERVER_DLL) : null;
export const BASE = (process.env.NETRA_URL ?? 'http://127.0.0.1:5080').replace(/\/+$/, '');
export const canRestart = DLL !== null;
/**
 * The signing key of a server the tests start, so that they can make `service` and `admin` tokens
 * (publishing issue and alert events, reading admin stats). Null for a server they do not own.
 */
export const SIGNING_KEY = DLL ? (process.env.Netra__Auth__SigningKey ?? 'netra-e2e-signing-key-0123456789abcdef') : null;

let child = null;
let output = '';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitReady(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`Netra exited with ${child.exitCode}:\n${output.slice(-4000)}`);
    try {
      const r = await fetch(`${BASE}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await sleep(200);
  }
  throw new Error(`Netra at ${BASE} not ready after ${timeoutMs} ms:\n${output.slice(-4000)}`);
}

export async function startServer(timeoutMs = 60_000) {
  if (!DLL) return waitReady(timeoutMs);
  output = '';
  // Netra.Server/ as the working directory makes it the content root (wwwroot/app is the web build).
  const cwd = resolve(dirname(DLL), '../../..');
  child = spawn('dotnet', [DLL], {
    cwd,
    env: {
      ...process.env,
      ASPNETCORE_URLS: BASE,
      Netra__Demo__Enabled: 'true',
      Netra__Auth__SigningKey: SIGNING_KEY,
      // The tests register a fresh user for most scenarios, all from 127.0.0.1, faster than the
      // default 10 a minute per IP allows.
      Netra__Limits__RegistrationsPerMinutePerIp: '1000',
      // A token is refused as soon as it expires (one test lets a session's token expire under it).
      Netra__Auth__ClockSkewSeconds: process.env.Netra__Auth__ClockSkewSeconds ?? '0',
      // Development loads a static-web-assets manifest pointing into obj/, which a concurrent
      // build may be rewriting; a manifest path that does not exist turns that off, and
      // wwwroot (with app/) is served from disk as in production.
      ASPNETCORE_STATICWEBASSETS: '/nonexistent/netra-e2e.staticwebassets.json',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  await waitReady(timeoutMs);
}

export async function stopServer(timeoutMs = 30_000) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
  child = null;
}
