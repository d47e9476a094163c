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

  private readonly observers: ((event: string, ms: number, ok: boolean) => void)[] = [];

  on(event: string, handler: EventHandler): void {
    if (this.handlers.has(event)) throw new Error(`handler for ${event} registered twice`);
    // Timed for metrics: how long each command took from dispatch to its answer.
    const timed: EventHandler = async (conn, data, envelope) => {
      const start = process.hrtime.bigint();
      let ok = false;
      try {
        const result = await handler(conn, data, envelope);
        ok = true;
        return result;
      } finally {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        for (const o of this.observers) o(event, ms, ok);
      }
    };
    this.handlers.set(event, timed);
  }

  /** Called after every handled command with its duration and whether it succeeded. */
  onHandled(observer: (event: string, ms: number, ok: boolean) => void): void {
    this.observers.push(observer);
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
