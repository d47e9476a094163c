import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Observable } from 'rxjs';

/**
 * Nest's ws adapter, minus its message dispatch: it silently drops bad JSON and unknown events,
 * while our protocol answers each with a stable error code. Our gateways read frames themselves
 * (see ws-connection.ts), so the adapter only owns upgrades, paths and server lifecycle.
 */
export class TandemWsAdapter extends WsAdapter {
  override bindMessageHandlers(_client: unknown, _handlers: MessageMappingProperties[], _transform: (data: unknown) => Observable<unknown>): void {
    // Intentionally empty: see the class comment.
  }
}
