// Test support, not a test: each caller gets its own freshly created schema on the test PostgreSQL
// server (random name, reached through `options=-c search_path=…` in the URL) and drops it
// afterwards, so parallel test files and CI runs never see each other's jobs. An unreachable
// server is an error that says how to start it — PostgreSQL tests fail, they never skip.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Override with VIZJOBS_TEST_POSTGRES_URL (a user allowed to CREATE SCHEMA in that database). */
export const TEST_POSTGRES_URL = process.env.VIZJOBS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSchema {
  schema: string;
  /** Connection URL whose sessions use only this schema. */
  url: string;
  drop(): Promise<void>;
}

function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

async function admin<T>(server: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: server, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL tests need a server at ${redacted(server)} (${(err as Error).message}). ` +
        'Start it with `pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start` (what .ci/run does), ' +
        '(and, if the database is missing, `createdb -h 127.0.0.1 -U postgres test`), ' +
        'or point VIZJOBS_TEST_POSTGRES_URL at a server where that user may CREATE SCHEMA.',
      { cause: err },
    );
  }
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/** `server`: the test server by default; bench/api.ts passes VIZJOBS_DB. */
export async function createTestSchema(server: string = TEST_POSTGRES_URL): Promise<TestSchema> {
  const schema = `vizjobs_test_${randomBytes(6).toString('hex')}`;
  await admin(server, (c) => c.query(`CREATE SCHEMA ${schema}`));
  return {
    schema,
    url: withSearchPath(server, schema),
    drop: () => admin(server, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).then(() => undefined),
  };
}

/** Set to `postgres` to run the server tests (src/testing/test-server.ts) on PostgreSQL. */
export const TEST_STORE_ENV = 'VIZJOBS_TEST_STORE';

/** A fresh schema when the server tests are asked to run on PostgreSQL, else undefined (SQLite). */
export async function testServerSchema(): Promise<TestSchema | undefined> {
  return process.env[TEST_STORE_ENV] === 'postgres' ? createTestSchema() : undefined;
}
