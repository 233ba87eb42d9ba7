// Versioned schema migrations, applied in order inside one transaction each; schema_version
// records the last one applied. Never edit a shipped migration: append a new one.
export interface Migration {
  version: number;
  sql: string;
}

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
];
