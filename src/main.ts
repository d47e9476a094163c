import 'reflect-metadata';
import { ConfigError } from './config/config-error';
import { loadConfig } from './config/load-config';
import type { TandemConfig } from './config/config.schema';
import { startNode } from './node/start-node';

/** `npm start`: one node; the embedded in-memory store unless Redis is configured. */
async function main(): Promise<void> {
  let config: TandemConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const node = await startNode(config);
  const store = config.store.redis.url || config.store.redis.sentinels.length > 0 ? 'redis' : 'embedded in-memory';
  const lines = [
    `Tandem ${node.info.version} node ${node.info.id} listening on ${node.url} (store: ${store})`,
    `  people: ${node.url.replace(/^http/, 'ws')}/ws/console   agents: ${node.url.replace(/^http/, 'ws')}/ws/agent   login: POST ${node.url}/api/auth/login`,
  ];
  if (node.initialAdmin) {
    lines.push(`  first start: created user "${node.initialAdmin.username}" with password ${node.initialAdmin.password}`);
    lines.push('  (shown once; change it with `npm run user:add -- --username admin --role admin`)');
  }
  process.stderr.write(lines.join('\n') + '\n');

  let signals = 0;
  const shutdown = (signal: string): void => {
    signals += 1;
    if (signals > 1) process.exit(1);
    process.stderr.write(`${signal}: draining and shutting down\n`);
    const deadline = setTimeout(() => {
      process.stderr.write(`shutdown took longer than ${config.node.shutdownTimeoutMs} ms; exiting\n`);
      process.exit(1);
    }, config.node.shutdownTimeoutMs);
    deadline.unref();
    node.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
