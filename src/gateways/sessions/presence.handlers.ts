import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ENTRY_POINTS } from '../../actors/aggregates/entry-points.aggregate';
import { presenceAggregate } from '../../actors/aggregates/presence.aggregate';
import { GUESSES } from '../../actors/aggregates/guesses.aggregate';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import type { TandemConfig } from '../../config/config.schema';
import { CONFIG } from '../../config/config.token';
import {
  type Actor, type AgentPresence, agentStatus, agentVisibleTo, entryPointsOfAgent, findByPin, graceExpired, guessAllowed, type PresenceState, visibleAgents,
} from '../../domain';
import type { AgentHelloDto } from '../../protocol/messages/agent.dto';
import type { AssistRequestDto } from '../../protocol/messages/console.dto';
import type { Connection } from '../connection';
import { ConnectionRegistry } from '../connection-registry';
import { HandlerRegistry } from '../handler-registry';
import { ProtocolError } from '../protocol-error';
import { SYSTEM_ACTOR } from './actor-of';
import { ResumeTokens } from './resume-tokens';
import { SessionFanout } from './session-fanout';
import { SessionIndex } from './session-index';
import { newId, SessionHandlers } from './session.handlers';
import { SessionRouter } from './session-router';
import { CLOCK, type Clock, STORE } from './tokens';
import { NodeRegistry } from './node-registry';
import { NodeInfo } from '../../node/node-info';
import type { Store } from '../../cluster/ports';
import { AttachHandlers } from './attach.handlers';
import { buttonForAgent } from './button-for-agent';
import { UserDirectory } from '../../auth/user-directory';

export const PRESENCE_ID = 'all';
/** How often one node looks for agents a dead node left online and grace periods nobody is timing. */
const SWEEP_MS = 2000;
const connsKey = (agentId: string): string => `agent:${agentId}:conns`;

/**
 * Agents coming and going (`agent.hello`, disconnects, the grace period), the cockpit's online list
 * (`online.list`, `online.changed`) and asking assistance on an agent by selection or Assist PIN.
 */
@Injectable()
export class PresenceHandlers implements OnModuleInit {
  private readonly logger = new Logger('presence');
  private readonly presence;
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly router: SessionRouter,
    private readonly sessions: SessionHandlers,
    private readonly index: SessionIndex,
    private readonly fanout: SessionFanout,
    private readonly connections: ConnectionRegistry,
    private readonly resumeTokens: ResumeTokens,
    private readonly nodes: NodeRegistry,
    private readonly attach: AttachHandlers,
    private readonly users: UserDirectory,
    private readonly node: NodeInfo,
    @Inject(STORE) private readonly store: Store,
    @Inject(CONFIG) private readonly config: TandemConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.presence = presenceAggregate(config.ws.agentGraceMs);
    router.actors.register(this.presence);
  }

  onModuleInit(): void {
    this.handlers.on('agent.hello', (conn, d: AgentHelloDto) => this.hello(conn, d));
    this.handlers.on('online.list', async (conn) => ({ agents: this.listFor(await this.state(), this.sessions.actorOf(conn)) }));
    this.handlers.on('assist.request', (conn, d: AssistRequestDto) => this.assist(conn, d));
    this.handlers.onClose((conn) => {
      if (conn.endpoint === 'agent') void this.agentLeft(conn).catch((err: unknown) => this.logger.error({ err }, `agent offline failed ${conn.describe()}`));
    });
    this.fanout.on('presence', (msg) => this.pushOnline(msg.state as PresenceState));
    // Agents that came or went while this node's bus was down: the consoles here hear it after the gap.
    this.fanout.follow(this.presence, PRESENCE_ID);
    this.sweeper = setInterval(() => void this.sweep().catch((err: unknown) => this.logger.warn({ err }, 'presence sweep failed')), SWEEP_MS);
    this.sweeper.unref();
  }

  /**
   * What a dead node leaves behind: agents it showed online whose connections are all gone, and grace
   * periods whose timer died with it. One node at a time sweeps (a lease), every few seconds.
   */
  async sweep(): Promise<void> {
    const lease = await this.store.leases.acquire('sweeper:presence', this.node.id, SWEEP_MS * 1.5);
    if (!lease) return;
    const state = await this.state();
    for (const agent of Object.values(state.agents)) {
      if (agent.online && !(await this.stillConnected(agent.agentId))) {
        await this.router.ask(this.presence, PRESENCE_ID, { type: 'AgentOffline', agentId: agent.agentId }, SYSTEM_ACTOR, false).catch(() => undefined);
        const sessionId = await this.index.sessionOfAgent(agent.agentId);
        if (sessionId) await this.router.ask(SESSION, sessionId, { type: 'CustomerConnection', online: false }, SYSTEM_ACTOR).catch(() => undefined);
      }
    }
    for (const agentId of graceExpired(await this.state(), this.clock(), this.config.ws.agentGraceMs)) {
      if (!this.graceTimers.has(agentId)) await this.graceOver(agentId);
    }
  }

  /** Clears grace timers (shutdown). */
  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const t of this.graceTimers.values()) clearTimeout(t);
    this.graceTimers.clear();
  }

  private async state(): Promise<PresenceState> {
    return this.router.query(this.presence, PRESENCE_ID, (s) => s, false);
  }

  private listFor(state: PresenceState, actor: Actor): Array<Omit<AgentPresence, 'pin'> & { status: string }> {
    const now = this.clock();
    return visibleAgents(state, actor).map((a) => ({ ...a, status: agentStatus({ ...a, pin: '' }, now, this.config.ws.agentGraceMs) }));
  }

  private pushOnline(state: PresenceState): void {
    for (const conn of this.connections.list()) {
      if (conn.endpoint !== 'console' || conn.identity.kind !== 'person' || conn.identity.role === 'customer') continue;
      conn.send('online.changed', { agents: this.listFor(state, this.sessions.actorOf(conn)) });
    }
  }

  private async hello(conn: Connection, d: AgentHelloDto): Promise<object> {
    const agentId = conn.identity.id;
    // `tandem-agent join`: the session decides the attach first; a refused code leaves the agent offline.
    if (d.attachCode) await this.attach.attach(conn, d.attachCode);
    const cmd = {
      type: 'AgentOnline' as const, agentId, hostname: d.hostname, osUser: d.osUser, os: d.os, version: d.version, pin: d.pin,
      displays: d.displays.map((x) => ({ index: x.index, name: x.name, x: x.x, y: x.y, width: x.width, height: x.height, ...(x.primary !== undefined ? { primary: x.primary } : {}) })),
      teams: conn.identity.teams,
    };
    await this.store.kv.setAdd(connsKey(agentId), `${this.node.id}/${conn.id}`);
    await this.router.ask(this.presence, PRESENCE_ID, cmd, { ...this.sessions.actorOf(conn), kind: 'customer' }, false);
    const timer = this.graceTimers.get(agentId);
    if (timer) clearTimeout(timer);
    this.graceTimers.delete(agentId);
    const sessionId = await this.index.sessionOfAgent(agentId);
    if (sessionId) {
      await this.router.ask(SESSION, sessionId, { type: 'CustomerConnection', online: true }, SYSTEM_ACTOR).catch((err: unknown) => {
        if (!(err instanceof ProtocolError)) throw err;
      });
    }
    // A restarted agent learns its session here and joins its stream with session.resume; and what is
    // installed on it, so that a removal or an unpin it missed while offline reaches it now.
    return {
      agentId, sessionId, resumeToken: sessionId ? this.resumeTokens.issue(sessionId, `agent:${agentId}`) : null,
      limits: { clipboardBytes: this.config.clipboard.maxBytes, fileBytes: this.config.files.maxBytes, messagesPerSecond: this.config.ws.rateLimit.messagesPerSecond },
      entryPoints: await this.entryPointsOf(agentId),
    };
  }

  /**
   * The Support Buttons and Jump Client pins the store holds for this agent (read from the entry-points
   * journal when another node holds its actor): the agent drops from its config what is not here.
   */
  private async entryPointsOf(agentId: string): Promise<{ supportButtons: object[]; jumpClients: string[] }> {
    const { supportButtons, jumpClients } = await this.router.query(ENTRY_POINTS, 'all', (s) => entryPointsOfAgent(s, agentId), false);
    return { supportButtons: supportButtons.map((b) => buttonForAgent(b, this.config, (id) => this.users.find(id)?.displayName)), jumpClients };
  }

  private async agentLeft(conn: Connection): Promise<void> {
    const agentId = conn.identity.id;
    await this.store.kv.setRemove(connsKey(agentId), `${this.node.id}/${conn.id}`);
    // A draining node told its agents to reconnect elsewhere: that is not the agent going away (the
    // sweeper handles one that never comes back). Another connection, here or on a live node, keeps it online.
    if (this.node.isDraining || (await this.stillConnected(agentId))) return;
    try {
      await this.router.ask(this.presence, PRESENCE_ID, { type: 'AgentOffline', agentId }, SYSTEM_ACTOR, false);
    } catch (err) {
      if (err instanceof ProtocolError) return; // It never said hello.
      throw err;
    }
    const sessionId = await this.index.sessionOfAgent(agentId);
    if (sessionId) {
      await this.router.ask(SESSION, sessionId, { type: 'CustomerConnection', online: false }, SYSTEM_ACTOR).catch(() => undefined);
    }
    const timer = setTimeout(() => void this.graceOver(agentId).catch((err: unknown) => this.logger.error({ err }, `grace end failed [agent:${agentId}]`)), this.config.ws.agentGraceMs);
    timer.unref();
    this.graceTimers.set(agentId, timer);
  }

  private async stillConnected(agentId: string): Promise<boolean> {
    for (const member of await this.store.kv.setMembers(connsKey(agentId))) {
      const [nodeId] = member.split('/');
      if (nodeId && (await this.nodes.isAlive(nodeId))) return true;
      await this.store.kv.setRemove(connsKey(agentId), member);
    }
    return false;
  }

  /** The agent did not come back in time: its session ends (customer-lost) and it leaves the list. */
  private async graceOver(agentId: string): Promise<void> {
    this.graceTimers.delete(agentId);
    const state = await this.state();
    const agent = state.agents[agentId];
    if (!agent || agentStatus(agent, this.clock(), this.config.ws.agentGraceMs) !== 'offline') return;
    if (await this.stillConnected(agentId)) return;
    const sessionId = await this.index.sessionOfAgent(agentId);
    if (sessionId) await this.router.ask(SESSION, sessionId, { type: 'End' }, SYSTEM_ACTOR).catch(() => undefined);
    await this.router.ask(this.presence, PRESENCE_ID, { type: 'ForgetAgent', agentId }, SYSTEM_ACTOR, false).catch(() => undefined);
  }

  private async assist(conn: Connection, d: AssistRequestDto): Promise<object> {
    const actor = this.sessions.actorOf(conn);
    const state = await this.state();
    let agent: AgentPresence | undefined;
    let via: 'selection' | 'pin' = 'selection';
    if (d.pin !== undefined) {
      via = 'pin';
      const key = `pin:${actor.id}`;
      const allowed = await this.router.query(GUESSES, 'all', (g) => guessAllowed(g, key, this.clock()), false);
      if ('rejection' in allowed) throw new ProtocolError(allowed.rejection.code, allowed.rejection.message);
      agent = findByPin(state, d.pin);
      const found = agent !== undefined && agentVisibleTo(agent, actor);
      await this.router.ask(GUESSES, 'all', { type: 'RecordGuess', key, success: found }, actor, false);
      if (!found) throw new ProtocolError('PIN_UNKNOWN', 'no online agent has this Assist PIN');
    } else {
      agent = state.agents[d.agentId!];
      if (!agent || !agent.online || !agentVisibleTo(agent, actor)) throw new ProtocolError('UNKNOWN_AGENT', 'no such agent online');
    }
    return this.startAssist(agent!, actor, via, d.action);
  }

  /** Opens a session on an agent for a representative (used by selection, PIN and security code). */
  async startAssist(agent: Pick<AgentPresence, 'agentId' | 'osUser' | 'hostname'>, actor: Actor, via: 'selection' | 'pin' | 'code', action: 'view' | 'control'): Promise<{ sessionId: string; seq: number }> {
    const sessionId = newId('s');
    if (!(await this.index.claimAgent(agent.agentId, sessionId))) throw new ProtocolError('AGENT_BUSY', 'this desktop is already in a session');
    try {
      const commit = await this.router.ask(SESSION, sessionId, {
        type: 'RequestAssist', agentId: agent.agentId, customer: { id: agent.agentId, name: agent.osUser || agent.hostname }, via, action,
      }, actor, false);
      return { sessionId, seq: commit.version };
    } catch (err) {
      await this.index.releaseAgent(agent.agentId, sessionId);
      throw err;
    }
  }
}
