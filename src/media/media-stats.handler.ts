import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Connection } from '../gateways/connection';
import { HandlerRegistry } from '../gateways/handler-registry';
import { ProtocolError } from '../gateways/protocol-error';
import type { MediaStatsDto } from '../protocol/messages/media.dto';
import { MediaRelay } from './relay';
import { ScreenAudience } from './screen-audience';

/**
 * `media.stats`: the agent's capture report. Accepted only from the session's own agent; kept by the
 * relay of the node it is connected to (the node that adapts it), shown to viewers and admins and
 * summed into /metrics.
 */
@Injectable()
export class MediaStatsHandler implements OnModuleInit {
  constructor(private readonly handlers: HandlerRegistry, private readonly audience: ScreenAudience, private readonly relay: MediaRelay) {}

  onModuleInit(): void {
    this.handlers.on('media.stats', (conn, d: MediaStatsDto) => this.stats(conn, d));
  }

  private async stats(conn: Connection, d: MediaStatsDto): Promise<object> {
    const state = this.audience.cached(d.sessionId) ?? (await this.audience.load(d.sessionId));
    if (!state) throw new ProtocolError('UNKNOWN_SESSION', 'no such session');
    if (state.agentId !== conn.identity.id) throw new ProtocolError('FORBIDDEN', 'stats for a session that is not this agent\'s');
    this.relay.noteAgentStats(d.sessionId, {
      fps: d.fps, bitsPerSecond: d.bitsPerSecond, captureMs: d.captureMs, encodeMs: d.encodeMs, quality: d.quality, maxFps: d.maxFps, level: d.level, at: Date.now(),
    });
    return { sessionId: d.sessionId };
  }
}
