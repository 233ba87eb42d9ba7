// The job object of API.md §1 as clients see it, derived from a stored record at a moment `now`:
// duration is live while RUNNING, remaining_duration counts down to the stored deadline. Fields of
// our own (failure_reason, conditions) appear only when set: ModelArts clients ignore them.
import type { JobCondition } from '../domain/conditions.js';
import type { JobRecord } from '../store/store.js';
import { Status } from '../domain/status.js';

export interface JobObject {
  job_id: number;
  job_name: string;
  job_desc: string;
  job_type: 'tensorboard' | 'mindinsight';
  status: number;
  create_time: number;
  duration: number;
  service_url: string;
  train_url: string;
  resource_id: string;
  schedule?: unknown;
  remaining_duration: number | null;
  /** Ours, not ModelArts': why the job ended 11 FAILED or 6 DELETE_FAILED. */
  failure_reason?: string;
  /** Ours too: the reconciler's conditions (StorageReachable, Serving), only when it recorded any. */
  conditions?: JobCondition[];
}

export function serviceUrl(publicUrl: string, projectId: string, jobId: number): string {
  return `${publicUrl}/visualization/${projectId}/${jobId}/`;
}

export function jobObject(j: JobRecord, now: number, publicUrl: string): JobObject {
  const running = j.status === Status.RUNNING;
  const live = running && j.runningSince !== null ? Math.max(0, now - j.runningSince) : 0;
  const v: JobObject = {
    job_id: j.jobId,
    job_name: j.jobName,
    job_desc: j.jobDesc,
    job_type: j.jobType,
    status: j.status,
    create_time: j.createTime,
    duration: j.durationMs + live,
    service_url: serviceUrl(publicUrl, j.projectId, j.jobId),
    train_url: j.trainUrl,
    resource_id: j.resourceId,
    remaining_duration: running && j.deadline !== null ? Math.max(0, j.deadline - now) : null,
  };
  if (j.scheduleJson !== null) v.schedule = JSON.parse(j.scheduleJson) as unknown;
  if (j.failureReason !== null) v.failure_reason = j.failureReason;
  if (j.conditions.length) v.conditions = j.conditions;
  return v;
}
