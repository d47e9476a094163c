import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ActorRegistry } from '../../actors/actor-registry';
import type { AggregateSpec } from '../../actors/aggregate';
import type { Commit } from '../../actors/aggregate.actor';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import type { Store, Unsubscribe } from '../../cluster/ports';
import { controllerOf, type InviteTarget, type SessionEvent, type SessionState } from '../../domain';
import { NodeInfo } from '../../node/node-info';
import type { Connection } from '../connection';
import { ConnectionRegistry } from '../connection-registry';
import { HandlerRegistry } from '../handler-registry';
import { GapCatchUp } from './gap-catch-up';
import { HeardVersions } from './heard-versions';
import { ResumeTokens } from './resume-tokens';
import { SessionIndex } from './session-index';
import { SessionStream } from './session-stream';
import { STORE } from './tokens';

/** What travels on the bus after every commit, so every node can serve its own sockets. */
export interface CommitMessage {
  node: string;
  kind: string;
  id: string;
  version: number;
  events: unknown[];
  state: unknown;
}

export const COMMITS_CHANNEL = 'commits';

type Listener = (msg: CommitMessage) => void;

const holderOf = (conn: Connection): string => `${conn.identity.kind}:${conn.identity.id}`;

/** The identities (`person:alice`, `agent:a1`) that these events bring into the session. */
function joinersOf(events: SessionEvent[], state: SessionState): Set<string> {
  const out = new Set<string>();
  for (const e of events) {
    switch (e.type) {
      case 'AssistRequested': case 'JumpStarted': out.add(`person:${e.owner.id}`); out.add(`agent:${e.agentId}`); break;
      case 'SessionOpened': if (e.agentId) out.add(`agent:${e.agentId}`); out.add(`agent:${e.customer.id}`); break;
      case 'SessionTaken': out.add(`person:${e.by.id}`); break;
      case 'InvitationAccepted': out.add(`person:${e.member.id}`); break;
      case 'SupervisorJoined': out.add(`person:${e.member.id}`); break;
      default: break;
    }
  }
  if (state.status === 'new') out.clear();
  return out;
}

/**
 * Forwards committed session events to the sockets of this node: `session.event` + a fresh
 * `session.state` to every member and the customer (each redacted for its viewer), the agent's own
 * pushes (`assist.requested`, `session.mode`, `request.pending`, `session.ended`) and invitations.
 * Commits made here are published on the bus for the other nodes; a node drops its own echoes.
 *
 * The bus is at most once: when it reports a gap (Bus.onGap: its connection dropped and came back),
 * GapCatchUp reads what this node missed from the journal and delivers it through the same listeners,
 * as if it had come over the bus (docs/cluster.md, "When the bus drops").
 */
@Injectable()
export class SessionFanout implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('fanout');
  private readonly streams = new Map<Connection, Map<string, SessionStream>>();
  private readonly listeners = new Map<string, Listener[]>();
  private unsubscribe: Unsubscribe | null = null;
  /** The latest state of each session this node heard of (local or bus commits); ended ones are dropped. */
  private readonly latestStates = new Map<string, SessionState>();
  /** Live invitations of people (not external ones) this node heard of, to tell their invitees when they die. */
  private readonly liveInvites = new Map<string, InviteTarget>();
  /** Which commits of sessions (and followed streams) were delivered here: what a catch-up must not repeat. */
  private readonly heard = new HeardVersions();
  /** Streams (`kind:id`) being caught up after a bus gap: their dispatches wait here, in order. */
  private readonly held = new Map<string, CommitMessage[]>();
  /** Single streams caught up after a bus gap too (see follow). */
  private readonly followed = new Map<string, AggregateSpec<unknown, unknown, unknown>>();
  private readonly gaps: GapCatchUp;
  private offGap: (() => void) | null = null;

  constructor(
    private readonly actors: ActorRegistry,
    private readonly connections: ConnectionRegistry,
    private readonly handlers: HandlerRegistry,
    @Inject(STORE) private readonly store: Store,
    private readonly node: NodeInfo,
    private readonly resumeTokens: ResumeTokens,
    index: SessionIndex,
  ) {
    this.gaps = new GapCatchUp({
      journal: store.journal,
      actors,
      heard: this.heard,
      hold: (key) => {
        const queue: CommitMessage[] = [];
        this.held.set(key, queue);
        return queue;
      },
      release: (key) => this.held.delete(key),
      emit: (msg) => this.emit(msg),
      streamCursors: () => {
        const furthest = new Map<string, number>();
        for (const mine of this.streams.values()) for (const [id, s] of mine) furthest.set(id, Math.max(furthest.get(id) ?? 0, s.lastSeq));
        return furthest;
      },
      followed: () => this.followed,
      partiesHere: () => connections.list().filter((c) => c.identity.kind === 'agent' || c.identity.kind === 'customer').map((c) => c.identity.id),
      sessionOfAgent: (agentId) => index.sessionOfAgent(agentId),
    });
  }

  async onModuleInit(): Promise<void> {
    this.actors.onCommit((commit) => this.local(commit));
    this.unsubscribe = await this.store.bus.subscribe(COMMITS_CHANNEL, (raw) => this.remote(raw));
    this.offGap = this.store.bus.onGap?.(() => this.gaps.gap()) ?? null;
    this.handlers.onClose((conn) => {
      for (const s of this.streams.get(conn)?.values() ?? []) s.close();
      this.streams.delete(conn);
    });
    this.on('session', (msg) => {
      const state = msg.state as SessionState;
      const known = this.latestStates.get(msg.id);
      if (state.status === 'ended') this.latestStates.delete(msg.id);
      else if (!known || known.seq < state.seq) this.latestStates.set(msg.id, state);
      this.deliver(msg.id, msg.events as SessionEvent[], state);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.offGap?.();
    await this.unsubscribe?.().catch(() => undefined);
    await this.gaps.close();
  }

  /** Other features (presence, queues) react to commits of their kind, local or remote. */
  on(kind: string, listener: Listener): void {
    const list = this.listeners.get(kind) ?? [];
    list.push(listener);
    this.listeners.set(kind, list);
  }

  /**
   * Catches the single stream `spec.kind:id` up after a bus gap too (a singleton such as presence), so
   * the listeners of its kind hear what they missed. Commits before the version read now were not
   * this node's to hear.
   */
  follow(spec: AggregateSpec<unknown, unknown, unknown>, id: string): void {
    const key = `${spec.kind}:${id}`;
    if (this.followed.has(key)) return;
    this.followed.set(key, spec);
    this.store.journal.version(key).then((v) => this.heard.assume(key, v), () => undefined);
  }

  /** The newest state of a live session as this node heard it from commits, if any. */
  latest(sessionId: string): SessionState | undefined {
    return this.latestStates.get(sessionId);
  }

  /**
   * Starts (or restarts) a connection's stream of a session after `afterSeq` (session.resume), held:
   * it collects live batches until `catchUp` sends the journal's missed events first.
   */
  openStream(conn: Connection, sessionId: string, afterSeq: number): SessionStream {
    this.streams.get(conn)?.get(sessionId)?.close();
    return this.open(conn, sessionId, afterSeq, true);
  }

  /** Ends a connection's stream of a session (a refused resume). */
  closeStream(conn: Connection, sessionId: string): void {
    this.close(conn, sessionId);
  }

  private local(commit: Commit<unknown, unknown>): void {
    const msg: CommitMessage = { node: this.node.id, kind: commit.kind, id: commit.id, version: commit.version, events: commit.events, state: commit.state };
    this.store.bus.publish(COMMITS_CHANNEL, JSON.stringify(msg)).catch((err: unknown) => this.logger.error({ err }, `publish failed [${commit.kind}:${commit.id}, v:${commit.version}]`));
    this.dispatch(msg);
  }

  private remote(raw: string): void {
    let msg: CommitMessage;
    try {
      msg = JSON.parse(raw) as CommitMessage;
    } catch {
      this.logger.warn('malformed bus message ignored');
      return;
    }
    if (!msg || typeof msg.kind !== 'string' || msg.node === this.node.id) return;
    this.dispatch(msg);
  }

  private dispatch(msg: CommitMessage): void {
    const waiting = this.held.get(`${msg.kind}:${msg.id}`);
    if (waiting) waiting.push(msg);
    else this.emit(msg);
  }

  private emit(msg: CommitMessage): void {
    const key = `${msg.kind}:${msg.id}`;
    if (msg.kind === SESSION.kind || this.followed.has(key)) this.hear(key, msg);
    for (const listener of this.listeners.get(msg.kind) ?? []) {
      try {
        listener(msg);
      } catch (err) {
        this.logger.error({ err }, `commit listener failed [${msg.kind}:${msg.id}, v:${msg.version}]`);
      }
    }
  }

  private hear(key: string, msg: CommitMessage): void {
    if (this.heard.upTo(key) === undefined) this.gaps.firstHeard(key);
    this.heard.record(key, msg.version - msg.events.length + 1, msg.version);
    // Like latestStates, an ended session is forgotten, once nothing of it is missing here.
    if (msg.kind === SESSION.kind && (msg.state as SessionState).status === 'ended' && this.heard.isWhole(key)) this.heard.forget(key);
  }

  private deliver(sessionId: string, events: SessionEvent[], state: SessionState): void {
    const inSession = this.entitled(state);
    const joining = joinersOf(events, state);
    const joined = [...inSession].filter((c) => joining.has(`${c.identity.kind}:${c.identity.id}`) || (c.identity.kind === 'customer' && joining.has(`agent:${c.identity.id}`)));
    const recipients = new Set<Connection>([...this.connections.ofSession(sessionId), ...joined]);
    const firstSeq = events[0]?.seq ?? state.seq + 1;
    const ended = events.find((e): e is Extract<SessionEvent, { type: 'SessionEnded' }> => e.type === 'SessionEnded');
    for (const conn of recipients) {
      // A member's other or newer connections join with session.resume; only a joining event subscribes.
      const stream = this.streams.get(conn)?.get(sessionId) ?? this.open(conn, sessionId, firstSeq - 1);
      stream.push(events, state);
      if (ended) conn.send('session.ended', { sessionId, reason: ended.reason, lockDesktop: ended.lockDesktop });
      if (!inSession.has(conn) || state.status === 'ended') this.close(conn, sessionId);
    }
    if (ended) {
      // Members connected without a stream (e.g. reconnected and not resumed) still hear the end.
      for (const conn of inSession) if (!recipients.has(conn)) conn.send('session.ended', { sessionId, reason: ended.reason, lockDesktop: ended.lockDesktop });
    }
    this.agentPushes(sessionId, events, state);
    this.invitationPushes(sessionId, events, state);
  }

  /** The connections that take part in a session now: its members, its customer (agent and panel). */
  private entitled(state: SessionState): Set<Connection> {
    const out = new Set<Connection>();
    for (const id of Object.keys(state.members)) for (const c of this.connections.ofIdentity('person', id)) out.add(c);
    if (state.customer?.connected) {
      for (const c of this.connections.ofIdentity('agent', state.customer.id)) out.add(c);
      for (const c of this.connections.ofIdentity('customer', state.customer.id)) out.add(c);
    }
    if (state.agentId && state.customer?.connected) for (const c of this.connections.ofIdentity('agent', state.agentId)) out.add(c);
    return out;
  }

  private open(conn: Connection, sessionId: string, afterSeq: number, held = false): SessionStream {
    const stream = new SessionStream(conn, sessionId, afterSeq, this.store.journal, held);
    let mine = this.streams.get(conn);
    if (!mine) this.streams.set(conn, (mine = new Map()));
    mine.set(sessionId, stream);
    this.connections.subscribe(conn, sessionId);
    conn.send('session.resumable', { sessionId, resumeToken: this.resumeTokens.issue(sessionId, holderOf(conn)) });
    return stream;
  }

  private close(conn: Connection, sessionId: string): void {
    this.streams.get(conn)?.get(sessionId)?.close();
    this.streams.get(conn)?.delete(sessionId);
    this.connections.unsubscribe(conn, sessionId);
  }

  /** The agent is told what to do in its own words: consent prompts, the mode, requests, the end. */
  private agentPushes(sessionId: string, events: SessionEvent[], state: SessionState): void {
    if (!state.agentId) return;
    const agents = this.connections.ofIdentity('agent', state.agentId);
    if (agents.length === 0) return;
    const send = (event: string, data: unknown): void => agents.forEach((c) => c.send(event, data));
    let modeChanged = false;
    for (const e of events) {
      switch (e.type) {
        case 'AssistRequested':
          send('assist.requested', { sessionId, technician: { id: e.owner.id, name: e.owner.name, teams: e.teams }, action: e.action, via: e.via });
          break;
        case 'JumpStarted':
          // Unattended: "ask" prompts the user like any request; "notify" starts at once with a visible notice.
          if (e.consent === 'ask') send('assist.requested', { sessionId, technician: { id: e.owner.id, name: e.owner.name, teams: e.teams }, action: 'control', via: 'jump' });
          else send('jump.notice', { sessionId, technician: { id: e.owner.id, name: e.owner.name } });
          modeChanged = true;
          break;
        case 'ModeRequested':
          send('request.pending', { sessionId, requestId: e.requestId, kind: 'mode', from: e.actor, mode: e.mode });
          break;
        case 'ControlRequested':
          send('request.pending', { sessionId, requestId: e.requestId, kind: 'control', from: e.actor });
          break;
        case 'ElevationRequested':
          if (e.method === 'prompt') send('request.pending', { sessionId, requestId: e.requestId, kind: 'elevation', from: e.actor, scope: e.scope });
          break;
        case 'InputBlockRequested':
          send('request.pending', { sessionId, requestId: e.requestId, kind: 'input-block', from: e.actor });
          break;
        case 'AssistAccepted': case 'ModeChanged': case 'ControlGranted': case 'MemberRemoved': case 'MemberLeft':
        case 'SessionTransferred': case 'SessionTaken': case 'SessionHeld': case 'CustomerConnectionChanged':
          modeChanged = true;
          break;
        default:
          break;
      }
    }
    if (modeChanged && state.status !== 'ended') send('session.mode', { sessionId, mode: state.status === 'active' ? state.mode : 'hold', controller: controllerOf(state) });
  }

  /**
   * Invitees are told on every node they are connected to; they join the stream once they accept. When an
   * invitation dies (accepted — by one member of a team —, declined, cancelled, revoked) its invitees who
   * are not in the session hear `invite.closed`, so no one is left with an Accept button that cannot work.
   */
  private invitationPushes(sessionId: string, events: SessionEvent[], state: SessionState): void {
    for (const e of events) {
      if (e.type === 'InvitationSent') {
        const data = { sessionId, inviteId: e.inviteId, from: e.actor, customer: state.customer?.name ?? null, target: e.target };
        if (e.target.kind !== 'external') this.liveInvites.set(e.inviteId, e.target);
        for (const c of this.inviteeConnections(e.target, state)) c.send('invite.received', data);
        continue;
      }
      const reason = e.type === 'InvitationAccepted' ? 'accepted' : e.type === 'InvitationDeclined' ? 'declined' : e.type === 'InvitationCancelled' ? 'cancelled' : e.type === 'InvitationRevoked' ? e.reason : null;
      if (reason === null || !('inviteId' in e)) continue;
      const target = this.liveInvites.get(e.inviteId);
      this.liveInvites.delete(e.inviteId);
      if (target) for (const c of this.inviteeConnections(target, state)) c.send('invite.closed', { sessionId, inviteId: e.inviteId, reason });
    }
  }

  /** This node's console connections of the people an invitation is for, who are not in the session. */
  private inviteeConnections(target: InviteTarget, state: SessionState): Connection[] {
    if (target.kind === 'representative') return this.connections.ofIdentity('person', target.userId).filter((c) => !state.members[c.identity.id]);
    if (target.kind !== 'team') return [];
    return this.connections.list().filter((c) => c.identity.kind === 'person' && c.identity.role !== 'customer' && c.identity.teams.includes(target.teamId) && !state.members[c.identity.id]);
  }
}
