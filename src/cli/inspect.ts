// `vizjobs inspect LOGDIR`: what `tensorboard --inspect` shows, plus the problems the engine found
// (bad CRCs, corrupt lengths, undecodable records); `--json` for scripts. LOGDIR is a local
// directory read through LocalStorage, the same path the viewer takes for object storage.
import type { Command } from 'commander';
import { resolve } from 'node:path';

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('list runs, tags by kind, step ranges, counts and problems of a TensorBoard or MindSpore summary log directory')
    .argument('<logdir>', 'local log directory')
    .option('--json', 'print a JSON report')
    .option('--no-verify', 'skip CRC-32C verification')
    .action(async (dir: string, opts: { json?: boolean; verify: boolean }) => {
      const started = performance.now();
      // Loaded here: registering the command (every `vizjobs …` start) must not load the engine.
      const [{ LocalStorage }, { openLogdir }, { formatInspect, inspectLogdir }] = await Promise.all([
        import('../storage/local.js'),
        import('../events/index.js'),
        import('../events/inspect.js'),
      ]);
      const logdir = openLogdir({ storage: new LocalStorage(resolve(dir)), prefix: '' }, { verifyChecksums: opts.verify });
      await logdir.reload();
      const report = inspectLogdir(logdir, performance.now() - started);
      process.stdout.write(opts.json ? JSON.stringify(report) + '\n' : formatInspect(report));
    });
}
