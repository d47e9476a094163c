import { Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import type { WebSocketServer } from 'ws';
import type { TokenService } from '../auth/token.service';
import type { TandemConfig } from '../config/config.schema';
import { CLOSE_CODES } from '../protocol/close-codes';
import { Connection, type Endpoint } from './connection';
import type { ConnectionRegistry } from './connection-registry';
import { attachPipeline } from './frame-pipeline';
import type { HandlerRegistry } from './handler-registry';
import type { NodeInfo } from '../node/node-info';
import { authenticateUpgrade, IDENTITY, type AuthedRequest } from './upgrade-auth';

/** ws's own hard limit; frames between our configured limit and this get PAYLOAD_TOO_LARGE and the connection lives. */
const HARD_MAX_PAYLOAD_FACTOR = 8;

/** What /ws/console and /ws/agent share: authenticated upgrade, pipeline, registry, going-away on shutdown. */
export abstract class BaseGateway {
  protected abstract readonly endpoint: Endpoint;
  protected readonly logger = new Logger('ws');

  constructor(
    protected readonly config: TandemConfig,
    protected readonly tokens: TokenService,
    protected readonly connections: ConnectionRegistry,
    protected readonly registry: HandlerRegistry,
    protected readonly node: NodeInfo,
  ) {}

  afterInit(server: WebSocketServer): void {
    // Nest builds the server from static decorator options; the checks below need config and the
    // token service, and ws reads both options at upgrade time.
    const options = server.options as WebSocketServer['options'] & { verifyClient?: unknown };
    options.maxPayload = this.config.ws.maxPayloadBytes * HARD_MAX_PAYLOAD_FACTOR;
    options.verifyClient = (info: { req: IncomingMessage }, cb: (ok: boolean, code?: number, message?: string) => void) => {
      // A draining node takes no new connections; the load balancer sends the retry elsewhere.
      if (this.node.isDraining) return cb(false, 503, 'Draining');
      authenticateUpgrade(info.req, this.tokens, this.endpoint).then(
        (identity) => {
          if (!identity) return cb(false, 401, 'Unauthorized');
          (info.req as AuthedRequest)[IDENTITY] = identity;
          cb(true);
        },
        () => cb(false, 401, 'Unauthorized'),
      );
    };
  }

  handleConnection(ws: WebSocket, req: AuthedRequest): void {
    const identity = req[IDENTITY];
    if (!identity) {
      ws.close(CLOSE_CODES.TOKEN_EXPIRED, 'unauthenticated');
      return;
    }
    const conn = new Connection(ws, this.endpoint, identity);
    this.connections.add(conn);
    attachPipeline(conn, {
      maxPayloadBytes: this.config.ws.maxPayloadBytes,
      messagesPerSecond: this.config.ws.rateLimit.messagesPerSecond,
      burst: this.config.ws.rateLimit.burst,
      framesPerSecond: this.config.ws.rateLimit.framesPerSecond,
      frameBurst: this.config.ws.rateLimit.frameBurst,
      heartbeatMs: this.config.ws.heartbeatMs,
      handlers: this.registry.handlers,
      onBinary: this.endpoint === 'agent' ? this.registry.binary : undefined,
      onClose: (c) => {
        this.connections.remove(c);
        this.registry.closed(c);
      },
    });
    this.registry.opened(conn);
  }

  /** On shutdown: tell every client to reconnect elsewhere (1001 going away). */
  beforeApplicationShutdown(): void {
    for (const conn of this.connections.list()) {
      if (conn.endpoint === this.endpoint) conn.close(CLOSE_CODES.GOING_AWAY, 'node shutting down');
    }
  }
}
