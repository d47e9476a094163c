import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SESSION } from '../actors/aggregates/session.aggregate';
import { requireBearer } from '../auth/http-auth';
import { TokenService } from '../auth/token.service';
import type { ActorRef, SessionState } from '../domain';
import { ProtocolError } from '../gateways/protocol-error';
import { SessionRouter } from '../gateways/sessions/session-router';
import { ApiError } from '../http/api-error';
import { ID_PATTERN } from '../protocol/messages/common';
import { SessionRecorder } from '../recording/session-recorder';
import { AuditRecorder } from './audit-recorder';

const ADMIN = ['admin'];
const STAFF = ['technician', 'supervisor', 'admin'];

/**
 * Session recordings over HTTP (docs/recording.md): the list and the single-file export for admins
 * (`/api/admin/recordings…`), and the export for the session's owner (`/api/recordings/:sessionId`).
 * Every export is written to the audit log.
 */
@Controller('api')
export class RecordingsController {
  constructor(
    private readonly tokens: TokenService,
    private readonly recorder: SessionRecorder,
    private readonly router: SessionRouter,
    private readonly audit: AuditRecorder,
  ) {}

  @Get('admin/recordings')
  async list(@Req() req: Request): Promise<object> {
    await requireBearer(req, this.tokens, ADMIN);
    const metas = await this.recorder.store.list();
    return {
      recordings: metas.map((m) => ({
        sessionId: m.sessionId, startedAt: m.startedAt, lastAt: m.lastAt, durationMs: Math.max(0, m.lastAt - m.startedAt),
        bytes: m.bytes, frames: m.frames, events: m.events, full: m.full, recordingHere: this.recorder.isRecordingHere(m.sessionId),
      })),
    };
  }

  @Get('admin/recordings/:sessionId')
  async adminExport(@Param('sessionId') sessionId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const claims = await requireBearer(req, this.tokens, ADMIN);
    await this.send(sessionId, { kind: 'admin', id: claims.sub, name: claims.name }, res);
  }

  /** The owner of the session (and admins) may export its recording. */
  @Get('recordings/:sessionId')
  async ownerExport(@Param('sessionId') sessionId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const claims = await requireBearer(req, this.tokens, STAFF);
    if (!ID_PATTERN.test(sessionId)) throw new ApiError(400, 'INVALID_DATA', 'sessionId must be an id');
    if (claims.role !== 'admin') {
      let ownerId: string | null;
      try {
        ownerId = await this.router.query(SESSION, sessionId, (s: SessionState) => s.ownerId);
      } catch (err) {
        throw err instanceof ProtocolError && err.code === 'UNKNOWN_SESSION' ? new ApiError(404, 'UNKNOWN_SESSION', 'no such session') : err;
      }
      if (ownerId !== claims.sub) throw new ApiError(403, 'NOT_OWNER', 'only the session owner (or an admin) may export its recording');
    }
    await this.send(sessionId, { kind: claims.role === 'admin' ? 'admin' : 'technician', id: claims.sub, name: claims.name }, res);
  }

  private async send(sessionId: string, who: ActorRef, res: Response): Promise<void> {
    if (!ID_PATTERN.test(sessionId)) throw new ApiError(400, 'INVALID_DATA', 'sessionId must be an id');
    // A recording still being written here is exported up to its last queued record.
    await this.recorder.flush(sessionId);
    const stream = await this.recorder.store.open(sessionId);
    if (!stream) throw new ApiError(404, 'UNKNOWN_RECORDING', 'no recording of this session');
    await this.audit.admin(who, 'RecordingExported', {}, sessionId);
    res.status(200);
    res.setHeader('content-type', 'application/vnd.tandem.recording');
    res.setHeader('content-disposition', `attachment; filename="tandem-${sessionId.replace(/[^A-Za-z0-9_.-]/g, '_')}.trec"`);
    res.setHeader('cache-control', 'no-store');
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      res.on('close', () => resolve());
      stream.pipe(res);
    }).catch(() => res.destroy());
  }
}
