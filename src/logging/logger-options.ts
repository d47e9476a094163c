import type { Params } from 'nestjs-pino';
import type { TandemConfig } from '../config/config.schema';

/**
 * Structured JSON logs by default; readable lines when stdout is a terminal (or log.pretty=true).
 * Every line carries the node id so a cluster's logs can be merged and grepped.
 */
export function loggerOptions(config: TandemConfig, nodeId: string): Params {
  const pretty = config.log.pretty === 'auto' ? Boolean(process.stdout.isTTY) : config.log.pretty;
  return {
    pinoHttp: {
      level: config.log.level,
      base: { node: nodeId },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.query.access_token'],
      transport: pretty ? { target: 'pino-pretty', options: { singleLine: true, colorize: true } } : undefined,
    },
  };
}
