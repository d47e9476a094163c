import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { requireBearer } from '../auth/http-auth';
import { TokenService } from '../auth/token.service';
import type { TandemConfig } from '../config/config.schema';
import { CONFIG } from '../config/config.token';
import { authorizeRecordingAccess } from '../domain';
import { actorOfClaims } from '../gateways/sessions/actor-of';
import { ApiError } from '../http/api-error';
import { ShellTranscripts } from '../recording/shell-transcripts';
import { AuditRecorder } from './audit-recorder';
import { reasonParam } from './recordings.controller';

/**
 * `GET /api/admin/transcripts/:sessionId/:shellId[?reason=]`: the output of one command shell — the file
 * the session's `ShellOpened`/`ShellClosed` events refer to — for an admin, as text. It is handed out
 * like a recording: a reason when `policy.reasonRequired.recordingExport` asks for one, and an audit entry
 * `TranscriptRead {shellId, reason?}`. The transcript holds what the remote shell's terminal printed: the
 * command lines it echoed, never what a technician typed with echo off (a password at a prompt).
 */
@Controller('api/admin/transcripts')
export class TranscriptsController {
  constructor(
    private readonly tokens: TokenService,
    private readonly transcripts: ShellTranscripts,
    private readonly audit: AuditRecorder,
    @Inject(CONFIG) private readonly config: TandemConfig,
  ) {}

  @Get(':sessionId/:shellId')
  async read(@Param('sessionId') sessionId: string, @Param('shellId') shellId: string, @Query() q: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    const claims = await requireBearer(req, this.tokens, ['admin']);
    // The transcript's reference checks both ids (no path can be formed from them).
    let ref: string;
    try {
      ref = ShellTranscripts.ref(sessionId, shellId);
    } catch {
      throw new ApiError(400, 'INVALID_DATA', 'sessionId and shellId must be ids');
    }
    const reason = reasonParam(q);
    const actor = actorOfClaims(claims, this.config);
    const decision = authorizeRecordingAccess(null, actor, { purpose: 'export', reasonRequired: this.config.policy.reasonRequired.recordingExport, ...(reason !== undefined ? { reason } : {}) });
    if ('rejection' in decision) throw new ApiError(decision.rejection.code === 'REASON_REQUIRED' ? 400 : 403, decision.rejection.code, decision.rejection.message);
    const text = await this.transcripts.read(ref).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new ApiError(404, 'UNKNOWN_TRANSCRIPT', `no transcript ${ref} (a shell that printed nothing has none)`);
      throw err;
    });
    await this.audit.admin(actor, 'TranscriptRead', { shellId, ...(decision.reason ? { reason: decision.reason } : {}) }, sessionId);
    res.status(200);
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="tandem-${sessionId.replace(/[^A-Za-z0-9_.-]/g, '_')}-${shellId}.log"`);
    res.setHeader('cache-control', 'no-store');
    res.send(text);
  }
}
