import { Injectable, type OnModuleInit } from '@nestjs/common';
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
 * back). Only a member the screen is visible to may ask; requests closer together than 500 ms are
 * acknowledged and merged into the previous one, so a viewer cannot make the agent encode full
 * frames without end.
 */
@Injectable()
export class MediaRefreshHandler implements OnModuleInit {
  private readonly lastAsked = new Map<string, number>();

  constructor(private readonly handlers: HandlerRegistry, private readonly audience: ScreenAudience, private readonly relay: MediaRelay) {}

  onModuleInit(): void {
    this.handlers.on('media.refresh', (conn, d: MediaRefreshDto) => this.refresh(conn, d));
  }

  private async refresh(conn: Connection, d: MediaRefreshDto): Promise<object> {
    const state = this.audience.cached(d.sessionId) ?? (await this.audience.load(d.sessionId));
    if (!state) throw new ProtocolError('UNKNOWN_SESSION', 'no such session');
    if (state.status === 'ended') throw new ProtocolError('SESSION_ENDED', 'the session has ended');
    if (state.members[conn.identity.id] === undefined) throw new ProtocolError('NOT_MEMBER', 'you are not a member of this session');
    if (!this.audience.audienceOf(d.sessionId).has(conn.identity.id)) throw new ProtocolError('SCREEN_NOT_VISIBLE', 'the screen is not shared now');
    const key = `${d.sessionId}|${d.monitor ?? '*'}`;
    const now = Date.now();
    if (now - (this.lastAsked.get(key) ?? -Infinity) >= MIN_INTERVAL_MS) {
      this.lastAsked.set(key, now);
      if (this.lastAsked.size > 10_000) this.lastAsked.clear();
      this.relay.refresh(d.sessionId, d.monitor);
    }
    return { sessionId: d.sessionId };
  }
}
