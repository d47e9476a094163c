import { Inject } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import { TokenService } from '../auth/token.service';
import type { TandemConfig } from '../config/config.schema';
import { CONFIG } from '../config/config.token';
import { BaseGateway } from './base.gateway';
import { ConnectionRegistry } from './connection-registry';
import { HandlerRegistry } from './handler-registry';
import { NodeInfo } from '../node/node-info';

/** `/ws/console`: technicians, supervisors, admins, and customer panels. */
@WebSocketGateway({ path: '/ws/console' })
export class ConsoleGateway extends BaseGateway {
  protected readonly endpoint = 'console' as const;

  constructor(@Inject(CONFIG) config: TandemConfig, tokens: TokenService, connections: ConnectionRegistry, registry: HandlerRegistry, node: NodeInfo) {
    super(config, tokens, connections, registry, node);
  }
}
