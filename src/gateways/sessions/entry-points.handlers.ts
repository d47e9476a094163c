import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ActorRegistry } from '../../actors/actor-registry';
import { ENTRY_POINTS } from '../../actors/aggregates/entry-points.aggregate';
import { presenceAggregate } from '../../actors/aggregates/presence.aggregate';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import { UserDirectory } from '../../auth/user-directory';
import type { TandemConfig } from '../../config/config.schema';
import { CONFIG } from '../../config/config.token';
import {
  agentStatus, type EntryPointsEvent, type EntryPointsState, hasRight, isInJumpGroup, mayRemoveButton, maySeeSessionButtons, mayStartJump, mayUnpin, type PresenceState, type QueueRef, type SessionFacts,
} from '../../domain';
import type { ButtonRefDto, JumpGroupDefineDto, JumpPinDto, JumpRefDto, JumpStartDto, SupportButtonDeployDto, SupportButtonListDto } from '../../protocol/messages/entry.dto';
import type { Connection } from '../connection';
import { HandlerRegistry } from '../handler-registry';
import { ProtocolError } from '../protocol-error';
import { buttonForAgent, profileList } from './button-for-agent';
import { Messenger } from './messenger';
import { PRESENCE_ID } from './presence.handlers';
import { SessionFanout } from './session-fanout';
import { SessionIndex } from './session-index';
import { newId, SessionHandlers } from './session.handlers';
import { SessionRouter } from './session-router';
import { CLOCK, type Clock } from './tokens';

const ALL = 'all';

/**
 * Entry points (BeyondTrust): Support Buttons deployed on an agent, through which its customer starts a
 * session into a queue until the button expires; Jump Clients pinned to a personal list or a Jump Group,
 * through which allowed members start unattended sessions under the group's consent policy. The agent is
 * told to install or remove them (`support-button.installed|removed`, `jump.pinned|unpinned`).
 */
@Injectable()
export class EntryPointsHandlers implements OnModuleInit {
  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly router: SessionRouter,
    private readonly sessions: SessionHandlers,
    private readonly index: SessionIndex,
    private readonly fanout: SessionFanout,
    private readonly messenger: Messenger,
    private readonly users: UserDirectory,
    actors: ActorRegistry,
    @Inject(CONFIG) private readonly config: TandemConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    actors.register(ENTRY_POINTS);
  }

  onModuleInit(): void {
    this.handlers.on('support-button.deploy', (conn, d: SupportButtonDeployDto) => this.deploy(conn, d));
    this.handlers.on('support-button.remove', async (conn, d: ButtonRefDto) => {
      await this.router.ask(ENTRY_POINTS, ALL, { type: 'RemoveSupportButton', buttonId: d.buttonId }, this.sessions.actorOf(conn), false);
      return { buttonId: d.buttonId };
    });
    this.handlers.on('support.start', (conn, d: ButtonRefDto) => this.supportStart(conn, d));
    this.handlers.on('jump-group.define', async (conn, d: JumpGroupDefineDto) => {
      await this.router.ask(ENTRY_POINTS, ALL, { type: 'DefineJumpGroup', groupId: d.groupId, name: d.name, userIds: d.userIds, teams: d.teams, consent: d.consent }, this.sessions.actorOf(conn), false);
      return { groupId: d.groupId };
    });
    this.handlers.on('jump.pin', (conn, d: JumpPinDto) => this.pin(conn, d));
    this.handlers.on('jump.unpin', async (conn, d: JumpRefDto) => {
      await this.router.ask(ENTRY_POINTS, ALL, { type: 'UnpinJumpClient', jumpClientId: d.jumpClientId }, this.sessions.actorOf(conn), false);
      return { jumpClientId: d.jumpClientId };
    });
    this.handlers.on('jump.list', (conn) => this.list(conn));
    this.handlers.on('jump-group.list', (conn) => this.groups(conn));
    this.handlers.on('support-button.list', (conn, d: SupportButtonListDto) => this.buttons(conn, d));
    this.handlers.on('jump.start', (conn, d: JumpStartDto) => this.jump(conn, d));
    // The agent installs and removes what was deployed on it, wherever it is connected.
    this.fanout.on('entry', (msg) => {
      for (const e of msg.events as EntryPointsEvent[]) this.tellAgent(e, msg.state as EntryPointsState);
    });
    // A deploy, pin or removal committed while this node's bus was down still reaches its agents here.
    this.fanout.follow(ENTRY_POINTS, ALL);
  }

  private async entries(): Promise<EntryPointsState> {
    return this.router.query(ENTRY_POINTS, ALL, (s) => s, false);
  }

  private async presence(): Promise<PresenceState> {
    return this.router.query(presenceAggregate(this.config.ws.agentGraceMs), PRESENCE_ID, (s: PresenceState) => s, false);
  }

  /**
   * What the domain needs to judge a deploy, a pin or a look at a desktop's buttons from this session: its
   * desktop, its owner, whether it runs, whether its customer is still in it, its members and teams (read
   * from the session's journal, on any node). `judge` runs before the desktop is looked for, so who may not
   * see the session learns nothing about it, not even whether it has a desktop.
   */
  private async sessionFacts(sessionId: string, judge: (session: SessionFacts) => void = () => undefined): Promise<{ agentId: string; session: SessionFacts }> {
    const { agentId, session } = await this.router.query(SESSION, sessionId, (s) => ({
      agentId: s.agentId,
      session: {
        sessionId, status: s.status, ownerId: s.ownerId, customerConnected: s.customer?.connected === true,
        memberIds: Object.keys(s.members), teams: [...s.teams],
      },
    }));
    judge(session);
    if (!agentId) throw new ProtocolError('INVALID_TARGET', 'this session has no desktop agent');
    return { agentId, session };
  }

  private async deploy(conn: Connection, d: SupportButtonDeployDto): Promise<object> {
    const actor = this.sessions.actorOf(conn);
    const { agentId, session } = await this.sessionFacts(d.sessionId);
    const expiresAt = Date.parse(d.expiresAt);
    if (!Number.isFinite(expiresAt)) throw new ProtocolError('INVALID_DATA', 'expiresAt: an ISO time');
    let queue: QueueRef;
    if (d.queue.kind === 'team') {
      if (!this.config.teams.some((t) => t.id === d.queue.teamId)) throw new ProtocolError('UNKNOWN_TEAM', 'no such team');
      queue = { kind: 'team', teamId: d.queue.teamId! };
    } else {
      if (!this.users.find(d.queue.userId!)) throw new ProtocolError('UNKNOWN_USER', 'no such representative');
      queue = { kind: 'personal', userId: d.queue.userId! };
    }
    const buttonId = newId('btn');
    await this.router.ask(ENTRY_POINTS, ALL, {
      type: 'DeploySupportButton', buttonId, name: d.name, profile: d.profile, queue, agentId, expiresAt, session, knownProfiles: Object.keys(this.config.supportButtons.profiles),
    }, actor, false);
    return { buttonId, agentId, expiresAt };
  }

  private async supportStart(conn: Connection, d: ButtonRefDto): Promise<object> {
    const button = (await this.entries()).buttons[d.buttonId];
    if (!button) throw new ProtocolError('UNKNOWN_BUTTON', 'no such support button');
    const sessionId = newId('s');
    if (!(await this.index.claimAgent(conn.identity.id, sessionId))) throw new ProtocolError('AGENT_BUSY', 'this desktop is already in a session');
    try {
      const commit = await this.router.ask(SESSION, sessionId, { type: 'OpenSession', agentId: conn.identity.id, via: { kind: 'support-button', button } }, this.sessions.actorOf(conn), false);
      return { sessionId, seq: commit.version, queue: button.queue };
    } catch (err) {
      await this.index.releaseAgent(conn.identity.id, sessionId);
      throw err;
    }
  }

  private async pin(conn: Connection, d: JumpPinDto): Promise<object> {
    const actor = this.sessions.actorOf(conn);
    const { agentId, session } = await this.sessionFacts(d.sessionId);
    const location = d.location.kind === 'group' ? { kind: 'group' as const, groupId: d.location.groupId! } : { kind: 'personal' as const, userId: actor.id };
    const jumpClientId = newId('jc');
    await this.router.ask(ENTRY_POINTS, ALL, { type: 'PinJumpClient', jumpClientId, agentId, location, session, ...(d.consent ? { consent: d.consent } : {}) }, actor, false);
    return { jumpClientId, agentId };
  }

  private async list(conn: Connection): Promise<object> {
    const actor = this.sessions.actorOf(conn);
    const [entries, presence] = await Promise.all([this.entries(), this.presence()]);
    const now = this.clock();
    const jumpClients = Object.values(entries.jumpClients)
      .filter((jc) => 'ok' in mayStartJump(jc, jc.location.kind === 'group' ? entries.jumpGroups[jc.location.groupId] : undefined, actor))
      .map((jc) => {
        const agent = presence.agents[jc.agentId];
        const group = jc.location.kind === 'group' ? entries.jumpGroups[jc.location.groupId] : undefined;
        return {
          ...jc, consent: group?.consent ?? jc.consent, groupName: group?.name ?? null, mayUnpin: mayUnpin(jc, group, actor),
          agent: agent ? { hostname: agent.hostname, osUser: agent.osUser, os: agent.os, status: agentStatus(agent, now, this.config.ws.agentGraceMs) } : null,
        };
      });
    return { jumpClients };
  }

  /** The Jump Groups the cockpit offers as pin locations (and an admin sees read-only). */
  private async groups(conn: Connection): Promise<object> {
    const actor = this.sessions.actorOf(conn);
    const groups = Object.values((await this.entries()).jumpGroups)
      .filter((g) => isInJumpGroup(g, actor))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((g) => ({ groupId: g.groupId, name: g.name, consent: g.consent, userIds: [...g.userIds], teams: [...g.teams] }));
    return { groups, mayPin: hasRight(actor, 'jump.pin') };
  }

  /** Deployed Support Buttons: on the desktop of a session I may see (ENTRY-9), or the ones I deployed (an admin: all). */
  private async buttons(conn: Connection, d: SupportButtonListDto): Promise<object> {
    const actor = this.sessions.actorOf(conn);
    if (!hasRight(actor, 'support-button.deploy')) throw new ProtocolError('FORBIDDEN', 'you may not deploy or remove Support Buttons');
    const agentId = d.sessionId ? (await this.sessionFacts(d.sessionId, (session) => {
      const allowed = maySeeSessionButtons(session, actor);
      if ('rejection' in allowed) throw new ProtocolError(allowed.rejection.code, allowed.rejection.message);
    })).agentId : null;
    const now = this.clock();
    const buttons = Object.values((await this.entries()).buttons)
      .filter((b) => (agentId ? b.agentId === agentId : actor.kind === 'admin' || b.deployedBy === actor.id))
      .sort((a, b) => a.expiresAt - b.expiresAt)
      .map((b) => ({ ...b, queue: { ...b.queue }, expired: now >= b.expiresAt, mayRemove: mayRemoveButton(b, actor) }));
    // The configured profiles come along: the deploy form offers them (ids and titles).
    return { buttons, profiles: profileList(this.config) };
  }

  private async jump(conn: Connection, d: JumpStartDto): Promise<object> {
    const actor = this.sessions.actorOf(conn);
    const entries = await this.entries();
    const jc = entries.jumpClients[d.jumpClientId];
    if (!jc) throw new ProtocolError('UNKNOWN_JUMP_CLIENT', 'no such jump client');
    const group = jc.location.kind === 'group' ? entries.jumpGroups[jc.location.groupId] : undefined;
    const allowed = mayStartJump(jc, group, actor);
    if ('rejection' in allowed) throw new ProtocolError(allowed.rejection.code, allowed.rejection.message);
    const agent = (await this.presence()).agents[jc.agentId];
    if (!agent?.online) throw new ProtocolError('UNKNOWN_AGENT', 'the jump client\'s agent is not online');
    const sessionId = newId('s');
    if (!(await this.index.claimAgent(jc.agentId, sessionId))) throw new ProtocolError('AGENT_BUSY', 'this desktop is already in a session');
    try {
      const commit = await this.router.ask(SESSION, sessionId, {
        type: 'StartJump', jumpClient: jc, ...(group ? { group } : {}), customer: { id: jc.agentId, name: agent.osUser || agent.hostname },
        reasonRequired: this.config.policy.reasonRequired.jump, ...(d.reason ? { reason: d.reason } : {}),
      }, actor, false);
      return { sessionId, seq: commit.version, consent: allowed.consent };
    } catch (err) {
      await this.index.releaseAgent(jc.agentId, sessionId);
      throw err;
    }
  }

  private tellAgent(e: EntryPointsEvent, state: EntryPointsState): void {
    switch (e.type) {
      case 'SupportButtonDeployed':
        this.messenger.deliverLocal([{ kind: 'agent', id: e.button.agentId }], 'support-button.installed', buttonForAgent(e.button, this.config, (id) => this.users.find(id)?.displayName));
        break;
      case 'SupportButtonRemoved': {
        const agentId = e.actor && Object.values(state.buttons).find((b) => b.buttonId === e.buttonId)?.agentId;
        if (agentId) this.messenger.deliverLocal([{ kind: 'agent', id: agentId }], 'support-button.removed', { buttonId: e.buttonId });
        else this.messenger.deliverLocalToAllAgents('support-button.removed', { buttonId: e.buttonId });
        break;
      }
      case 'JumpClientPinned':
        this.messenger.deliverLocal([{ kind: 'agent', id: e.jumpClient.agentId }], 'jump.pinned', { jumpClientId: e.jumpClient.jumpClientId });
        break;
      case 'JumpClientUnpinned':
        this.messenger.deliverLocalToAllAgents('jump.unpinned', { jumpClientId: e.jumpClientId });
        break;
      default:
        break;
    }
  }
}
