import type { Command } from 'commander';

// Placeholder until this command is built; it exits non-zero so nothing mistakes it for done.
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('not built yet')
    .action(() => {
      console.error('vizjobs inspect: not built yet');
      process.exit(2);
    });
}
