// The runtime seam: the job lifecycle calls a JobRuntime to bring a job's viewer up and down and
// never cares how the viewer works. Calls must be idempotent: the reconciler re-runs them after a
// crash, so start() on a started job and stop()/teardown() on a stopped or unknown job succeed.

export interface RuntimeJob {
  jobId: number;
  projectId: string;
  jobType: 'tensorboard' | 'mindinsight';
  trainUrl: string;
}

export interface JobRuntime {
  /**
   * Makes the job's viewer serve at its service_url. Throws StorageError when the storage under
   * train_url refuses access (the job becomes 11 FAILED with that message); any other error is
   * retried by the reconciler.
   */
  start(job: RuntimeJob): Promise<void>;
  /** Stops serving; the job may be restarted later, so nothing durable is removed. */
  stop(jobId: number): Promise<void>;
  /** Stops serving and drops every cache of the job (delete). */
  teardown(jobId: number): Promise<void>;
  /** Whether the job's viewer is serving now in this process. */
  isServing(jobId: number): boolean;
}
