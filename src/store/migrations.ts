// Versioned schema migrations, applied in order inside one transaction each; schema_version
// records the last one applied. Never edit a shipped migration: append a new one.
export interface Migration {
  version: number;
  sql: string;
}

/**
 * Before requests were strict (issue 8), `schedule` and `flavor` were stored with any extra keys:
 * rows of megabytes that every list and reconcile pass re-read. A valid schedule is under 100
 * characters and a valid flavor under 800: larger ones are rewritten to what the job actually
 * runs with (schedule_ms) and dropped (flavor, which nothing reads). SQL common to SQLite and
 * PostgreSQL (postgres-migrations.ts applies the same text).
 */
export const REPAIR_UNBOUNDED_ROWS = `
  UPDATE jobs SET schedule_json = '{"type":"stop","time_unit":"HOURS","duration":' || (schedule_ms / 3600000) || '}'
    WHERE schedule_json IS NOT NULL AND length(schedule_json) > 256;
  UPDATE jobs SET flavor_json = NULL WHERE flavor_json IS NOT NULL AND length(flavor_json) > 1024;
`;

/** Same text for both backends: a nullable TEXT column, bounded by what domain/conditions.ts writes. */
export const ADD_CONDITIONS = `ALTER TABLE jobs ADD COLUMN conditions_json TEXT;`;

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE jobs (
        job_id INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT NOT NULL,
        job_name TEXT NOT NULL,
        job_desc TEXT NOT NULL DEFAULT '',
        job_type TEXT NOT NULL,
        status INTEGER NOT NULL,
        desired TEXT NOT NULL,
        stop_target INTEGER NOT NULL DEFAULT 12,
        create_time INTEGER NOT NULL,
        train_url TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        schedule_json TEXT,
        schedule_ms INTEGER NOT NULL DEFAULT 0,
        deadline INTEGER,
        duration_ms INTEGER NOT NULL DEFAULT 0,
        running_since INTEGER,
        queue_pos INTEGER NOT NULL,
        workspace_id TEXT NOT NULL DEFAULT '0',
        flavor_json TEXT,
        failure_reason TEXT
      );
      CREATE INDEX jobs_project ON jobs(project_id, job_id);
      CREATE INDEX jobs_status ON jobs(status, project_id, queue_pos);
      CREATE TABLE queue_seq (id INTEGER PRIMARY KEY CHECK (id = 1), next INTEGER NOT NULL);
      INSERT INTO queue_seq (id, next) VALUES (1, 1);
    `,
  },
  {
    // Signed-out console sessions (the id sealed in the cookie), until the cookie would expire anyway.
    version: 2,
    sql: `
      CREATE TABLE revoked_sessions (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
      CREATE INDEX revoked_sessions_expiry ON revoked_sessions(expires_at);
    `,
  },
  {
    // Rows stored before requests were strict (REPAIR_UNBOUNDED_ROWS).
    version: 3,
    sql: REPAIR_UNBOUNDED_ROWS,
  },
  {
    // The reconciler's conditions on a job (domain/conditions.ts), JSON; NULL = none recorded.
    version: 4,
    sql: ADD_CONDITIONS,
  },
];
