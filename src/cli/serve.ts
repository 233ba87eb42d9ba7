import type { Command } from 'commander';

// Placeholder until this command is built; it exits non-zero so nothing mistakes it for done.
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('not built yet')
    .action(() => {
      console.error('vizjobs serve: not built yet');
      process.exit(2);
    });
}
