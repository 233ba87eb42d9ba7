// The metadata store seam. The lifecycle only talks to JobStore, whose operations are each one
// atomic compare-and-set, so a second implementation (PostgreSQL via Kysely or pg) can follow
// without touching src/jobs. Every method is async even though SQLite answers synchronously. It also
// keeps the one piece of session state replicas must share: which console sessions were revoked.
import type { JobCondition } from '../domain/conditions.js';
import type { Desired } from '../domain/status.js';

export interface JobRecord {
  jobId: number;
  projectId: string;
  jobName: string;
  jobDesc: string;
  jobType: 'tensorboard' | 'mindinsight';
  status: number;
  desired: Desired;
  /** Status a KILLING job lands on once stopped: 12 KILLED (stop) or 10 COMPLETED (auto-stop). */
  stopTarget: number;
  createTime: number;
  trainUrl: string;
  resourceId: string;
  /** The schedule exactly as the client sent it, JSON; null when absent. */
  scheduleJson: string | null;
  /** Auto-stop after this many ms of RUNNING; 0 = never. */
  scheduleMs: number;
  /** Absolute auto-stop time (epoch ms) while RUNNING with a schedule; durable across restarts. */
  deadline: number | null;
  /** RUNNING ms accumulated over finished runs. */
  durationMs: number;
  /** When the current run began (epoch ms) while RUNNING, else null. */
  runningSince: number | null;
  /** FIFO position among jobs waiting for a running slot. */
  queuePos: number;
  workspaceId: string;
  flavorJson: string | null;
  failureReason: string | null;
  /** The reconciler's latest observations (domain/conditions.ts); empty when none recorded. */
  conditions: JobCondition[];
}

export interface NewJob {
  projectId: string;
  jobName: string;
  jobDesc: string;
  jobType: 'tensorboard' | 'mindinsight';
  createTime: number;
  trainUrl: string;
  resourceId: string;
  scheduleJson: string | null;
  scheduleMs: number;
  workspaceId: string;
  flavorJson: string | null;
}

export type SortKey = 'job_id' | 'job_name' | 'job_desc' | 'create_time' | 'status';

export interface ListQuery {
  projectId: string;
  statuses?: number[];
  search?: string;
  sortBy: SortKey;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export type CreateResult = { ok: true; job: JobRecord } | { ok: false; reason: 'limit'; limit: number };

/** Outcome of a compare-and-set: the job after the change, or its current status when refused. */
export type CasResult = { ok: true; job: JobRecord } | { ok: false; status: number | undefined };

export interface JobStore {
  /** Inserts at status 1 INIT, desired running, unless the project already has `jobLimit` jobs. */
  create(job: NewJob, jobLimit: number): Promise<CreateResult>;
  get(jobId: number): Promise<JobRecord | undefined>;
  list(q: ListQuery): Promise<{ total: number; jobs: JobRecord[] }>;
  countJobs(projectId: string): Promise<number>;
  updateDesc(projectId: string, jobId: number, desc: string): Promise<boolean>;

  /** `from` → 9 KILLING with desired stopped/deleted; closes the running interval at `now`. */
  beginKill(jobId: number, from: readonly number[], desired: 'stopped' | 'deleted', stopTarget: number, now: number): Promise<CasResult>;
  /** `from` → 1 INIT, desired running, back of the queue, failure reason and conditions cleared. */
  beginRestart(jobId: number, from: readonly number[]): Promise<CasResult>;

  // Reconciler steps: each applies only while the job is still where the reconciler saw it.
  /** Jobs with work to do: 1, 7, 9, and RUNNING ones whose deadline passed. */
  pending(now: number): Promise<JobRecord[]>;
  /** Every RUNNING job (startup: their viewers must be brought back). */
  running(): Promise<JobRecord[]>;
  countRunning(projectId: string): Promise<number>;
  /** 1|7 → 8 RUNNING, stamping running_since and the deadline. */
  markRunning(jobId: number, now: number): Promise<boolean>;
  /**
   * Cluster-wide admission, one atomic step: 1|7 → 8 RUNNING (as markRunning) only while the job
   * heads its project's queue (no 1|7 job of the project has a lower queue position) and the
   * project has fewer than `quota` RUNNING jobs. Replicas admitting at once are serialised per
   * project, so FIFO and the quota hold whatever the number of replicas.
   */
  admitHead(jobId: number, quota: number, now: number): Promise<boolean>;
  markWaiting(jobId: number): Promise<boolean>;
  /** 1|7|8 → 11 FAILED with a reason. */
  markFailed(jobId: number, reason: string, now: number): Promise<boolean>;
  /** Replaces the job's conditions while it is 1|7|8 (a job stopped or restarted meanwhile keeps its own). */
  setConditions(jobId: number, conditions: readonly JobCondition[]): Promise<boolean>;
  /** 9 (desired stopped) → stopTarget. */
  finishStop(jobId: number): Promise<boolean>;
  /** 9 (desired deleted) → row removed (the id is never reused). */
  finishDelete(jobId: number): Promise<boolean>;
  /** 9 (desired deleted) → 6 DELETE_FAILED with a reason. */
  failDelete(jobId: number, reason: string): Promise<boolean>;

  // Console sign-out (src/viewer/revocations.ts): a session id, once revoked, is refused until
  // its cookie's own expiry, by every replica sharing the store.
  /** Records `sessionId` as revoked until `expiresAt`, and deletes rows that expired by `now`. */
  revokeSession(sessionId: string, expiresAt: number, now: number): Promise<void>;
  /** Whether `sessionId` was revoked (one primary-key lookup). */
  isSessionRevoked(sessionId: string): Promise<boolean>;

  // Operating it (src/ops): readiness and the jobs-by-status gauge.
  /** Resolves when the store answers and its migrations are applied; else rejects with the reason. */
  check(): Promise<void>;
  /** How many jobs are at each status, cluster-wide. */
  statusCounts(): Promise<Map<number, number>>;

  close(): Promise<void>;
}

/**
 * The store cannot be reached (connection refused or lost, timed out, the server shutting down)
 * or its migrations are not applied: a condition that passes by itself, unlike a bug. The API
 * answers it with 503 and the reconciler backs off; neither logs it as an internal error.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * Values every replica must agree on — the console's sign-in key, a generated admin token — kept
 * in the database they share, so a cookie issued by one replica opens on every other.
 */
export interface SharedSecrets {
  /** The value stored under `name`, storing `candidate` first when there is none: the first replica's wins. */
  sharedSecret(name: string, candidate: string): Promise<{ value: string; created: boolean }>;
}
