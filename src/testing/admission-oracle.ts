// Test support: an oracle for cluster-wide admission that lives in the database itself. Triggers
// record, at the moment a job is admitted to 8 RUNNING, whether an earlier job of its project was
// still queued (a FIFO skip) and whether the project now runs more than its quota. A job counts as
// "earlier" only once it has been queued for 100 ms: a create or restart takes its queue position
// from a sequence before it commits, so for a moment a job with a lower position may become
// visible after a later one was admitted.
import type pg from 'pg';

const ORACLE = (quota: number): string => `
  CREATE TABLE fifo_oracle (at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), kind TEXT NOT NULL, job_id BIGINT, detail TEXT);
  ALTER TABLE jobs ADD COLUMN queued_at TIMESTAMPTZ;
  CREATE FUNCTION stamp_queued() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.status = 1 AND (TG_OP = 'INSERT' OR OLD.status <> 1) THEN NEW.queued_at := clock_timestamp(); END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER stamp_queued BEFORE INSERT OR UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION stamp_queued();
  CREATE FUNCTION check_admission() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE skipped BIGINT; running BIGINT;
  BEGIN
    IF NEW.status = 8 AND OLD.status IN (1, 7) THEN
      SELECT job_id INTO skipped FROM jobs e
        WHERE e.project_id = NEW.project_id AND e.status IN (1, 7) AND e.desired = 'running'
          AND e.queue_pos < NEW.queue_pos AND e.queued_at < clock_timestamp() - interval '100 milliseconds'
        LIMIT 1;
      IF skipped IS NOT NULL THEN
        INSERT INTO fifo_oracle (kind, job_id, detail) VALUES ('fifo', NEW.job_id, 'admitted before ' || skipped);
      END IF;
      SELECT COUNT(*) INTO running FROM jobs r WHERE r.project_id = NEW.project_id AND r.status = 8;
      IF running > ${quota} THEN
        INSERT INTO fifo_oracle (kind, job_id, detail) VALUES ('quota', NEW.job_id, running || ' running');
      END IF;
    END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER check_admission AFTER UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION check_admission();
`;


/** Installs the oracle on the (migrated) schema `db` is connected to. */
export async function installAdmissionOracle(db: pg.Client, quota: number): Promise<void> {
  if (!Number.isSafeInteger(quota)) throw new TypeError('quota must be an integer');
  await db.query(ORACLE(quota));
}

/** Every violation recorded so far, oldest first, as text. */
export async function admissionViolations(db: pg.Client): Promise<string[]> {
  const rows = (await db.query<{ kind: string; job_id: string; detail: string }>('SELECT kind, job_id, detail FROM fifo_oracle ORDER BY at')).rows;
  return rows.map((f) => `${f.kind}: job ${f.job_id} ${f.detail}`);
}
