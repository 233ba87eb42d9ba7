// Test and benchmark support: the built service (`node dist/cli.js serve`) in a child process of
// its own, as it is deployed, so a test can tell a crash from a failure and a benchmark can read
// the server's own memory. Resolves once the server prints its address; port 0 picks a free one.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cliPath } from './paths.js';

export interface ServeProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:PORT` */
  base: string;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  exited(): boolean;
  /** Resident set size of the server process now, in MB (0 once it has exited). */
  rssMb(): number;
  stop(): Promise<void>;
}

/** `args` are `serve` flags (e.g. `--data-dir`); `env` is added to this process's environment. */
export async function startServeProcess(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
    const check = (): void => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${String(code ?? signal)}): ${out}`));
    });
  });
  return {
    child,
    base,
    output: () => out,
    exited,
    rssMb() {
      try {
        const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${String(child.pid)}/status`, 'utf8'));
        return m ? Number(m[1]) / 1024 : 0;
      } catch {
        return 0;
      }
    },
    async stop() {
      if (exited()) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

export interface TokenCallAnswer {
  status: number;
  /** The response's Content-Type ('' when absent). */
  type: string;
  bytes: number;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: Record<string, unknown> | undefined;
}

/**
 * One request with `token` in X-Auth-Token; `body` is sent as JSON (a string as it is, so a test
 * can send JSON no serializer would write). The whole answer is read, whatever its type.
 */
export async function callWithToken(base: string, method: string, path: string, token: string, body?: unknown, timeoutMs = 30_000): Promise<TokenCallAnswer> {
  const r = await fetch(base + path, {
    method,
    headers: { 'X-Auth-Token': token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const buf = Buffer.from(await r.arrayBuffer());
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(buf.toString('utf8')) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: r.status, type: r.headers.get('content-type') ?? '', bytes: buf.length, json };
}

/**
 * POSTs a visualization job of `project` over `trainUrl` and polls it (every 20 ms, as a console
 * would, at most `timeoutMs`) until it is RUNNING; answers its viewer's data prefix,
 * `/visualization/<project>/<id>/data/`. A job that fails throws with its failure_reason.
 */
export async function runningJob(base: string, project: string, token: string, trainUrl: string, name: string, timeoutMs = 12_000): Promise<string> {
  const jobs = `/v1/${project}/visualization-jobs`;
  const c = await callWithToken(base, 'POST', jobs, token, { job_name: name, train_url: trainUrl }, 120_000);
  const id = String(c.json?.job_id);
  for (const end = performance.now() + timeoutMs; performance.now() < end; ) {
    const d = await callWithToken(base, 'GET', `${jobs}/${id}`, token, undefined, 120_000);
    if (d.json?.status === 8) break;
    if (d.json?.status === 11) throw new Error(`job over ${trainUrl} failed: ${String(d.json.failure_reason)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return `/visualization/${project}/${id}/data/`;
}
