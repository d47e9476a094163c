import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import type { TandemConfig } from '../../config/config.schema';
import { CONFIG } from '../../config/config.token';
import type { SessionEvent } from '../../domain';
import { HandlerRegistry } from '../handler-registry';
import type { ClipboardDto, ClipboardSetDto } from './clipboard.dto';
import { Messenger } from './messenger';
import { SessionHandlers } from './session.handlers';
import { SessionRouter } from './session-router';

/**
 * Clipboard text or PNG images between the member holding control and the customer's desktop. The
 * domain decides (SendClipboard: interact, control, the customer's switch, the size against
 * clipboard.maxBytes) and journals ClipboardSent with direction, type and size; only then is the content
 * relayed, to the one recipient the event names. The content itself is never journaled or logged.
 */
@Injectable()
export class ClipboardHandlers implements OnModuleInit {
  constructor(
    @Inject(CONFIG) private readonly config: TandemConfig,
    private readonly handlers: HandlerRegistry,
    private readonly router: SessionRouter,
    private readonly sessions: SessionHandlers,
    private readonly messenger: Messenger,
  ) {}

  onModuleInit(): void {
    this.handlers.on('clipboard', async (conn, d: ClipboardDto) => {
      const size = d.mime === 'image/png' ? Buffer.byteLength(d.data ?? '', 'base64') : Buffer.byteLength(d.text ?? '', 'utf8');
      const maxBytes = this.config.clipboard.maxBytes;
      const commit = await this.router.ask(SESSION, d.sessionId, { type: 'SendClipboard', mime: d.mime, size, maxBytes }, this.sessions.actorOf(conn));
      const sent = (commit.events as SessionEvent[]).find((e) => e.type === 'ClipboardSent');
      if (sent?.type === 'ClipboardSent') {
        const payload = d.mime === 'image/png' ? { sessionId: d.sessionId, mime: d.mime, data: d.data } : { sessionId: d.sessionId, mime: d.mime, text: d.text };
        if (sent.direction === 'to-customer') this.messenger.send([{ kind: 'agent', id: sent.to }], 'clipboard', payload);
        else this.messenger.send([{ kind: 'person', id: sent.to }], 'clipboard', payload);
      }
      return { sessionId: d.sessionId, seq: commit.version, size };
    });
    this.handlers.on('clipboard.set', async (conn, d: ClipboardSetDto) => {
      const commit = await this.router.ask(SESSION, d.sessionId, { type: 'SetClipboard', enabled: d.enabled }, this.sessions.actorOf(conn));
      return { sessionId: d.sessionId, seq: commit.version, enabled: d.enabled };
    });
  }
}
