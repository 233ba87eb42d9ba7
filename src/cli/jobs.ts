import type { Command } from 'commander';

// Placeholder until this command is built; it exits non-zero so nothing mistakes it for done.
export function registerJobs(program: Command): void {
  program
    .command('jobs')
    .description('not built yet')
    .action(() => {
      console.error('vizjobs jobs: not built yet');
      process.exit(2);
    });
}
