// Versioned PostgreSQL schema, the same idea as SQLITE_MIGRATIONS: applied in order, each in its
// own transaction, schema_version recording what ran. Never edit a shipped migration: append one.
// Job ids come from an identity column (a sequence: never reused, even after deletes or rolled
// back inserts); epoch-ms columns are BIGINT and read back as JS numbers (see postgres.ts).
import { ADD_CONDITIONS, REPAIR_UNBOUNDED_ROWS, type Migration } from './migrations.js';

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE SEQUENCE queue_seq;
      CREATE TABLE jobs (
        job_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        project_id TEXT NOT NULL,
        job_name TEXT NOT NULL,
        job_desc TEXT NOT NULL DEFAULT '',
        job_type TEXT NOT NULL,
        status INTEGER NOT NULL,
        desired TEXT NOT NULL,
        stop_target INTEGER NOT NULL DEFAULT 12,
        create_time BIGINT NOT NULL,
        train_url TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        schedule_json TEXT,
        schedule_ms BIGINT NOT NULL DEFAULT 0,
        deadline BIGINT,
        duration_ms BIGINT NOT NULL DEFAULT 0,
        running_since BIGINT,
        queue_pos BIGINT NOT NULL DEFAULT nextval('queue_seq'),
        workspace_id TEXT NOT NULL DEFAULT '0',
        flavor_json TEXT,
        failure_reason TEXT
      );
      CREATE INDEX jobs_project ON jobs (project_id, job_id);
      CREATE INDEX jobs_status ON jobs (status, project_id, queue_pos);
    `,
  },
  {
    // Jobs per project, kept by create and finishDelete in the same statement as the row change:
    // the create under the job limit becomes one statement (the counter row's lock serialises
    // concurrent creates of a project) instead of a four-round-trip advisory-locked transaction.
    version: 2,
    sql: `
      CREATE TABLE project_jobs (project_id TEXT PRIMARY KEY, jobs BIGINT NOT NULL CHECK (jobs >= 0));
      INSERT INTO project_jobs (project_id, jobs) SELECT project_id, COUNT(*) FROM jobs GROUP BY project_id;
    `,
  },
  {
    // Signed-out console sessions (the id sealed in the cookie), until the cookie would expire
    // anyway: shared by every replica, so a sign-out through one ends the session on all of them.
    version: 3,
    sql: `
      CREATE TABLE revoked_sessions (id TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
      CREATE INDEX revoked_sessions_expiry ON revoked_sessions (expires_at);
    `,
  },
  {
    // Rows stored before requests were strict (migrations.ts, REPAIR_UNBOUNDED_ROWS).
    version: 4,
    sql: REPAIR_UNBOUNDED_ROWS,
  },
  {
    // The reconciler's conditions on a job (domain/conditions.ts), JSON; NULL = none recorded.
    version: 5,
    sql: ADD_CONDITIONS,
  },
  {
    // Secrets every replica shares (store.ts SharedSecrets): the sign-in key, a generated admin token.
    version: 6,
    sql: `CREATE TABLE cluster_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now());`,
  },
  {
    // Every change of a job row, by any replica, notifies the replicas' read caches (job-cache.ts).
    version: 7,
    sql: `
      CREATE FUNCTION vizjobs_job_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('vizjobs_jobs', TG_TABLE_SCHEMA || ':' || (CASE WHEN TG_OP = 'DELETE' THEN OLD.job_id ELSE NEW.job_id END)::text);
        RETURN NULL;
      END $$;
      CREATE TRIGGER jobs_changed AFTER INSERT OR UPDATE OR DELETE ON jobs FOR EACH ROW EXECUTE FUNCTION vizjobs_job_changed();
    `,
  },
];
