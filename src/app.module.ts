import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { adminControllers, adminProviders } from './admin/admin.providers';
import { AuthController } from './auth/auth.controller';
import { EnrollController } from './auth/enroll.controller';
import { ChatController } from './auth/chat.controller';
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
import type { Store } from './cluster/ports';
import { realtimeProviders } from './gateways/sessions/realtime.providers';
import { mediaProviders } from './media/media.providers';
import { recordingControllers, recordingProviders } from './recording/recording.providers';
import type { Clock } from './gateways/sessions/tokens';
import { WebController } from './web/web.controller';

/** The whole node, built from one validated config. */
@Module({})
export class AppModule {
  static register(config: TandemConfig, info: NodeInfo, store: Store, clock: Clock): DynamicModule {
    const draining: ReadinessCheck = {
      name: 'draining',
      check: async () => ({ ok: !info.isDraining, detail: info.isDraining ? 'node is draining' : undefined }),
    };
    const storeCheck: ReadinessCheck = {
      name: 'store',
      check: async () => {
        try {
          await store.ping();
          return { ok: true, detail: store.kind };
        } catch (err) {
          return { ok: false, detail: `${store.kind} store unreachable: ${(err as Error).message}` };
        }
      },
    };
    const providers: Provider[] = [
      { provide: CONFIG, useValue: config },
      { provide: NodeInfo, useValue: info },
      { provide: UserDirectory, useFactory: () => new UserDirectory(config) },
      { provide: TokenService, useFactory: () => new TokenService(config) },
      { provide: READINESS_CHECKS, useValue: [draining, storeCheck] },
      ConnectionRegistry,
      HandlerRegistry,
    ];
    return {
      module: AppModule,
      imports: [LoggerModule.forRoot(loggerOptions(config, info.id))],
      controllers: [HealthController, AuthController, EnrollController, ChatController, ...adminControllers, ...recordingControllers, WebController],
      providers: [...providers, ...realtimeProviders(config, store, clock), ...mediaProviders(), ...recordingProviders(config), ...adminProviders, ConsoleGateway, AgentGateway, PingHandler],
      exports: providers,
    };
  }
}
