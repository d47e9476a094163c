import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Forwarder } from '../../actors/forwarder';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import type { TandemConfig } from '../../config/config.schema';
import { CONFIG } from '../../config/config.token';
import { authorizeRtc, type SessionState } from '../../domain';
import { ScreenAudience, type AudienceChange } from '../../media/screen-audience';
import type { Connection } from '../connection';
import { HandlerRegistry } from '../handler-registry';
import { ProtocolError } from '../protocol-error';
import { Messenger, type Recipient } from './messenger';
import { memberOfViewer, type RtcAnswerDto, type RtcCloseDto, type RtcConfigDto, type RtcIceDto, type RtcOfferDto } from './rtc.dto';
import { SessionHandlers } from './session.handlers';
import { SessionRouter } from './session-router';

/**
 * What the owning node is asked to check and send. `up`: from a viewer to the session's agent;
 * `down`: from the agent (`fromAgent`) to one viewer. `close` is never refused by the domain
 * (hanging up is always allowed) but still goes to the right party only.
 */
interface RtcPayload {
  dir: 'up' | 'down';
  close: boolean;
  viewerId: string;
  fromAgent?: string;
  event: string;
  data: Record<string, unknown>;
}
type Verdict = { ok: true } | { ok: false; code: string; message: string };

/** The viewer id of a connection: one browser tab (connection) of one member = one peer. */
export function viewerIdOf(memberId: string, conn: Connection): string {
  return `${memberId}~${conn.id}`;
}

/**
 * WebRTC signalling for the screen (docs/media.md, "WebRTC"): a viewer's offer and ICE go to the
 * session's agent with the viewer's id, the agent's answer and ICE go back to that viewer. Each
 * message is checked by `authorizeRtc` for the viewer inside the session owner's mailbox (like
 * input and pointers, live.handlers.ts), so none passes after a hold, a removal or the end. When a
 * viewer loses the screen the agent is told `rtc.close` and the viewer `rtc.closed`; the agent
 * closes its peers on hold and at the end by itself too. Media never passes through the node.
 */
@Injectable()
export class RtcHandlers implements OnModuleInit {
  private readonly logger = new Logger('rtc');
  /** Sessions in which each local connection made an offer: their peers are hung up when it closes. */
  private readonly offered = new Map<string, { memberId: string; sessions: Set<string> }>();

  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly router: SessionRouter,
    private readonly sessions: SessionHandlers,
    private readonly messenger: Messenger,
    private readonly forwarder: Forwarder,
    private readonly audience: ScreenAudience,
    @Inject(CONFIG) private readonly config: TandemConfig,
  ) {}

  onModuleInit(): void {
    this.forwarder.procedure('rtc', (state, payload) => this.checkAndSend(state as SessionState, payload as RtcPayload));
    this.handlers.on('rtc.config', (conn, d: RtcConfigDto) => {
      const rtc = this.config.media.rtc;
      return Promise.resolve({
        sessionId: d.sessionId, enabled: rtc.enabled, viewerId: viewerIdOf(this.memberId(conn), conn),
        iceServers: rtc.iceServers.map((s) => ({ urls: s.urls, ...(s.username !== undefined ? { username: s.username } : {}), ...(s.credential !== undefined ? { credential: s.credential } : {}) })),
      });
    });
    this.handlers.on('rtc.offer', async (conn, d: RtcOfferDto) => {
      if (!this.config.media.rtc.enabled) throw new ProtocolError('FORBIDDEN', 'WebRTC is disabled on this server (media.rtc.enabled)');
      const viewerId = viewerIdOf(this.memberId(conn), conn);
      await this.up(d.sessionId, 'rtc.offer', viewerId, { sdp: d.sdp, monitor: d.monitor ?? 0, iceServers: this.config.media.rtc.iceServers });
      this.remember(conn, d.sessionId);
      return { sessionId: d.sessionId, viewerId };
    });
    this.handlers.on('rtc.answer', (conn, d: RtcAnswerDto) => this.down(conn, d.sessionId, 'rtc.answer', d.viewerId, { sdp: d.sdp }));
    this.handlers.on('rtc.ice', (conn, d: RtcIceDto) => {
      const candidate = { candidate: d.candidate, ...(d.sdpMid !== undefined ? { sdpMid: d.sdpMid } : {}), ...(d.sdpMLineIndex !== undefined ? { sdpMLineIndex: d.sdpMLineIndex } : {}) };
      if (conn.endpoint !== 'agent') return this.up(d.sessionId, 'rtc.ice', viewerIdOf(this.memberId(conn), conn), candidate);
      if (!d.viewerId) throw new ProtocolError('INVALID_DATA', 'viewerId is required from the agent');
      return this.down(conn, d.sessionId, 'rtc.ice', d.viewerId, candidate);
    });
    this.handlers.on('rtc.close', (conn, d: RtcCloseDto) => {
      const reason = d.reason ?? 'hung up';
      if (conn.endpoint !== 'agent') return this.up(d.sessionId, 'rtc.close', viewerIdOf(this.memberId(conn), conn), { reason }, true);
      if (!d.viewerId) throw new ProtocolError('INVALID_DATA', 'viewerId is required from the agent');
      return this.down(conn, d.sessionId, 'rtc.closed', d.viewerId, { code: 'AGENT_CLOSED', reason }, true);
    });
    // A viewer's tab gone: its peers on the agent are hung up (the agent would notice only after ICE times out).
    this.handlers.onClose((conn) => {
      const mine = this.offered.get(conn.id);
      if (!mine) return;
      this.offered.delete(conn.id);
      for (const sessionId of mine.sessions) {
        const payload: RtcPayload = { dir: 'up', close: true, viewerId: viewerIdOf(mine.memberId, conn), event: 'rtc.close', data: { sessionId, reason: 'viewer disconnected' } };
        this.router.run<Verdict>(SESSION, sessionId, 'rtc', payload).catch((err: unknown) => this.logger.debug({ err }, `rtc: hang-up after disconnect not sent [session:${sessionId}]`));
      }
    });
    // Every node hears every commit: each tells its own sockets (the agent once, on its node; each viewer once).
    this.audience.onChange((change) => this.audienceChanged(change));
  }

  private memberId(conn: Connection): string {
    return this.sessions.actorOf(conn).id;
  }

  private remember(conn: Connection, sessionId: string): void {
    let mine = this.offered.get(conn.id);
    if (!mine) this.offered.set(conn.id, (mine = { memberId: this.memberId(conn), sessions: new Set() }));
    mine.sessions.add(sessionId);
  }

  private async up(sessionId: string, event: string, viewerId: string, data: Record<string, unknown>, close = false): Promise<object> {
    return this.run(sessionId, { dir: 'up', close, viewerId, event, data: { sessionId, viewerId, ...data } });
  }

  private async down(conn: Connection, sessionId: string, event: string, viewerId: string, data: Record<string, unknown>, close = false): Promise<object> {
    return this.run(sessionId, { dir: 'down', close, viewerId, fromAgent: conn.identity.id, event, data: { sessionId, viewerId, ...data } });
  }

  private async run(sessionId: string, payload: RtcPayload): Promise<object> {
    const verdict = await this.router.run<Verdict>(SESSION, sessionId, 'rtc', payload);
    if (!verdict.ok) throw new ProtocolError(verdict.code, verdict.message);
    return {};
  }

  /** Runs in the owner's mailbox: the domain decides for the viewer, then the message goes to the agent or to that viewer. */
  private checkAndSend(state: SessionState, p: RtcPayload): Verdict {
    const memberId = memberOfViewer(p.viewerId);
    if (p.dir === 'down' && (state.agentId === null || p.fromAgent !== state.agentId)) {
      return { ok: false, code: 'FORBIDDEN', message: 'only the session\'s agent may answer its viewers' };
    }
    if (!p.close) {
      const verdict = authorizeRtc(state, memberId);
      if ('rejection' in verdict) return { ok: false, code: verdict.rejection.code, message: verdict.rejection.message };
    } else if (p.dir === 'up' && state.members[memberId] === undefined) {
      return { ok: true }; // a former member's hang-up: its peers were closed when it left
    }
    const to: Recipient[] = p.dir === 'up' ? (state.agentId ? [{ kind: 'agent', id: state.agentId }] : []) : [{ kind: 'person', id: memberId }];
    if (to.length > 0) this.messenger.send(to, p.event, p.data);
    return { ok: true };
  }

  /**
   * Someone lost the screen (hold, removal, end, customer offline): the agent closes their peers
   * (all of them when nobody may see it any more) and each of their tabs is told `rtc.closed` with
   * the domain's code. Runs synchronously inside the commit's dispatch on every node.
   */
  private audienceChanged(change: AudienceChange): void {
    if (change.removed.length === 0) return;
    const { state, sessionId } = change;
    const everyone = this.audience.audienceOf(sessionId).size === 0;
    if (state.agentId) {
      const agent: Recipient[] = [{ kind: 'agent', id: state.agentId }];
      if (everyone) this.messenger.deliverLocal(agent, 'rtc.close', { sessionId, reason: this.codeFor(state, change.removed[0]!) });
      else for (const memberId of change.removed) this.messenger.deliverLocal(agent, 'rtc.close', { sessionId, memberId, reason: this.codeFor(state, memberId) });
    }
    for (const memberId of change.removed) {
      this.messenger.deliverLocal([{ kind: 'person', id: memberId }], 'rtc.closed', { sessionId, code: this.codeFor(state, memberId) });
    }
  }

  private codeFor(state: SessionState, memberId: string): string {
    const verdict = authorizeRtc(state, memberId);
    return 'rejection' in verdict ? verdict.rejection.code : 'SCREEN_NOT_VISIBLE';
  }
}
