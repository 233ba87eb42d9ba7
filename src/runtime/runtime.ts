// The runtime seam: the job lifecycle calls a JobRuntime to bring a job's viewer up and down and
// never cares how the viewer works. Calls must be idempotent: the reconciler re-runs them after a
// crash, so start() on a started job and stop()/teardown() on a stopped or unknown job succeed.
// The error contract lives here too: a runtime reports every failure as a JobRuntimeError that
// says transient (retry later, the job keeps its place) or permanent (the job is 11 FAILED with the
// message as its failure_reason), so the lifecycle never inspects storage or any other layer.
import { ERRORS } from '../api/errors.js';
import { StorageError, trainUrlFailure } from '../storage/errors.js';
import { TrainUrlError } from '../storage/train-url.js';

export interface JobToServe {
  jobId: number;
  projectId: string;
  jobType: 'tensorboard' | 'mindinsight';
  trainUrl: string;
}

export type RuntimeRetry = 'transient' | 'permanent';

/**
 * A runtime failure as the lifecycle sees it. The message is for the job's owner: it names the
 * train_url as given and never a server path, an endpoint or a credential (`cause` keeps the
 * original for the operator's log).
 */
export class JobRuntimeError extends Error {
  constructor(
    readonly retry: RuntimeRetry,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'JobRuntimeError';
  }

  get permanent(): boolean {
    return this.retry === 'permanent';
  }
}

/** What the viewer says while a transient failure is being retried: the message of its 503 (api/errors.ts). */
export const STORAGE_RETRYING = ERRORS.storageUnavailable.message;

/**
 * The one mapping from whatever starting or reloading a job threw to the contract: storage
 * errors by their classification, an unusable train_url as permanent, anything else transient
 * (a failure nobody classified is retried with backoff rather than failing the job for good).
 */
export function runtimeErrorOf(err: unknown, trainUrl: string): JobRuntimeError {
  if (err instanceof JobRuntimeError) return err;
  if (err instanceof StorageError) {
    return new JobRuntimeError(err.retry, trainUrlFailure(err, trainUrl), { cause: err });
  }
  if (err instanceof TrainUrlError) return new JobRuntimeError('permanent', err.message, { cause: err });
  return new JobRuntimeError('transient', `viewer could not start, retrying`, { cause: err });
}

/** The operator's view of a failure: the message and what caused it, server paths included. */
export function describeForLog(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 4; depth++) {
    parts.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(' ← ');
}

/** Told by a runtime when a job it serves breaks after start (e.g. its storage turned bad on reload). */
export type RuntimeFailureListener = (jobId: number, err: JobRuntimeError) => void;

export interface JobRuntime {
  /**
   * Makes the job's viewer serve at its service_url. Throws JobRuntimeError: permanent (the job
   * becomes 11 FAILED with the message) or transient (retried later with backoff). Anything else
   * thrown counts as transient.
   */
  start(job: JobToServe): Promise<void>;
  /** Stops serving; the job may be restarted later, so nothing durable is removed. */
  stop(jobId: number): Promise<void>;
  /** Stops serving and drops every cache of the job (delete). */
  teardown(jobId: number): Promise<void>;
  /** Whether the job's viewer is serving now in this process. */
  isServing(jobId: number): boolean;
  /**
   * Subscribes the lifecycle to failures found while serving. A runtime that only fails in start()
   * need not implement it.
   */
  onFailure?(listener: RuntimeFailureListener): void;
  /**
   * Jobs whose viewer serves in this process, so the lifecycle can drop those another replica
   * stopped or deleted. A runtime without it keeps such entries until it drops them itself.
   */
  servingJobIds?(): number[];
  /** What the runtime holds now, for the operator's metrics. A runtime without it reports nothing. */
  gauges?(): RuntimeGauges;
}

export interface RuntimeGauges {
  /** Jobs whose viewer serves in this process. */
  serving: number;
  /** Of those, jobs whose data is loaded in memory. */
  loaded: number;
  /** Samples (points) held across the loaded jobs' series. */
  samples: number;
  /** Estimate of the memory those series hold, bytes. */
  memoryBytes: number;
  /** What loaded jobs may hold together (VIZJOBS_VIEWER_MEMORY_MB), bytes; absent when unlimited. */
  memoryBudgetBytes?: number;
  /** Times a load was stopped at the budget, and jobs' data dropped to make room, since start. */
  memoryRefusals?: number;
  memoryEvictions?: number;
}
