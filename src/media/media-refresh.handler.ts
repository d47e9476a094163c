import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Connection } from '../gateways/connection';
import { HandlerRegistry } from '../gateways/handler-registry';
import { ProtocolError } from '../gateways/protocol-error';
import type { MediaRefreshDto } from '../protocol/messages/media.dto';
import { MediaRelay } from './relay';
import { ScreenAudience } from './screen-audience';

/** A viewer's own refresh requests are honoured at most this often per session and monitor. */
const MIN_INTERVAL_MS = 500;

/**
 * `media.refresh`: a viewer asks for a full frame (after a decode error, a resize, a tab brought
 * back, a new monitor layout). Only a member the screen is visible to may ask; a request closer than
 * 500 ms to the previous one is acknowledged and sent once when the 500 ms are over (however many came
 * meanwhile), so a viewer cannot make the agent encode full frames without end and none is lost.
 */
@Injectable()
export class MediaRefreshHandler implements OnModuleInit, OnModuleDestroy {
  private readonly lastAsked = new Map<string, number>();
  /** A trailing refresh per session and monitor, due when its interval is over. */
  private readonly trailing = new Map<string, NodeJS.Timeout>();

  constructor(private readonly handlers: HandlerRegistry, private readonly audience: ScreenAudience, private readonly relay: MediaRelay) {}

  onModuleInit(): void {
    this.handlers.on('media.refresh', (conn, d: MediaRefreshDto) => this.refresh(conn, d));
  }

  private async refresh(conn: Connection, d: MediaRefreshDto): Promise<object> {
    await this.audience.memberState(d.sessionId, conn.identity.id);
    if (!this.audience.audienceOf(d.sessionId).has(conn.identity.id)) throw new ProtocolError('SCREEN_NOT_VISIBLE', 'the screen is not shared now');
    const key = `${d.sessionId}|${d.monitor ?? '*'}`;
    const now = Date.now();
    const wait = (this.lastAsked.get(key) ?? -Infinity) + MIN_INTERVAL_MS - now;
    if (wait <= 0) this.send(key, d.sessionId, d.monitor, now);
    else if (!this.trailing.has(key)) {
      const timer = setTimeout(() => {
        this.trailing.delete(key);
        // Only while someone still sees the screen (a mode change meanwhile sends its own refresh).
        if (this.audience.audienceOf(d.sessionId).size > 0) this.send(key, d.sessionId, d.monitor, Date.now());
      }, wait);
      timer.unref();
      this.trailing.set(key, timer);
    }
    return { sessionId: d.sessionId };
  }

  private send(key: string, sessionId: string, monitor: number | undefined, now: number): void {
    this.lastAsked.set(key, now);
    if (this.lastAsked.size > 10_000) {
      for (const [k, at] of this.lastAsked) if (now - at >= MIN_INTERVAL_MS) this.lastAsked.delete(k);
    }
    this.relay.refresh(sessionId, monitor);
  }

  onModuleDestroy(): void {
    for (const t of this.trailing.values()) clearTimeout(t);
    this.trailing.clear();
  }
}
