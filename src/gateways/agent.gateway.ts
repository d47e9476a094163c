import { Inject } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import { TokenService } from '../auth/token.service';
import type { TandemConfig } from '../config/config.schema';
import { CONFIG } from '../config/config.token';
import { BaseGateway } from './base.gateway';
import { ConnectionRegistry } from './connection-registry';
import { HandlerRegistry } from './handler-registry';
import { NodeInfo } from '../node/node-info';

/** `/ws/agent`: desktop agents (which also relay their customer's answers). */
@WebSocketGateway({ path: '/ws/agent' })
export class AgentGateway extends BaseGateway {
  protected readonly endpoint = 'agent' as const;

  constructor(@Inject(CONFIG) config: TandemConfig, tokens: TokenService, connections: ConnectionRegistry, registry: HandlerRegistry, node: NodeInfo) {
    super(config, tokens, connections, registry, node);
  }
}
