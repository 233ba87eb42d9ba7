// `node dist/web-static/dev-server.js`: runs the full stack (buildFullStack) with the §5 settings
// from the environment, on VIZJOBS_PORT (0 = any free port), printing the URL and admin token.
// Used by the e2e test while `vizjobs serve` does not yet mount the web UI.
import { loadConfig } from '../config.js';
import { buildFullStack } from './full-stack.js';

const config = loadConfig();
const stack = await buildFullStack(config);
const address = await stack.built.app.listen({ host: config.host, port: config.port });
if (!process.env.VIZJOBS_PUBLIC_URL) config.publicUrl = address;
console.log(`vizjobs listening on ${address} (data ${config.dataDir}, object storage ${config.obsRoot})`);
if (stack.built.adminToken) console.log(`admin token: ${stack.built.adminToken.token}`);
const stop = (): void => {
  stack.close().then(() => process.exit(0), () => process.exit(1));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
