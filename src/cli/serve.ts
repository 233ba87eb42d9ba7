// `vizjobs serve`: every setting of API.md §5 as a flag named like its variable (friendlier
// aliases too), flags winning over the environment. Prints the admin token only when it has just
// created it (start-up output ends up in logs); on later starts only the file that holds it.
import type { Command } from 'commander';
import { loadConfig, SETTINGS, type Config, type ConfigInput } from '../config.js';

// Friendlier spellings; any setting not listed gets its key in kebab-case.
const ALIASES: Partial<Record<keyof Config, string>> = {
  host: 'host',
  port: 'port',
  dataDir: 'data-dir',
  obsRoot: 'obs-root',
  publicUrl: 'public-url',
  db: 'db',
  tokens: 'tokens',
  runningQuota: 'running-quota',
  jobLimit: 'job-limit',
  s3Endpoint: 's3-endpoint',
  viewerIdleMs: 'viewer-idle-ms',
};

const camel = (s: string): string => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
const alias = (key: keyof Config): string => ALIASES[key] ?? key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

export function registerServe(program: Command): void {
  const cmd = program.command('serve').description('run the vizjobs service (settings: flags, else VIZJOBS_* environment, else embedded defaults)');
  for (const [key, env] of Object.entries(SETTINGS) as [keyof Config, string][]) {
    cmd.option(`--${env} <value>`, `${key} (env ${env})`);
    cmd.option(`--${alias(key)} <value>`, `alias of --${env}`);
  }
  cmd.action(async (opts: Record<string, string | undefined>) => {
    const overrides: ConfigInput = {};
    for (const [key, env] of Object.entries(SETTINGS) as [keyof Config, string][]) {
      overrides[key] = opts[env] ?? opts[camel(alias(key))];
    }
    const config = loadConfig(overrides);
    const explicitPublicUrl = overrides.publicUrl !== undefined || !!process.env.VIZJOBS_PUBLIC_URL;
    // Loaded here, not at the top: `vizjobs jobs …` should not pay for the whole server's imports.
    const { buildFullStack } = await import('../app.js');
    const { built } = await buildFullStack(config);
    const address = await built.app.listen({ host: config.host, port: config.port });
    if (!explicitPublicUrl) {
      const addr = built.app.server.address();
      if (addr && typeof addr === 'object') {
        const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
        config.publicUrl = `http://${host}:${addr.port}`;
      }
    }
    console.log(`vizjobs listening on ${address} (data ${config.dataDir}, object storage ${config.obsRoot})`);
    if (built.adminToken?.created) {
      console.log(`admin token (created ${built.adminToken.path.startsWith('/') ? built.adminToken.path : `in ${built.adminToken.path}`}, valid for every project): ${built.adminToken.token}`);
    } else if (built.adminToken) {
      console.log(`admin token: ${built.adminToken.path}`);
    }
    // The start-up lines above stay plain text (scripts and the first start's token read them);
    // everything after them is the JSON log.
    let metricsServer: import('node:http').Server | undefined;
    if (config.metricsPort) {
      const { metricsServer: startMetrics } = await import('../ops/http.js');
      const m = await startMetrics(built.metrics, config.host, config.metricsPort);
      metricsServer = m.server;
      built.app.log.info({ port: m.port }, `metrics on http://${config.host}:${String(m.port)}/metrics`);
    }
    let closing = false;
    const shutdown = (): void => {
      if (closing) return;
      closing = true;
      metricsServer?.close();
      built.app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
}
