// Test support: a real server (real SQLite file in a temp dir, or its own PostgreSQL schema when
// VIZJOBS_TEST_STORE=postgres; real object-storage directory with a copy of the PyTorch fixture)
// driven through Fastify's inject, with the placeholder runtime and viewer of this folder in place
// of the real viewer (a test may pass its own in `deps`). Not a test itself.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config.js';
import { buildServer, type BuiltServer, type ServerDeps } from '../server.js';
import { InProcessRuntime } from './in-process-runtime.js';
import { placeholderViewerOf } from './placeholder-viewer.js';
import type { JobToServe } from '../runtime/runtime.js';
import { toStorageError } from '../storage/errors.js';
import type { LogLocation, ObjectStorage } from '../storage/storage.js';
import { repoRoot } from './paths.js';
import { testServerSchema, type TestSchema } from './postgres.js';

/** The in-process runtime with switches a test can flip: hold teardown open, make it fail. */
export class ControllableRuntime extends InProcessRuntime {
  failTeardown = false;
  failStart = false;
  /** Thrown by every storage call while set, as the storage layer would (classified by errors.ts). */
  storageFault: unknown;
  /** Storage listings made by starts (each start lists once). */
  storageLists = 0;
  /** How long each listing takes (ms), as object storage would: widens the gap between a start and its admission. */
  listDelayMs = 0;
  protected override locate(trainUrl: string): LogLocation {
    const location = super.locate(trainUrl);
    const inner = location.storage;
    const fault = (what: string): void => {
      if (this.storageFault !== undefined) throw toStorageError(this.storageFault, what);
    };
    const storage: ObjectStorage = {
      description: inner.description,
      list: async (prefix, options) => {
        this.storageLists++;
        if (this.listDelayMs > 0) await new Promise((r) => setTimeout(r, this.listDelayMs));
        fault(`listing ${prefix}`);
        return inner.list(prefix, options);
      },
      stat: async (key) => {
        fault(`reading ${key}`);
        return inner.stat(key);
      },
      read: async (key, offset, length) => {
        fault(`reading ${key}`);
        return inner.read(key, offset, length);
      },
    };
    return { storage, prefix: location.prefix };
  }
  private gate: Promise<void> | undefined;
  private release: (() => void) | undefined;
  starts = 0;

  holdTeardown(): void {
    this.gate = new Promise((r) => (this.release = r));
  }
  releaseTeardown(): void {
    this.release?.();
    this.gate = undefined;
  }
  override async start(job: JobToServe): Promise<void> {
    this.starts++;
    if (this.failStart) throw new Error('viewer host unavailable');
    return super.start(job);
  }
  private stopGate: Promise<void> | undefined;
  private releaseStopGate: (() => void) | undefined;
  holdStop(): void {
    this.stopGate = new Promise((r) => (this.releaseStopGate = r));
  }
  releaseStop(): void {
    this.releaseStopGate?.();
    this.stopGate = undefined;
  }
  override async stop(jobId: number): Promise<void> {
    if (this.stopGate) await this.stopGate;
    return super.stop(jobId);
  }
  override async teardown(jobId: number): Promise<void> {
    if (this.gate) await this.gate;
    if (this.failTeardown) throw new Error('cache directory is busy');
    return super.teardown(jobId);
  }
}

export interface TestServer {
  built: BuiltServer;
  config: Config;
  dir: string;
  runtime: ControllableRuntime;
  clock: { offset: number };
  call(method: string, url: string, opts?: { body?: unknown; token?: string | null; raw?: string; headers?: Record<string, string> }): Promise<{ status: number; body: Record<string, unknown>; text: string; headers: Record<string, unknown> }>;
  /** Waits until the reconciler has nothing in flight. */
  settle(): Promise<void>;
  /** Closes and builds a new server on the same data directory (a service restart); `whileDown` runs in between. */
  restart(whileDown?: () => void | Promise<void>): Promise<TestServer>;
  close(): Promise<void>;
}

export const TOKEN = 'test-token-p1';
export const TOKEN_P2 = 'test-token-p2';
export const EXPIRED = 'test-token-expired';
export const BASE = '/v1/p1/visualization-jobs';

export async function startTestServer(
  settings: Partial<Record<keyof Config, string | number>> = {},
  deps: Partial<ServerDeps> = {},
  reuse?: { dir: string; clock: { offset: number }; pg?: TestSchema },
): Promise<TestServer> {
  const dir = reuse?.dir ?? mkdtempSync(join(tmpdir(), 'vizjobs-test-'));
  // VIZJOBS_TEST_STORE=postgres: this server (and its restarts) gets its own PostgreSQL schema.
  const pg = reuse ? reuse.pg : await testServerSchema();
  if (!reuse) {
    mkdirSync(join(dir, 'obs', 'demo'), { recursive: true });
    cpSync(join(repoRoot, 'examples', 'obs', 'demo', 'pytorch-mlp'), join(dir, 'obs', 'demo', 'pytorch-mlp'), { recursive: true });
  }
  const clock = reuse?.clock ?? { offset: 0 };
  const config = loadConfig(
    {
      dataDir: dir,
      port: 0,
      publicUrl: 'http://vizjobs.test',
      tokens: `${TOKEN}=p1,${TOKEN_P2}=p2,${EXPIRED}=p1@2020-01-01T00:00:00Z`,
      ...(pg ? { db: pg.url } : {}),
      ...settings,
    },
    {},
  );
  const runtime = new ControllableRuntime(config);
  const built = await buildServer(config, { runtime, viewer: placeholderViewerOf(runtime), now: () => Date.now() + clock.offset, reconcileIntervalMs: 50, log: () => {}, ...deps });
  await built.app.ready();
  const ts: TestServer = {
    built,
    config,
    dir,
    runtime,
    clock,
    async call(method, url, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      const token = opts.token === undefined ? TOKEN : opts.token;
      if (token !== null) headers['x-auth-token'] = token;
      let payload: string | undefined = opts.raw;
      if (opts.body !== undefined) payload = JSON.stringify(opts.body);
      if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
      const res = await built.app.inject({ method: method as 'GET', url, headers, payload });
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(res.body) as Record<string, unknown>;
      } catch {
        /* not JSON (e.g. the 409 page) */
      }
      return { status: res.statusCode, body, text: res.body, headers: res.headers };
    },
    async settle() {
      for (let i = 0; i < 3; i++) await built.reconciler.idle();
    },
    async restart(whileDown) {
      await built.app.close();
      await whileDown?.();
      return startTestServer(settings, deps, { dir, clock, pg });
    },
    async close() {
      await built.app.close();
      rmSync(dir, { recursive: true, force: true });
      await pg?.drop();
    },
  };
  return ts;
}

/** Polls `pred` every 10 ms until it holds. */
export async function until(pred: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

/** Polls a job's details until `pred` holds (or it is gone, when pred accepts undefined). */
export async function waitFor(ts: TestServer, jobId: number, pred: (status: number | undefined) => boolean, timeoutMs = 5000): Promise<number | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await ts.call('GET', `${BASE}/${jobId}`);
    const status = r.status === 404 ? undefined : (r.body.status as number);
    if (pred(status)) return status;
    if (Date.now() > until) throw new Error(`job ${jobId}: status stayed ${String(status)}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}
