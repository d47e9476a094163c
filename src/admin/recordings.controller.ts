import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SESSION } from '../actors/aggregates/session.aggregate';
import { requireBearer } from '../auth/http-auth';
import { type TokenClaims, TokenService } from '../auth/token.service';
import type { TandemConfig } from '../config/config.schema';
import { CONFIG } from '../config/config.token';
import { authorizeRecordingAccess, type RecordingAccessPurpose, type SessionState } from '../domain';
import { ProtocolError } from '../gateways/protocol-error';
import { actorOfClaims } from '../gateways/sessions/actor-of';
import { SessionRouter } from '../gateways/sessions/session-router';
import { ApiError } from '../http/api-error';
import { ID_PATTERN } from '../protocol/messages/common';
import type { RecordingMeta } from '../recording/recording-store';
import { SessionRecorder } from '../recording/session-recorder';
import { AuditRecorder } from './audit-recorder';

const ADMIN = ['admin'];
const STAFF = ['technician', 'supervisor', 'admin'];
/** The cockpit lists at most this many recordings (the newest the caller may play). */
const STAFF_LIST_MAX = 50;

/** HTTP status of an access rejection. */
const STATUS: Record<string, number> = { REASON_REQUIRED: 400, NOT_MEMBER: 403, FORBIDDEN: 403 };

/**
 * Session recordings over HTTP (docs/recording.md): the list and the file for admins
 * (`/api/admin/recordings…`), and for staff the recordings they may play (`/api/recordings…`: the
 * session's owner and members, supervisors of its teams; decided by `authorizeRecordingAccess` in the
 * domain). Handing a file out (`?purpose=play|export`, default export; `&format=webm` for an export made into a video in the browser) may need `?reason=` by policy
 * (`policy.reasonRequired.recordingExport`); each one is written to the audit log with who, the
 * purpose and the reason — never any of the recording's content.
 */
@Controller('api')
export class RecordingsController {
  constructor(
    private readonly tokens: TokenService,
    private readonly recorder: SessionRecorder,
    private readonly router: SessionRouter,
    private readonly audit: AuditRecorder,
    @Inject(CONFIG) private readonly config: TandemConfig,
  ) {}

  @Get('admin/recordings')
  async list(@Req() req: Request): Promise<object> {
    await requireBearer(req, this.tokens, ADMIN);
    const metas = await this.recorder.store.list();
    return { recordings: metas.map((m) => this.row(m)), reasonRequired: this.config.policy.reasonRequired.recordingExport };
  }

  @Get('admin/recordings/:sessionId')
  async adminExport(@Param('sessionId') sessionId: string, @Query() q: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    const claims = await requireBearer(req, this.tokens, ADMIN);
    await this.send(sessionId, claims, q, res);
  }

  /** The recordings the caller may play (the newest first), for the cockpit. */
  @Get('recordings')
  async staffList(@Req() req: Request): Promise<object> {
    const claims = await requireBearer(req, this.tokens, STAFF);
    const actor = actorOfClaims(claims, this.config);
    const rows: object[] = [];
    for (const m of await this.recorder.store.list()) {
      if (rows.length >= STAFF_LIST_MAX) break;
      if (!ID_PATTERN.test(m.sessionId)) continue;
      const state = actor.kind === 'admin' ? null : await this.stateOf(m.sessionId);
      if (!('ok' in authorizeRecordingAccess(state, actor, { purpose: 'play', reasonRequired: false }))) continue;
      rows.push({ ...this.row(m), ...(state ? { customer: state.customer?.name ?? null, ownerId: state.ownerId, status: state.status } : {}) });
    }
    return { recordings: rows, reasonRequired: this.config.policy.reasonRequired.recordingExport };
  }

  /** The file of one recording, for whoever may play it (admins included). */
  @Get('recordings/:sessionId')
  async staffExport(@Param('sessionId') sessionId: string, @Query() q: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    const claims = await requireBearer(req, this.tokens, STAFF);
    await this.send(sessionId, claims, q, res);
  }

  private row(m: RecordingMeta): object {
    return {
      sessionId: m.sessionId, startedAt: m.startedAt, lastAt: m.lastAt, durationMs: Math.max(0, m.lastAt - m.startedAt),
      bytes: m.bytes, frames: m.frames, events: m.events, full: m.full, recordingHere: this.recorder.isRecordingHere(m.sessionId),
    };
  }

  /** The session's state, or null when the journal does not know it (only an admin gets such a recording). */
  private async stateOf(sessionId: string): Promise<SessionState | null> {
    try {
      return await this.router.query(SESSION, sessionId, (s: SessionState) => s);
    } catch (err) {
      if (err instanceof ProtocolError && err.code === 'UNKNOWN_SESSION') return null;
      throw err;
    }
  }

  private async send(sessionId: string, claims: TokenClaims, q: Record<string, unknown>, res: Response): Promise<void> {
    if (!ID_PATTERN.test(sessionId)) throw new ApiError(400, 'INVALID_DATA', 'sessionId must be an id');
    const purpose: RecordingAccessPurpose = q.purpose === undefined || q.purpose === 'export' ? 'export' : q.purpose === 'play' ? 'play' : invalid('purpose must be play or export');
    const reason = reasonParam(q);
    // What the export is made into: the .trec file itself, or a video the browser renders from it (named in the audit).
    const format = q.format === undefined || q.format === 'trec' ? 'trec' : q.format === 'webm' && purpose === 'export' ? 'webm' : invalid('format must be trec or webm (webm: an export only)');
    const actor = actorOfClaims(claims, this.config);
    const state = actor.kind === 'admin' ? null : await this.stateOf(sessionId);
    const decision = authorizeRecordingAccess(state, actor, { purpose, reasonRequired: this.config.policy.reasonRequired.recordingExport, ...(reason !== undefined ? { reason } : {}) });
    if ('rejection' in decision) throw new ApiError(STATUS[decision.rejection.code] ?? 403, decision.rejection.code, decision.rejection.message);
    // A recording still being written here is handed out up to its last queued record.
    await this.recorder.flush(sessionId);
    const stream = await this.recorder.store.open(sessionId);
    if (!stream) throw new ApiError(404, 'UNKNOWN_RECORDING', 'no recording of this session');
    await this.audit.admin(actor, purpose === 'play' ? 'RecordingPlayed' : 'RecordingExported', { purpose, ...(format === 'webm' ? { format } : {}), ...(decision.reason ? { reason: decision.reason } : {}) }, sessionId);
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

function invalid(message: string): never {
  throw new ApiError(400, 'INVALID_DATA', message);
}

/** The `?reason=` of a hand-out (a recording, a transcript): absent, or one text of at most 200 characters. */
export function reasonParam(q: Record<string, unknown>): string | undefined {
  if (q.reason !== undefined && (typeof q.reason !== 'string' || q.reason.length > 200)) invalid('reason must be one text of at most 200 characters');
  return q.reason;
}
