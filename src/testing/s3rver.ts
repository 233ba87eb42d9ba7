// A real S3-protocol server on loopback for tests and benchmarks. s3rver runs in a child process
// because its paginated listings encrypt continuation tokens with DES, which Node 20 only offers
// under `--openssl-legacy-provider`: that flag goes to the child alone, so the test process keeps
// its own flags. The child exits with its parent (stdin closes), so a crashed test leaks nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The one key pair s3rver knows; any other access key id is refused with InvalidAccessKeyId. */
export const S3RVER_ACCESS_KEY_ID = 'S3RVER';
export const S3RVER_SECRET_ACCESS_KEY = 'S3RVER';

export interface S3rverHandle {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  port: number;
  /** The s3rver child's process id (benchmarks read its CPU time from /proc). */
  pid: number;
  /** The directory s3rver keeps buckets in (removed by close()). */
  directory: string;
  close(): Promise<void>;
}

// s3rver 3.7's filesystem store answers a delimited listing without the common prefixes whose
// objects lie two or more levels down (its walk prunes those directories before seeing a key in
// them); S3 names them. The child loads that one module with the pruning turned into a visit, so
// a sweep's lrNN/seedM/ layout lists as it would on S3 (slower for s3rver: it walks every key).
const CHILD = `
const Module = require('module');
const fs = require('fs');
const path = require('path');
const storePath = path.join(path.dirname(process.argv[1]), 'stores', 'filesystem.js');
const pruned = '// avoid directories occurring beneath a common prefix\\n          return false;';
const source = fs.readFileSync(storePath, 'utf8');
if (!source.includes(pruned)) { process.stderr.write('s3rver filesystem store changed: the delimiter patch no longer applies'); process.exit(1); }
const store = new Module(storePath, module);
store.filename = storePath;
store.paths = Module._nodeModulePaths(path.dirname(storePath));
store._compile(source.replace(pruned, '// patched: a common prefix is found however deep its objects lie\\n          return true;'), storePath);
store.loaded = true;
require.cache[storePath] = store;
const S3rver = require(process.argv[1]);
const buckets = JSON.parse(process.argv[3]).map((name) => ({ name }));
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[2], configureBuckets: buckets });
server.run().then((addr) => { process.stdout.write(JSON.stringify({ port: addr.port }) + '\\n'); })
  .catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/** Starts s3rver on 127.0.0.1 with a fresh directory and the given buckets created. */
export async function startS3rver(options: { buckets?: string[] } = {}): Promise<S3rverHandle> {
  const directory = await mkdtemp(join(tmpdir(), 'vizjobs-s3rver-'));
  const s3rverMain = createRequire(import.meta.url).resolve('s3rver');
  const child: ChildProcess = spawn(
    process.execPath,
    ['-e', CHILD, s3rverMain, directory, JSON.stringify(options.buckets ?? [])],
    {
      env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver did not start in 20 s: ${stderr}`)), 20_000);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolvePort((JSON.parse(line) as { port: number }).port);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with ${code}: ${stderr}`));
    });
  });
  child.stdout?.resume();
  let closed = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? 0,
    directory,
    async close() {
      if (closed) return;
      closed = true;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.stdin?.end();
        const killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killTimer);
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}
