// `vizjobs jobs …`: a client of the job API usable against any endpoint (ours or ModelArts').
// Endpoint, token and project come from flags or VIZJOBS_ENDPOINT / VIZJOBS_TOKEN /
// VIZJOBS_PROJECT. Exit code 1 with `CODE: message` on an API error; --json prints bodies as-is.
import type { Command } from 'commander';
import { keyValues, table } from './output.js';

interface ClientOpts {
  endpoint?: string;
  token?: string;
  project?: string;
  json?: boolean;
}

class CliError extends Error {}

async function call(opts: ClientOpts, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const endpoint = (opts.endpoint ?? process.env.VIZJOBS_ENDPOINT ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const token = opts.token ?? process.env.VIZJOBS_TOKEN;
  const project = opts.project ?? process.env.VIZJOBS_PROJECT;
  if (!project) throw new CliError('no project: pass --project or set VIZJOBS_PROJECT');
  const headers: Record<string, string> = {};
  if (token) headers['x-auth-token'] = token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${endpoint}/v1/${encodeURIComponent(project)}/visualization-jobs${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new CliError(`cannot reach ${endpoint}: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`);
  }
  const text = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new CliError(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  }
  if (opts.json) console.log(JSON.stringify(parsed, null, 2));
  if (parsed.is_success !== true) {
    if (opts.json) process.exitCode = 1;
    else throw new CliError(`${String(parsed.error_code)}: ${String(parsed.error_message)}`);
  }
  return parsed;
}

function jobId(raw: string): string {
  if (!/^[0-9]+$/.test(raw)) throw new CliError(`job id must be a number, got ${JSON.stringify(raw)}`);
  return raw;
}

const JOB_COLUMNS = ['job_id', 'job_name', 'status', 'duration', 'train_url', 'service_url'];

export function registerJobs(program: Command): void {
  const jobs = program
    .command('jobs')
    .description('manage visualization jobs on an endpoint')
    .option('--endpoint <url>', 'service base URL (env VIZJOBS_ENDPOINT, default http://127.0.0.1:8080)')
    .option('--token <token>', 'X-Auth-Token (env VIZJOBS_TOKEN)')
    .option('--project <id>', 'project id (env VIZJOBS_PROJECT)')
    .option('--json', 'print the API response as JSON');
  const o = (): ClientOpts => jobs.opts<ClientOpts>();
  const run = (fn: (...args: string[]) => Promise<void>) => async (...args: unknown[]) => {
    try {
      await fn(...(args.filter((a) => typeof a === 'string') as string[]));
    } catch (err) {
      if (err instanceof CliError) {
        console.error(err.message);
        process.exitCode = 1;
      } else throw err;
    }
  };

  jobs
    .command('create')
    .description('create a job')
    .requiredOption('--name <name>', 'job_name: 1-20 of A-Z a-z 0-9 _ -')
    .requiredOption('--train-url <url>', 'train_url: /bucket/dir/, obs://bucket/dir/ or s3://bucket/dir/')
    .option('--desc <text>', 'job_desc')
    .option('--type <type>', 'job_type: tensorboard or mindinsight')
    .option('--stop-after <hours>', 'auto-stop after this many hours RUNNING (0-24)')
    .action(
      run(async () => {
        const c = jobs.commands.find((x) => x.name() === 'create')?.opts<{ name: string; trainUrl: string; desc?: string; type?: string; stopAfter?: string }>();
        if (!c) return;
        const body: Record<string, unknown> = { job_name: c.name, train_url: c.trainUrl };
        if (c.desc !== undefined) body.job_desc = c.desc;
        if (c.type !== undefined) body.job_type = c.type;
        if (c.stopAfter !== undefined) body.schedule = { type: 'stop', time_unit: 'HOURS', duration: Number(c.stopAfter) };
        const r = await call(o(), 'POST', '', body);
        if (!o().json) console.log(keyValues({ job_id: r.job_id, job_name: r.job_name, status: r.status, service_url: r.service_url }));
      }),
    );

  jobs
    .command('list')
    .description('list jobs')
    .option('--status <s>', 'status filter, e.g. 8 or 3|5|6')
    .option('--per-page <n>', 'page size 1-1000')
    .option('--page <n>', 'page number from 1')
    .option('--sort-by <key>', 'job_id, job_name, job_desc, create_time or status')
    .option('--order <order>', 'asc or desc')
    .option('--search <text>', 'substring of the job name')
    .action(
      run(async () => {
        const c = jobs.commands.find((x) => x.name() === 'list')?.opts<Record<string, string | undefined>>() ?? {};
        const q = new URLSearchParams();
        const map: Record<string, string> = { status: 'status', perPage: 'per_page', page: 'page', sortBy: 'sortBy', order: 'order', search: 'search_content' };
        for (const [k, param] of Object.entries(map)) if (c[k] !== undefined) q.set(param, String(c[k]));
        const qs = q.toString();
        const r = await call(o(), 'GET', qs ? `?${qs}` : '');
        if (o().json) return;
        const list = (r.jobs as Record<string, unknown>[]) ?? [];
        console.log(list.length ? table(list, JOB_COLUMNS) : 'no jobs');
        console.log(`\n${list.length} of ${String(r.job_total_count)} jobs; running quota ${String(r.quotas)}; ${String(r.job_count_limit)} more may be created`);
      }),
    );

  jobs
    .command('show <job_id>')
    .description('show one job')
    .action(
      run(async (id) => {
        const r = await call(o(), 'GET', `/${jobId(id)}`);
        if (!o().json) {
          const { is_success: _ok, ...job } = r;
          console.log(keyValues(job));
        }
      }),
    );

  jobs
    .command('update <job_id>')
    .description('change the description')
    .requiredOption('--desc <text>', 'new job_desc (0-256 characters)')
    .action(
      run(async (id) => {
        const c = jobs.commands.find((x) => x.name() === 'update')?.opts<{ desc: string }>();
        await call(o(), 'PUT', `/${jobId(id)}`, { job_desc: c?.desc ?? '' });
        if (!o().json) console.log(`job ${id}: description updated`);
      }),
    );

  for (const [name, method, suffix, what] of [
    ['stop', 'POST', '/stop', 'stopping (9 KILLING, then 12 KILLED)'],
    ['restart', 'POST', '/restart', 'restarting (1 INIT, then 8 RUNNING)'],
    ['delete', 'DELETE', '', 'deleting (9 KILLING, then gone)'],
  ] as const) {
    jobs
      .command(`${name} <job_id>`)
      .description(`${name} a job`)
      .action(
        run(async (id) => {
          await call(o(), method, `/${jobId(id)}${suffix}`);
          if (!o().json) console.log(`job ${id}: ${what}`);
        }),
      );
  }
}
