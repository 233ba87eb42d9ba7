// `vizjobs view LOGDIR…`: TensorBoard's own command without Python. The flags are TensorBoard's
// spelling where they mean something here; the server is loaded only when the command runs, so
// `vizjobs view --help` (and every other command) pays for none of it.
import type { Command } from 'commander';

export interface ViewFlags {
  logdir?: string;
  logdir_spec?: string;
  port?: string;
  host?: string;
  bind_all?: boolean;
  reload_interval?: string;
  samples_per_plugin?: string;
  load_fast?: string | boolean;
  token?: string;
  open?: boolean;
}

function int(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return n;
}

/** `scalars=500,images=0`: checked for shape only (vizjobs keeps every sample, see the note printed). */
export function checkSamplesPerPlugin(spec: string): void {
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    if (!/^\s*[A-Za-z0-9_]+\s*=\s*(all|\d+)\s*$/.test(part)) throw new Error(`--samples_per_plugin: expected plugin=N[,plugin=N…] ("all" allowed), got ${JSON.stringify(part)}`);
  }
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url];
  void import('node:child_process').then(({ spawn }) => {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => process.stderr.write(`vizjobs view: could not open a browser (${cmd}); open ${url}\n`));
    child.unref();
  });
}

export async function runView(logdirArgs: string[], flags: ViewFlags, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<{ close(): Promise<void> }> {
  const { parseLogdirSpec, nameEntries, missingLocal } = await import('../view/locate.js');
  const positional = [...logdirArgs, ...(flags.logdir !== undefined ? [flags.logdir] : [])];
  if (flags.logdir_spec !== undefined && positional.length > 0) throw new Error('give either LOGDIR arguments / --logdir or --logdir_spec, not both');
  const entries =
    flags.logdir_spec !== undefined
      ? parseLogdirSpec(flags.logdir_spec)
      : nameEntries(positional.map((path) => ({ name: undefined, path })));
  if (entries.length === 0) throw new Error('no log directory: vizjobs view LOGDIR [LOGDIR…] (or --logdir / --logdir_spec)');
  if (flags.samples_per_plugin !== undefined) {
    checkSamplesPerPlugin(flags.samples_per_plugin);
    out('vizjobs view: --samples_per_plugin accepted and not needed: vizjobs keeps every sample and downsamples each answer instead (first, last, min and max of each bucket are kept).');
  }
  // --load_fast chooses TensorBoard's Rust data server; this engine is the only one, so any value does.
  const host = flags.bind_all ? '0.0.0.0' : (flags.host ?? '127.0.0.1');
  const port = flags.port !== undefined ? int('port', flags.port, 0, 65535) : undefined;
  const reload = flags.reload_interval !== undefined ? Number(flags.reload_interval) : undefined;
  if (reload !== undefined && !(Number.isFinite(reload) && reload >= 0)) throw new Error(`--reload_interval must be a number of seconds ≥ 0, got ${JSON.stringify(flags.reload_interval)}`);
  for (const path of missingLocal(entries)) out(`vizjobs view: ${path} does not exist yet; waiting for it (its runs appear once training writes there).`);

  const { startViewServer } = await import('../view/server.js');
  const server = await startViewServer({
    logdirs: entries,
    host,
    port,
    // TensorBoard's 0 means "load once": an interval no view reaches.
    reloadIntervalS: reload === 0 ? Number.MAX_SAFE_INTEGER / 1000 : reload,
    token: flags.token,
  });
  if (server.portTaken !== undefined) out(`vizjobs view: port ${server.portTaken} is in use; serving on ${server.port} instead.`);
  const url = server.token ? `${server.url}?token=${server.token}` : server.url;
  if (server.token) out(`vizjobs view: bound to ${server.host}, so requests need the token ${server.token} (X-Auth-Token header, or open the URL below once).`);
  out(`vizjobs view serving ${url} (Press CTRL+C to quit)`);
  if (flags.open) openBrowser(url);
  return server;
}

export function registerView(program: Command): void {
  program
    .command('view')
    .description("serve TensorBoard's viewer for local directories or s3:// / obs:// URLs (like `tensorboard --logdir`, no Python)")
    .argument('[logdirs...]', 'log directories; several are shown like --logdir_spec, named after their last path segment')
    .option('--logdir <path>', "TensorBoard's spelling of a LOGDIR argument")
    .option('--logdir_spec <spec>', 'name1:path1,name2:path2 — runs are shown as name1/run, name2/run')
    .option('--port <n>', 'port (default 6006; when taken, the next free one is used)')
    .option('--host <addr>', 'address to bind (default 127.0.0.1; beyond loopback a token is required)')
    .option('--bind_all', 'bind every interface (0.0.0.0); a token is required and printed')
    .option('--reload_interval <s>', 'seconds between reloads while someone is looking (default 5; 0 = load once)')
    .option('--samples_per_plugin <spec>', 'accepted for compatibility: vizjobs keeps every sample')
    .option('--load_fast [mode]', 'accepted for compatibility (no-op)')
    .option('--token <token>', 'the token to require beyond loopback (default: a random one)')
    .option('--open', 'open the viewer in a browser')
    .addHelpText('after', '\nS3 / OBS: VIZJOBS_S3_ENDPOINT, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION, VIZJOBS_S3_CONFIG, as for `vizjobs serve`.')
    .action(async (logdirs: string[], flags: ViewFlags) => {
      const server = await runView(logdirs, flags);
      const stop = (): void => {
        void server.close().finally(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
