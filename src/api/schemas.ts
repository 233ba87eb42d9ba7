// Request and response schemas of API.md §1, declared once: Fastify validates with them, TypeBox
// derives the handler types from them, and @fastify/swagger publishes them at /openapi.json.
// Query and path parameters are declared as strings (type coercion is off, so a wrong JSON type
// in a body is a ModelArts.0101); their numeric ranges are checked by the service with messages
// that name the rule.
//
// Every request field has a bounded size and shape: `schedule` and `flavor` take only their
// documented keys, strings have maximum lengths, and nesting is bounded by the body parser
// (json-body.ts). Unknown top-level fields of the create body are ignored (API.md §1) and never
// stored, so a stored job row has a bounded size.
import { Type, type Static } from '@sinclair/typebox';
import { JOB_ID_PATTERN } from './job-id.js';

type JobType = 'tensorboard' | 'mindinsight';
const JobTypeSchema = Type.Unsafe<JobType>({ type: 'string', enum: ['tensorboard', 'mindinsight'], description: 'default tensorboard' });

export const ProjectParams = Type.Object({
  project_id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Project id' }),
});

export const JobParams = Type.Object({
  project_id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Project id' }),
  job_id: Type.String({ pattern: JOB_ID_PATTERN, description: 'Job id: a positive integer, no sign or leading zeros, at most 15 digits' }),
});

const SCHEDULE_KEYS = {
  type: { type: 'string', enum: ['stop'] },
  time_unit: { type: 'string', enum: ['HOURS'], description: 'alias: timeUnit' },
  timeUnit: { type: 'string', enum: ['HOURS'], description: 'alias of time_unit' },
  // A number, not an integer, so 1.5 is a rule broken (0104), not a wrong JSON type (0101).
  duration: { type: 'number', minimum: 0, maximum: 24, multipleOf: 1, description: 'hours; 0 = no auto-stop' },
} as const;

/** One schedule object: only the documented keys (time_unit or its alias is checked by parseSchedule). */
export const ScheduleItem = Type.Unsafe<Record<string, unknown>>({
  type: 'object',
  properties: SCHEDULE_KEYS,
  required: ['type', 'duration'],
  additionalProperties: false,
  description: 'Auto-stop after `duration` hours of RUNNING',
});

/**
 * `schedule`: the object, or an array holding exactly one (the published example). Declared as
 * one schema with both types rather than anyOf, so a client gets the one error that applies.
 */
export const Schedule = Type.Unsafe<unknown>({
  type: ['object', 'array'],
  properties: SCHEDULE_KEYS,
  required: ['type', 'duration'],
  additionalProperties: false,
  items: ScheduleItem,
  minItems: 1,
  maxItems: 1,
  description: 'Auto-stop: {type: "stop", time_unit: "HOURS" (alias timeUnit), duration: 0..24}, or an array holding one such object',
});

export const Flavor = Type.Object(
  { code: Type.String({ maxLength: 128 }) },
  { additionalProperties: false, description: 'Accepted and stored; only `code`' },
);

export const CreateBody = Type.Object({
  job_name: Type.String({ minLength: 1, maxLength: 20, pattern: '^[A-Za-z0-9_-]+$' }),
  job_desc: Type.Optional(Type.String({ maxLength: 256 })),
  train_url: Type.String({ minLength: 1, maxLength: 2048, description: '/bucket/dir/, obs://bucket/dir/ or s3://bucket/dir/' }),
  job_type: Type.Optional(JobTypeSchema),
  flavor: Type.Optional(Flavor),
  schedule: Type.Optional(Schedule),
  workspace_id: Type.Optional(Type.String({ maxLength: 64 })),
});
export type CreateBody = Static<typeof CreateBody>;

export const UpdateBody = Type.Object({
  job_desc: Type.String({ maxLength: 256 }),
});

export const ListQuery = Type.Object({
  status: Type.Optional(Type.String({ description: 'One status or several joined by |, e.g. 3|5|6|13' })),
  per_page: Type.Optional(Type.String({ description: '1..1000, default 10' })),
  page: Type.Optional(Type.String({ description: '>= 1, default 1' })),
  sortBy: Type.Optional(Type.String({ description: 'job_id (default), job_name, job_desc, create_time, status' })),
  sort_by: Type.Optional(Type.String({ description: 'alias of sortBy' })),
  order: Type.Optional(Type.String({ description: 'asc (default) or desc' })),
  search_content: Type.Optional(Type.String({ description: '0..64 characters, case-insensitive substring of job_name' })),
  workspace_id: Type.Optional(Type.String({ maxLength: 64 })),
});

export const JobObject = Type.Object({
  job_id: Type.Integer(),
  job_name: Type.String(),
  job_desc: Type.String(),
  job_type: Type.String(),
  status: Type.Integer(),
  create_time: Type.Integer({ description: 'epoch ms' }),
  duration: Type.Integer({ description: 'ms RUNNING, summed over every run' }),
  service_url: Type.String(),
  train_url: Type.String(),
  resource_id: Type.String(),
  schedule: Type.Optional(Type.Unknown()),
  remaining_duration: Type.Union([Type.Integer(), Type.Null()], { description: 'ms until auto-stop while RUNNING with a schedule' }),
  failure_reason: Type.Optional(Type.String({ description: 'why the job is 11 FAILED or 6 DELETE_FAILED (vizjobs extension)' })),
  conditions: Type.Optional(
    Type.Array(
      Type.Object({
        type: Type.String({ description: 'StorageReachable or Serving' }),
        status: Type.String({ description: 'True, False or Unknown' }),
        reason: Type.String(),
        message: Type.String({ maxLength: 512 }),
        lastTransitionTime: Type.Integer({ description: 'epoch ms of the last status change' }),
      }),
      { description: "the reconciler's latest observations of the job, Kubernetes-style (vizjobs extension)" },
    ),
  ),
});

export const ErrorBody = Type.Object({
  is_success: Type.Literal(false),
  error_code: Type.String(),
  error_message: Type.String(),
});

export const Ok = Type.Object({ is_success: Type.Literal(true) });

export const CreateReply = Type.Object({
  is_success: Type.Literal(true),
  job_id: Type.Integer(),
  job_name: Type.String(),
  status: Type.Integer(),
  create_time: Type.Integer(),
  service_url: Type.String(),
});

export const ListReply = Type.Object({
  is_success: Type.Literal(true),
  job_total_count: Type.Integer(),
  job_count_limit: Type.Integer(),
  quotas: Type.Integer(),
  jobs: Type.Array(JobObject),
});

export const DetailsReply = Type.Composite([Type.Object({ is_success: Type.Literal(true) }), JobObject]);
