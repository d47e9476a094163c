import { Injectable } from '@nestjs/common';
import type { Connection } from './connection';
import type { BinaryHandler, EventHandler } from './frame-pipeline';

/**
 * Where feature modules (sessions, presence, media…) plug their event handlers in. The gateways
 * read it; they never know what a handler does.
 */
@Injectable()
export class HandlerRegistry {
  readonly handlers = new Map<string, EventHandler>();
  binary?: BinaryHandler;
  private readonly closeHooks: ((conn: Connection) => void)[] = [];
  private readonly openHooks: ((conn: Connection) => void)[] = [];

  on(event: string, handler: EventHandler): void {
    if (this.handlers.has(event)) throw new Error(`handler for ${event} registered twice`);
    this.handlers.set(event, handler);
  }

  onBinary(handler: BinaryHandler): void {
    this.binary = handler;
  }

  onOpen(hook: (conn: Connection) => void): void {
    this.openHooks.push(hook);
  }

  onClose(hook: (conn: Connection) => void): void {
    this.closeHooks.push(hook);
  }

  opened(conn: Connection): void {
    for (const hook of this.openHooks) hook(conn);
  }

  closed(conn: Connection): void {
    for (const hook of this.closeHooks) hook(conn);
  }
}
