import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import { HandlerRegistry } from '../handler-registry';
import type { RecordingStartDto, RecordingStopDto } from './recording.dto';
import { SessionHandlers } from './session.handlers';
import { SessionRouter } from './session-router';

/**
 * recording.start / recording.stop: mapped to the domain's StartRecording / StopRecording (owner only;
 * docs/rules.md REC-*). The resulting RecordingStarted / RecordingStopped events reach everyone in the
 * session, the customer included; the recorder (src/recording) follows the state.
 */
@Injectable()
export class RecordingHandlers implements OnModuleInit {
  constructor(private readonly handlers: HandlerRegistry, private readonly router: SessionRouter, private readonly sessions: SessionHandlers) {}

  onModuleInit(): void {
    this.handlers.on('recording.start', async (conn, d: RecordingStartDto) => {
      const commit = await this.router.ask(SESSION, d.sessionId, { type: 'StartRecording', ...(d.reason?.trim() ? { reason: d.reason } : {}) }, this.sessions.actorOf(conn));
      return { sessionId: d.sessionId, seq: commit.version };
    });
    this.handlers.on('recording.stop', async (conn, d: RecordingStopDto) => {
      const commit = await this.router.ask(SESSION, d.sessionId, { type: 'StopRecording' }, this.sessions.actorOf(conn));
      return { sessionId: d.sessionId, seq: commit.version };
    });
  }
}
