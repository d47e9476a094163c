import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import type { Connection } from '../connection';
import { SessionFanout } from './session-fanout';
import { SessionIndex } from './session-index';
import { SessionRouter } from './session-router';
import { TokenService } from '../../auth/token.service';
import type { TandemConfig } from '../../config/config.schema';
import { CONFIG } from '../../config/config.token';
import { HandlerRegistry } from '../handler-registry';

/** How long a customer panel link works: a working day. */
const PANEL_TTL_SECONDS = 12 * 3600;

/**
 * `customer.panel`: the agent gets a link to the customer panel for its desktop. The token is a
 * customer token for this agent id: on /ws/console it acts as this desktop's customer and nothing else.
 */
@Injectable()
export class CustomerPanelHandler implements OnModuleInit {
  private readonly logger = new Logger('customer-panel');

  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly tokens: TokenService,
    private readonly router: SessionRouter,
    private readonly index: SessionIndex,
    private readonly fanout: SessionFanout,
    @Inject(CONFIG) private readonly config: TandemConfig,
  ) {}

  onModuleInit(): void {
    // A panel opened while its desktop is already in a session joins that session's stream from the start.
    this.handlers.onOpen((conn) => {
      if (conn.identity.kind === 'customer') void this.joinLive(conn).catch((err: unknown) => this.logger.warn({ err }, `panel join failed ${conn.describe()}`));
    });
    this.handlers.on('customer.panel', async (conn) => {
      const token = await this.tokens.issue({ sub: conn.identity.id, kind: 'customer', role: 'customer', name: conn.identity.name, teams: [] }, PANEL_TTL_SECONDS);
      const base = this.config.node.publicUrl.replace(/\/$/, '');
      return { token, path: `/customer#access_token=${token}`, url: base ? `${base}/customer#access_token=${token}` : null, expiresIn: PANEL_TTL_SECONDS };
    });
  }

  private async joinLive(conn: Connection): Promise<void> {
    const sessionId = await this.index.sessionOfAgent(conn.identity.id);
    if (!sessionId) return;
    const stream = this.fanout.openStream(conn, sessionId, 0);
    try {
      const state = await this.router.query(SESSION, sessionId, (s) => s);
      if (state.status === 'ended' || state.customer?.id !== conn.identity.id || !state.customer.connected) {
        this.fanout.closeStream(conn, sessionId);
        return;
      }
      await stream.catchUp(state);
    } catch (err) {
      this.fanout.closeStream(conn, sessionId);
      throw err;
    }
  }
}

