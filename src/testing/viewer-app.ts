// Test wiring for the viewer: a real Fastify app with the data API and sign-in routes over a real
// directory of event files, with jobs held in a Map (the store's part in production), signed-out
// sessions in an in-memory SQLite store, and a storage wrapper that counts calls, so tests can
// prove when storage is (not) touched.
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import { Authorizer, parseTokens } from '../api/auth.js';
import { AuthFailureLimiter, type AuthLimits } from '../api/auth-limit.js';
import { installErrorHandling } from '../api/http-errors.js';
import { SqliteJobStore } from '../store/sqlite.js';
import { LocalStorage } from '../storage/local.js';
import type { ListOptions, ObjectInfo, ObjectReader, ObjectStorage } from '../storage/storage.js';
import { sessionRoutes, type ViewerAccess } from '../viewer/access.js';
import { viewerDataRoutes, type JobFacts } from '../viewer/data-api.js';
import { ViewerRuntime } from '../viewer/runtime.js';
import { SessionRevocations } from '../viewer/revocations.js';
import { SessionSealer } from '../viewer/session.js';

export class CountingStorage implements ObjectStorage {
  /** `read` counts read() calls and reads through openReader() handles alike. */
  calls = { list: 0, stat: 0, read: 0 };
  readonly openReader?: (key: string) => Promise<ObjectReader>;
  /** While set, reads of keys `held` accepts wait for it (a slow object store, one file at a time). */
  hold: { until: Promise<void>; held: (key: string) => boolean } | undefined;
  /** While set, listings wait for it (a slow listing). */
  holdList: Promise<void> | undefined;

  constructor(private readonly inner: ObjectStorage) {
    const open = inner.openReader?.bind(inner);
    if (open) {
      this.openReader = async (key) => {
        const r = await open(key);
        return {
          readInto: async (target, at, length, offset) => {
            this.calls.read++;
            await this.waitFor(key);
            return r.readInto(target, at, length, offset);
          },
          close: () => r.close(),
        };
      };
    }
  }
  get description(): string {
    return this.inner.description;
  }
  total(): number {
    return this.calls.list + this.calls.stat + this.calls.read;
  }
  private async waitFor(key: string): Promise<void> {
    if (this.hold?.held(key)) await this.hold.until;
  }
  async list(prefix: string, options?: ListOptions): Promise<ObjectInfo[]> {
    this.calls.list++;
    if (this.holdList) await this.holdList;
    return this.inner.list(prefix, options);
  }
  stat(key: string): Promise<ObjectInfo | null> {
    this.calls.stat++;
    return this.inner.stat(key);
  }
  async read(key: string, offset: number, length: number): Promise<Buffer> {
    this.calls.read++;
    await this.waitFor(key);
    return this.inner.read(key, offset, length);
  }
}

export interface ViewerTestApp {
  app: FastifyInstance;
  runtime: ViewerRuntime;
  jobs: Map<number, JobFacts>;
  storages: Map<string, CountingStorage>;
  sessions: SessionSealer;
  access: ViewerAccess;
  clock: { now: number };
  close(): Promise<void>;
}

/**
 * `obsRoot`: a directory whose sub-directories play buckets (train_url `/bucket/dir/`).
 * Tokens as VIZJOBS_TOKENS. The clock is real unless a test sets `clock.now`.
 */
export async function viewerTestApp(opts: {
  obsRoot: string;
  tokens: string;
  idleMs?: number;
  reloadIntervalMs?: number;
  authLimits?: Partial<AuthLimits>;
  memory?: { limitBytes: number; jobShare: number };
}): Promise<ViewerTestApp> {
  const clock = { now: 0 };
  const now = (): number => clock.now || Date.now();
  const storages = new Map<string, CountingStorage>();
  const runtime = new ViewerRuntime({
    config: { obsRoot: opts.obsRoot, s3Endpoint: '', viewerIdleMs: opts.idleMs ?? 60_000 },
    reloadIntervalMs: opts.reloadIntervalMs,
    memory: opts.memory,
    now,
    locate: (trainUrl) => {
      const [bucket, ...rest] = trainUrl.replace(/^\//, '').split('/');
      const storage = new CountingStorage(new LocalStorage(`${opts.obsRoot}/${bucket}`));
      storages.set(trainUrl, storage);
      const prefix = rest.filter((s) => s !== '').join('/');
      return { storage, prefix: prefix ? prefix + '/' : '' };
    },
  });
  const jobs = new Map<number, JobFacts>();
  const authorizer = new Authorizer(parseTokens(opts.tokens), now);
  const sessions = new SessionSealer('test-secret', now);
  const store = new SqliteJobStore(':memory:');
  const access: ViewerAccess = {
    authorizer,
    sessions,
    revocations: new SessionRevocations(store, { now }),
    limiter: new AuthFailureLimiter(opts.authLimits, now),
  };
  const app = Fastify({ logger: false });
  // As buildServer does: the viewer may read request.cookies, and errors go through the one handler.
  await app.register(cookie);
  installErrorHandling(app, () => {});
  await app.register(sessionRoutes, access);
  // The lifecycle's part, reduced to what the viewer asks of it: start a RUNNING job's viewer.
  const serving = {
    async ensureServing(jobId: number): Promise<void> {
      const j = jobs.get(jobId);
      if (j) await runtime.start({ jobId, projectId: j.projectId, trainUrl: j.trainUrl, jobType: j.jobType ?? 'tensorboard' });
    },
  };
  await app.register(viewerDataRoutes, { ...access, runtime, jobs: { get: async (id) => jobs.get(id) }, serving });
  await app.ready();
  return {
    app,
    runtime,
    jobs,
    storages,
    sessions,
    access,
    clock,
    close: async () => {
      runtime.close();
      await app.close();
      await store.close();
    },
  };
}
