import { Body, Controller, Get, HttpCode, Inject, Optional, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SESSION } from '../actors/aggregates/session.aggregate';
import { presenceAggregate } from '../actors/aggregates/presence.aggregate';
import { requireBearer } from '../auth/http-auth';
import { TokenService } from '../auth/token.service';
import { UserDirectory } from '../auth/user-directory';
import type { Store } from '../cluster/ports';
import type { TandemConfig } from '../config/config.schema';
import { CONFIG } from '../config/config.token';
import type { ActorRef, PresenceState, SessionEvent, SessionState } from '../domain';
import { ProtocolError } from '../gateways/protocol-error';
import { NodeRegistry } from '../gateways/sessions/node-registry';
import { PRESENCE_ID } from '../gateways/sessions/presence.handlers';
import { SessionIndex } from '../gateways/sessions/session-index';
import { SessionRouter } from '../gateways/sessions/session-router';
import { STORE } from '../gateways/sessions/tokens';
import { ApiError } from '../http/api-error';
import { MediaRelay } from '../media/relay';
import { exportAudit, type AuditFilter } from './audit-export';
import { verifyRange, verifySession } from './chain-verifier';
import { AuditRecorder } from './audit-recorder';
import { Drain } from './drain';
import { Revocations } from './revocations';

const ADMIN = ['admin'];

/** The admin endpoint (`/api/admin/…`): admins only (401 without a token, 403 for other roles). */
@Controller('api/admin')
export class AdminController {
  constructor(
    private readonly tokens: TokenService,
    private readonly nodes: NodeRegistry,
    private readonly index: SessionIndex,
    private readonly router: SessionRouter,
    private readonly users: UserDirectory,
    private readonly revocations: Revocations,
    private readonly audit: AuditRecorder,
    private readonly drain: Drain,
    @Inject(STORE) private readonly store: Store,
    @Inject(CONFIG) private readonly config: TandemConfig,
    @Optional() private readonly relay?: MediaRelay,
  ) {}

  @Get('nodes')
  async listNodes(@Req() req: Request): Promise<object> {
    await this.admin(req);
    return { nodes: await this.nodes.list() };
  }

  @Post('nodes/:id/drain')
  @HttpCode(202)
  async drainNode(@Param('id') id: string, @Req() req: Request): Promise<object> {
    const admin = await this.admin(req);
    if (!(await this.nodes.isAlive(id))) throw new ApiError(404, 'UNKNOWN_NODE', 'no such live node');
    await this.audit.admin(admin, 'AdminNodeDrained', { nodeId: id });
    await this.drain.request(id);
    return { nodeId: id, draining: true };
  }

  @Get('sessions')
  async listSessions(@Req() req: Request): Promise<object> {
    await this.admin(req);
    const live = await this.index.live();
    const sessions = await Promise.all(live.map(async (s) => ({
      ...s,
      node: (await this.store.leases.current(`session:${s.sessionId}`))?.holder ?? null,
      durationMs: Date.now() - s.since,
    })));
    return { sessions };
  }

  @Get('sessions/:id')
  async session(@Param('id') id: string, @Req() req: Request): Promise<object> {
    await this.admin(req);
    const state = await this.read(id);
    const events = (await this.store.journal.read(`session:${id}`, 0)).map((e) => e.event as SessionEvent);
    const lease = await this.store.leases.current(`session:${id}`);
    // The screen's quality as the node answering sees it (rung and agent report where the agent is connected).
    return { state, node: lease?.holder ?? null, events, quality: this.relay?.sessionQuality(id) ?? null };
  }

  @Post('sessions/:id/end')
  @HttpCode(200)
  async endSession(@Param('id') id: string, @Body() body: { reason?: string }, @Req() req: Request): Promise<object> {
    const claims = await this.admin(req);
    const actor = { kind: 'admin' as const, id: claims.id, name: claims.name, teams: [], rights: [] };
    try {
      const commit = await this.router.ask(SESSION, id, { type: 'ForceEnd' }, actor);
      await this.audit.admin(claims, 'AdminSessionEnded', { reason: typeof body?.reason === 'string' ? body.reason.slice(0, 200) : null }, id);
      return { sessionId: id, seq: commit.version };
    } catch (err) {
      throw this.http(err);
    }
  }

  @Get('agents')
  async agents(@Req() req: Request): Promise<object> {
    await this.admin(req);
    const presence = presenceAggregate(this.config.ws.agentGraceMs);
    const state = await this.router.query(presence, PRESENCE_ID, (s: PresenceState) => s, false);
    return { agents: Object.values(state.agents).map(({ pin: _pin, ...a }) => a) };
  }

  @Get('users')
  async listUsers(@Req() req: Request): Promise<object> {
    await this.admin(req);
    return { users: this.users.list().map((u) => ({ username: u.username, displayName: u.displayName, role: u.role, teams: u.teams, email: u.email ?? null })) };
  }

  @Post('users/:username/revoke')
  @HttpCode(200)
  async revoke(@Param('username') username: string, @Req() req: Request): Promise<object> {
    const admin = await this.admin(req);
    if (!this.users.find(username)) throw new ApiError(404, 'UNKNOWN_USER', 'no such user');
    const closedHere = await this.revocations.revoke(username);
    await this.audit.admin(admin, 'AdminTokensRevoked', { username });
    return { username, revoked: true, closedHere };
  }

  /** Checks the hash chains: one session (`sessionId`), or every session the audit log saw in [from, to). */
  @Get('audit/verify')
  async verify(@Query() q: Record<string, string | undefined>, @Req() req: Request): Promise<object> {
    await this.admin(req);
    const range = q.sessionId ? null : await verifyRange(this.store, time(q.from, 0, 'from'), time(q.to, Date.now() + 1000, 'to'));
    const results = range ? range.results : [await verifySession(this.store, q.sessionId!)];
    const broken = results.find((r) => !r.ok) ?? null;
    return { ok: broken === null, checked: results.length, events: results.reduce((n, r) => n + r.events, 0), firstBroken: broken, results, ...(range ? { days: range.days } : {}) };
  }

  @Get('audit')
  async exportLog(@Query() q: Record<string, string | undefined>, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.admin(req);
    const format = q.format === 'csv' ? 'csv' : q.format === undefined || q.format === 'jsonl' ? 'jsonl' : null;
    if (!format) throw new ApiError(400, 'INVALID_DATA', 'format: jsonl or csv');
    const filter: AuditFilter = { from: time(q.from, 0, 'from'), to: time(q.to, Date.now() + 1000, 'to'), ...(q.sessionId ? { sessionId: q.sessionId } : {}), ...(q.actor ? { actor: q.actor } : {}), ...(q.type ? { type: q.type } : {}) };
    res.status(200);
    res.setHeader('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="tandem-audit.${format === 'csv' ? 'csv' : 'jsonl'}"`);
    await exportAudit(this.store.audit, filter, format, res);
    res.end();
  }

  private async admin(req: Request): Promise<ActorRef> {
    const claims = await requireBearer(req, this.tokens, ADMIN);
    return { kind: 'admin', id: claims.sub, name: claims.name };
  }

  private async read(id: string): Promise<SessionState> {
    try {
      return await this.router.query(SESSION, id, (s) => s);
    } catch (err) {
      throw this.http(err);
    }
  }

  private http(err: unknown): unknown {
    if (!(err instanceof ProtocolError)) return err;
    const status = err.code === 'UNKNOWN_SESSION' ? 404 : err.code === 'SESSION_ENDED' ? 409 : err.code === 'STORE_UNAVAILABLE' || err.code === 'FENCED' || err.code === 'BUSY' ? 503 : 400;
    return new ApiError(status, err.code, err.message);
  }
}

function time(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined || v === '') return dflt;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw new ApiError(400, 'INVALID_DATA', `${name}: an ISO time or epoch milliseconds`);
  return n;
}
