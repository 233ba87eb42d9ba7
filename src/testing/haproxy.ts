// Test and benchmark support: Debian's haproxy in front of replicas, as a fleet's load balancer.
// Round robin; each server is health-checked on GET /readyz every 500 ms (a dead or unready
// replica leaves the rotation within about a second); a request whose server connection fails or
// closes without an answer is retried on another server, except a job creation (see the config's
// comments; docs/operations.md recommends the same). Installed with apt-get when missing (as root,
// what .ci/run does).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const HAPROXY = '/usr/sbin/haproxy';

/** Installs Debian's haproxy if it is missing; throws saying how when it cannot. */
export function ensureHaproxy(): void {
  if (spawnSync(HAPROXY, ['-v']).status === 0) return;
  if (process.getuid?.() !== 0) throw new Error('haproxy is missing: install it with `apt-get install -y haproxy` (what .ci/run does)');
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'haproxy'], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0 || spawnSync(HAPROXY, ['-v']).status !== 0) throw new Error(`apt-get install haproxy failed: ${r.stderr}`);
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Balancer {
  /** `http://127.0.0.1:PORT` */
  base: string;
  /** What haproxy logged: requests that did not end normally (errors, retries, aborts). */
  log(): string;
  close(): Promise<void>;
}

/** `servers`: `http://127.0.0.1:PORT` bases of the replicas; `port`: where to listen (default: a free one). */
export async function startHaproxy(servers: string[], port?: number): Promise<Balancer> {
  ensureHaproxy();
  const dir = mkdtempSync(join(tmpdir(), 'vizjobs-haproxy-'));
  port ??= await freePort();
  const backends = servers
    .map((s, i) => {
      const u = new URL(s);
      return `  server r${String(i)} ${u.hostname}:${u.port} check inter 500ms fall 2 rise 2`;
    })
    .join('\n');
  const cfg = `global
  maxconn 4096
  log stderr format raw local0
defaults
  mode http
  log global
  option httplog
  option dontlog-normal
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 10s
  option http-keep-alive
  retries 2
  # A replica killed mid-request resets its connections without an answer; haproxy then closes
  # the client's connection silently (no 502) unless it may retry the request elsewhere.
  retry-on conn-failure empty-response response-timeout
  option redispatch
frontend fe
  bind 127.0.0.1:${String(port)}
  default_backend replicas
backend replicas
  balance roundrobin
  # A creation is never sent twice: if its replica dies before answering, it may have committed.
  # Every other call is safe to repeat (reads, and transitions that are compare-and-sets: a repeat
  # is refused with ModelArts.0105, never a second transition).
  http-request disable-l7-retry if METH_POST { path_reg ^/v1/[^/]+/visualization-jobs/?$ }
  option httpchk GET /readyz
  http-check send hdr Host 127.0.0.1
  # Which replica answered (tests: every replica in rotation, requests spread).
  http-response set-header x-served-by %s
${backends}
`;
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, cfg);
  const check = spawnSync(HAPROXY, ['-c', '-f', file], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy config refused: ${check.stdout}${check.stderr}`);
  const child: ChildProcess = spawn(HAPROXY, ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const base = `http://127.0.0.1:${String(port)}`;
  const end = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${err}`);
    try {
      await fetch(`${base}/healthz`);
      break;
    } catch {
      if (Date.now() > end) throw new Error(`haproxy did not listen: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    base,
    log: () => err,
    async close() {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
