import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AuthController } from './auth/auth.controller';
import { TokenService } from './auth/token.service';
import { UserDirectory } from './auth/user-directory';
import type { TandemConfig } from './config/config.schema';
import { CONFIG } from './config/config.token';
import { HealthController } from './health/health.controller';
import { AgentGateway } from './gateways/agent.gateway';
import { ConnectionRegistry } from './gateways/connection-registry';
import { ConsoleGateway } from './gateways/console.gateway';
import { HandlerRegistry } from './gateways/handler-registry';
import { PingHandler } from './gateways/ping.handler';
import { loggerOptions } from './logging/logger-options';
import { NodeInfo } from './node/node-info';
import { READINESS_CHECKS, type ReadinessCheck } from './node/readiness';

/** The whole node, built from one validated config. */
@Module({})
export class AppModule {
  static register(config: TandemConfig, info: NodeInfo): DynamicModule {
    const draining: ReadinessCheck = {
      name: 'draining',
      check: async () => ({ ok: !info.isDraining, detail: info.isDraining ? 'node is draining' : undefined }),
    };
    const providers: Provider[] = [
      { provide: CONFIG, useValue: config },
      { provide: NodeInfo, useValue: info },
      { provide: UserDirectory, useFactory: () => new UserDirectory(config) },
      { provide: TokenService, useFactory: () => new TokenService(config) },
      { provide: READINESS_CHECKS, useValue: [draining] },
      ConnectionRegistry,
      HandlerRegistry,
    ];
    return {
      module: AppModule,
      imports: [LoggerModule.forRoot(loggerOptions(config, info.id))],
      controllers: [HealthController, AuthController],
      providers: [...providers, ConsoleGateway, AgentGateway, PingHandler],
      exports: providers,
    };
  }
}
