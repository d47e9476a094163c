import { hostname } from 'node:os';
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { type INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from '../app.module';
import { UserDirectory } from '../auth/user-directory';
import type { TandemConfig } from '../config/config.schema';
import { ApiError } from '../http/api-error';
import { ApiExceptionFilter } from '../http/api-exception.filter';
import { TandemWsAdapter } from '../gateways/tandem-ws-adapter';
import { NodeInfo } from './node-info';
import type { Store } from '../cluster/ports';
import { createStore } from '../cluster/create-store';

/** A running node: its address, the Nest app, and an idempotent graceful close. */
export interface RunningNode {
  readonly app: INestApplication;
  readonly info: NodeInfo;
  readonly port: number;
  readonly url: string;
  /** Set when this start created the first admin; shown once in the start banner. */
  readonly initialAdmin: { username: string; password: string } | null;
  close(): Promise<void>;
}

/** What tests (and embedders) may inject: the clock every rule reads, and the store. */
export interface StartOptions {
  clock?: () => number;
  store?: Store;
}

/** Boots a Tandem node on config.node.host:port (port 0 picks a free one). */
export async function startNode(config: TandemConfig, options: StartOptions = {}): Promise<RunningNode> {
  const info = new NodeInfo(config.node.id);
  const clock = options.clock ?? Date.now;
  const store = options.store ?? createStore(config, clock);
  const app = await NestFactory.create(AppModule.register(config, info, store, clock), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useWebSocketAdapter(new TandemWsAdapter(app));
  app.useGlobalFilters(new ApiExceptionFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      exceptionFactory: (errors) => {
        const first = errors[0];
        const why = first ? Object.values(first.constraints ?? {}).join('; ') || `${first.property} is invalid` : 'invalid body';
        return new ApiError(400, 'INVALID_DATA', first ? `${first.property}: ${why}` : why);
      },
    }),
  );
  const initialAdmin = await app.get(UserDirectory).ensureAdmin();
  await app.listen(config.node.port, config.node.host);
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const wildcard = config.node.host === '0.0.0.0' || config.node.host === '::';
  const host = wildcard ? '127.0.0.1' : config.node.host;
  // What the admin console shows for this node: the public URL, else host:port (the machine's name when listening everywhere).
  info.address = config.node.publicUrl || `http://${wildcard ? hostname() : host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    app,
    info,
    port,
    url: `http://${host}:${port}`,
    initialAdmin,
    close: () => {
      closing ??= (async () => {
        info.isDraining = true;
        await app.close();
      })();
      return closing;
    },
  };
}
