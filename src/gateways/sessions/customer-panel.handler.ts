import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
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
  constructor(private readonly handlers: HandlerRegistry, private readonly tokens: TokenService, @Inject(CONFIG) private readonly config: TandemConfig) {}

  onModuleInit(): void {
    this.handlers.on('customer.panel', async (conn) => {
      const token = await this.tokens.issue({ sub: conn.identity.id, kind: 'customer', role: 'customer', name: conn.identity.name, teams: [] }, PANEL_TTL_SECONDS);
      const base = this.config.node.publicUrl.replace(/\/$/, '');
      return { token, path: `/customer#access_token=${token}`, url: base ? `${base}/customer#access_token=${token}` : null, expiresIn: PANEL_TTL_SECONDS };
    });
  }
}
