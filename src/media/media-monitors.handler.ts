import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Connection } from '../gateways/connection';
import { HandlerRegistry } from '../gateways/handler-registry';
import type { MediaMonitorsDto } from '../protocol/messages/media.dto';
import { MediaRelay } from './relay';
import { ScreenAudience } from './screen-audience';

/**
 * `media.monitors`: a viewer connection says which monitors of a session it shows (a cockpit tab on
 * "Screen 2", a monitor in its own window); the relay sends it the frames of those only, so a tab
 * on one monitor of three does not carry the other two. Omitted: every monitor again. Whether the
 * screen may be seen at all stays the audience's decision; this only narrows what is sent.
 */
@Injectable()
export class MediaMonitorsHandler implements OnModuleInit {
  constructor(private readonly handlers: HandlerRegistry, private readonly audience: ScreenAudience, private readonly relay: MediaRelay) {}

  onModuleInit(): void {
    this.handlers.on('media.monitors', (conn, d: MediaMonitorsDto) => this.choose(conn, d));
  }

  private async choose(conn: Connection, d: MediaMonitorsDto): Promise<object> {
    await this.audience.memberState(d.sessionId, conn.identity.id);
    const monitors = d.monitors === undefined ? null : [...new Set(d.monitors)].sort((a, b) => a - b);
    this.relay.showMonitors(conn, d.sessionId, monitors);
    return { sessionId: d.sessionId, monitors };
  }
}
