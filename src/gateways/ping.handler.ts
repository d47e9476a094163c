import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { PingDto } from '../protocol/messages/common';
import { HandlerRegistry } from './handler-registry';

/** `ping {t}` → ack `{t, serverTime}`: lets clients measure round-trip time. */
@Injectable()
export class PingHandler implements OnModuleInit {
  constructor(private readonly registry: HandlerRegistry) {}

  onModuleInit(): void {
    this.registry.on('ping', (_conn, data: PingDto) => ({ t: data.t ?? null, serverTime: Date.now() }));
  }
}
