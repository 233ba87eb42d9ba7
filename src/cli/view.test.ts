// `vizjobs view` as a user runs it: the built CLI in a child process of its own, over real files.
// The flags (a taken --port moves to the next one and says so, --logdir_spec prefixes runs,
// --samples_per_plugin and --load_fast are accepted, --bind_all needs the token it prints), the
// wait for a missing directory, CTRL+C, and a --help that loads none of the server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cliPath, pytorchFixtureDir } from '../testing/paths.js';
import { checkSamplesPerPlugin } from './view.js';

const RUN = 'mlp_lr1e-3_adam';
let root: string;

interface Viewing {
  child: ChildProcess;
  url: string;
  output(): string;
  stop(): Promise<number | null>;
}

async function view(args: string[]): Promise<Viewing> {
  const child = spawn(process.execPath, [cliPath, 'view', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vizjobs view did not start: ${out}`)), 20_000);
    const check = (): void => {
      const m = /vizjobs view serving (http:\/\/\S+) \(Press CTRL\+C to quit\)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`vizjobs view exited: ${out}`));
    });
  });
  return {
    child,
    url,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGINT');
      }),
  };
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vizjobs-view-cli-'));
  await cp(join(pytorchFixtureDir, RUN), join(root, 'a', RUN), { recursive: true });
  await cp(join(pytorchFixtureDir, RUN), join(root, 'b', RUN), { recursive: true });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('vizjobs view (the command)', () => {
  let taken: Server;
  let takenPort = 0;
  before(async () => {
    taken = createServer();
    await new Promise<void>((r) => taken.listen({ host: '127.0.0.1', port: 0 }, r));
    const a = taken.address();
    takenPort = typeof a === 'object' && a ? a.port : 0;
  });
  after(() => new Promise<void>((r) => taken.close(() => r())));

  it('moves to the next free port when --port is taken, says so, accepts --samples_per_plugin and --load_fast, and quits on CTRL+C', async () => {
    const v = await view([join(root, 'a'), '--port', String(takenPort), '--samples_per_plugin', 'scalars=500,images=0', '--load_fast', 'false']);
    try {
      assert.match(v.output(), new RegExp(`port ${takenPort} is in use; serving on \\d+ instead`));
      assert.notEqual(new URL(v.url).port, String(takenPort));
      assert.match(v.output(), /--samples_per_plugin accepted and not needed: vizjobs keeps every sample/);
      const runs = (await (await fetch(new URL('data/runs', v.url))).json()) as string[];
      assert.ok(runs.includes(RUN));
    } finally {
      assert.equal(await v.stop(), 0);
    }
  });

  it('prefixes runs with the names of --logdir_spec, and of several LOGDIRs', async () => {
    const v = await view(['--logdir_spec', `one:${join(root, 'a')},two:${join(root, 'b')}`, '--port', '0']);
    try {
      const runs = (await (await fetch(new URL('data/runs', v.url))).json()) as string[];
      assert.ok(runs.includes(`one/${RUN}`) && runs.includes(`two/${RUN}`), JSON.stringify(runs));
    } finally {
      await v.stop();
    }
    const w = await view([join(root, 'a'), join(root, 'b'), '--port', '0']);
    try {
      const runs = (await (await fetch(new URL('data/runs', w.url))).json()) as string[];
      assert.ok(runs.includes(`a/${RUN}`) && runs.includes(`b/${RUN}`), JSON.stringify(runs));
    } finally {
      await w.stop();
    }
  });

  it('--bind_all prints a token and requires it', async () => {
    const v = await view(['--logdir', join(root, 'a'), '--bind_all', '--port', '0']);
    try {
      const token = new URL(v.url).searchParams.get('token');
      assert.ok(token, v.output());
      assert.match(v.output(), /requests need the token/);
      const base = `http://127.0.0.1:${new URL(v.url).port}/`;
      assert.equal((await fetch(`${base}data/runs`)).status, 401);
      assert.equal((await fetch(`${base}data/runs`, { headers: { 'x-auth-token': token } })).status, 200);
    } finally {
      await v.stop();
    }
  });

  it('waits for a directory that does not exist yet, and says so', async () => {
    const missing = join(root, 'not-yet');
    const v = await view([missing, '--port', '0']);
    try {
      assert.match(v.output(), /not-yet does not exist yet; waiting for it/);
      assert.deepEqual(await (await fetch(new URL('data/runs', v.url))).json(), []);
    } finally {
      await v.stop();
    }
  });

  it('refuses bad flags with a message', () => {
    const r = spawnSync(process.execPath, [cliPath, 'view', join(root, 'a'), '--reload_interval', 'soon'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--reload_interval must be a number of seconds/);
    assert.throws(() => checkSamplesPerPlugin('scalars:5'), /--samples_per_plugin/);
    checkSamplesPerPlugin('scalars=500,images=all');
  });

  it('--help loads none of the server and lists TensorBoard\'s flags', async () => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [cliPath, 'view', '--help'], { encoding: 'utf8' });
    const ms = performance.now() - t0;
    assert.equal(r.status, 0);
    // What the command loads, seen by a module hook: no Fastify, S3 client, database or engine.
    const hook = join(root, 'hook.mjs');
    await writeFile(hook, `export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write('LOAD ' + r.url + '\\n'); return r; }`);
    const reg = join(root, 'register.mjs');
    await writeFile(reg, `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hook).href)});`);
    const traced = spawnSync(process.execPath, ['--import', reg, cliPath, 'view', '--help'], { encoding: 'utf8' });
    const loaded = traced.stderr.split('\n').filter((l) => l.startsWith('LOAD '));
    assert.ok(loaded.length > 3, traced.stderr);
    assert.deepEqual(loaded.filter((l) => /fastify|aws-sdk|better-sqlite3|\/pg\/|swagger|\/dist\/(view|viewer|events)\//.test(l)), []);
    for (const f of ['--logdir ', '--logdir_spec', '--port', '--host', '--bind_all', '--reload_interval', '--samples_per_plugin', '--load_fast', '--open']) assert.ok(r.stdout.includes(f), f);
    // The target is 0.15 s on an idle machine; tests share the CPU, so only a gross regression fails.
    assert.ok(ms < 1500, `vizjobs view --help took ${ms.toFixed(0)} ms`);
  });
});
