#!/usr/bin/env node
// `vizjobs`: one binary for the server, the job client and the log inspector. Each command lives
// in src/cli/ and registers itself here.
import { Command } from 'commander';
import { registerServe } from './cli/serve.js';
import { registerJobs } from './cli/jobs.js';
import { registerInspect } from './cli/inspect.js';
import { registerView } from './cli/view.js';

const program = new Command('vizjobs')
  .description('TensorBoard as a service: ModelArts-compatible visualization jobs')
  .showHelpAfterError();
registerServe(program);
registerJobs(program);
registerInspect(program);
registerView(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
