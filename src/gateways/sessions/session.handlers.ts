import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import { UserDirectory } from '../../auth/user-directory';
import type { TandemConfig } from '../../config/config.schema';
import { CONFIG } from '../../config/config.token';
import { type Actor, type InviteeAvailability, type InviteTarget, type QueueRef, type RightsTable, type SessionCommand } from '../../domain';
import type { AssistRespondDto, FileRespondDto, ModeSetDto, RequestAnswerDto, ScreenStateDto } from '../../protocol/messages/agent.dto';
import type { SessionRef } from '../../protocol/messages/common';
import type {
  AdminActionDto, ChatSendDto, ControlHandDto, ElevationRequestDto, FileOfferDto, FileResultDto, InviteCancelDto, InviteRespondDto, MemberRemoveDto,
  ModeRequestDto, SessionInviteDto, SessionTransferDto,
} from '../../protocol/messages/console.dto';
import type { Connection } from '../connection';
import { HandlerRegistry } from '../handler-registry';
import { ProtocolError } from '../protocol-error';
import { actorOf, rightsTableOf } from './actor-of';
import { Messenger } from './messenger';
import { PeoplePresence } from './people-presence';
import { SessionRouter } from './session-router';

/** A fresh id for requests, messages, files and invitations (the domain takes ids in commands). */
export const newId = (prefix: string): string => `${prefix}_${randomBytes(9).toString('base64url')}`;

type Build<D> = (data: D, actor: Actor, conn: Connection) => SessionCommand | Promise<SessionCommand>;

/**
 * The session commands of the protocol: each maps its DTO to a domain command, sends it to the
 * session's actor and acks with the new seq (plus the new id when the server made one). Everything the
 * members see follows from the commit through SessionFanout.
 */
@Injectable()
export class SessionHandlers implements OnModuleInit {
  private readonly rights: RightsTable;

  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly router: SessionRouter,
    private readonly users: UserDirectory,
    private readonly messenger: Messenger,
    private readonly people: PeoplePresence,
    @Inject(CONFIG) private readonly config: TandemConfig,
  ) {
    this.rights = rightsTableOf(config);
  }

  onModuleInit(): void {
    this.command<AssistRespondDto>('assist.respond', (d) => ({ type: 'RespondAssist', allow: d.allow }));
    this.command<ModeSetDto>('mode.set', (d) => ({ type: 'SetMode', mode: d.mode }));
    this.command<ModeRequestDto>('mode.request', (d) => ({ type: 'RequestMode', requestId: newId('rq'), mode: d.mode }));
    this.command<RequestAnswerDto>('mode.respond', (d) => ({ type: 'RespondModeRequest', requestId: d.requestId, allow: d.allow }));
    this.command<SessionRef>('control.request', () => ({ type: 'RequestControl', requestId: newId('rq') }));
    this.command<RequestAnswerDto>('control.respond', (d) => ({ type: 'RespondControl', requestId: d.requestId, allow: d.allow }));
    this.command<ControlHandDto>('control.hand', (d) => ({ type: 'HandControl', memberId: d.memberId }));
    this.command<ChatSendDto>('chat.send', (d) => ({ type: 'SendChat', messageId: newId('m'), text: d.text }));
    this.command<FileOfferDto>('file.offer', (d) => {
      if (d.size > this.config.files.maxBytes) throw new ProtocolError('FILE_TOO_LARGE', `files are limited to ${this.config.files.maxBytes} bytes (files.maxBytes)`);
      return { type: 'OfferFile', fileId: newId('f'), name: d.name, size: d.size, sha256: d.sha256 };
    });
    this.command<FileRespondDto>('file.respond', (d) => ({ type: 'RespondFile', fileId: d.fileId, accept: d.accept }));
    this.command<FileResultDto>('file.result', (d) => ({
      type: 'ReportFile', fileId: d.fileId, result: d.ok ? { ok: true, ...(d.savedAs !== undefined ? { savedAs: d.savedAs } : {}) } : { ok: false, code: d.code! },
    }));
    this.handlers.on('session.invite', async (conn, d: SessionInviteDto) => {
      const actor = this.actorOf(conn);
      const command = { type: 'Invite' as const, inviteId: newId('inv'), ...(await this.inviteTarget(d)) };
      const commit = await this.router.ask(SESSION, d.sessionId, command, actor);
      const t = command.target;
      // An external person gets a one-time link (only the owner sees it, in this ack).
      const link = t.kind === 'external' ? await this.externalLink(d.sessionId, command.inviteId, t.externalId, t.name) : undefined;
      return { sessionId: d.sessionId, seq: commit.version, inviteId: command.inviteId, ...(link ? { link } : {}) };
    });
    this.command<InviteRespondDto>('invite.respond', (d) => ({ type: 'RespondInvite', inviteId: d.inviteId, accept: d.accept }));
    this.command<InviteCancelDto>('invite.cancel', (d) => ({ type: 'CancelInvite', inviteId: d.inviteId }));
    this.command<MemberRemoveDto>('member.remove', (d) => ({ type: 'RemoveMember', memberId: d.memberId }));
    this.command<SessionRef>('customer.disconnect', () => ({ type: 'DisconnectCustomer' }));
    this.command<SessionTransferDto>('session.transfer', (d) => ({ type: 'Transfer', to: this.transferTarget(d) }));
    this.command<SessionRef>('session.hold', () => ({ type: 'Hold' }));
    this.command<SessionRef>('queue.take', () => ({ type: 'TakeFromQueue' }));
    this.command<SessionRef>('session.join', () => ({ type: 'Watch' }));
    this.command<SessionRef>('session.end', () => ({ type: 'End' }));
    this.command<SessionRef>('session.leave', () => ({ type: 'Leave' }));
    this.handlers.on('elevation.request', (conn, d: ElevationRequestDto) => this.requestElevation(conn, d));
    this.command<RequestAnswerDto>('elevation.respond', (d) => ({ type: 'RespondElevation', requestId: d.requestId, allow: d.allow }));
    this.command<SessionRef>('elevation.end', () => ({ type: 'EndElevation' }));
    this.command<AdminActionDto>('admin.action', (d) => ({ type: 'AdminAction', action: d.action }));
    this.command<ScreenStateDto>('screen.state', (d) => ({ type: 'ReportScreen', paused: d.paused, ...(d.reason ? { reason: d.reason } : {}) }));
  }

  /** Set by ExternalInvites (it depends on this class, so it registers itself). */
  externalLink: (sessionId: string, inviteId: string, externalId: string, name: string) => Promise<string> = async () => {
    throw new ProtocolError('INTERNAL', 'external invitations are not available');
  };

  /** The actor a connection speaks as. */
  actorOf(conn: Connection): Actor {
    return actorOf(conn.identity, this.rights);
  }

  private command<D extends SessionRef>(event: string, build: Build<D>): void {
    this.handlers.on(event, async (conn, data: D) => {
      const actor = this.actorOf(conn);
      const command = await build(data, actor, conn);
      const commit = await this.router.ask(SESSION, data.sessionId, command, actor);
      return { sessionId: data.sessionId, seq: commit.version, ...createdIds(command) };
    });
  }

  /**
   * Elevation by credentials: the domain records the request (never the credentials); the credentials
   * go once, only to the agent's connection, which checks them against the desktop and answers
   * `elevation.respond`. They are never journaled, logged or sent to anyone else.
   */
  private async requestElevation(conn: Connection, d: ElevationRequestDto): Promise<object> {
    const actor = this.actorOf(conn);
    const requestId = newId('rq');
    const credentials = d.credentials ? { username: d.credentials.username, password: d.credentials.password } : undefined;
    const commit = await this.router.ask(SESSION, d.sessionId, {
      type: 'RequestElevation', requestId, method: d.method, ...(credentials ? { credentials } : {}),
      reasonRequired: this.config.policy.reasonRequired.elevation, ...(d.reason ? { reason: d.reason } : {}),
    }, actor);
    if (d.method === 'credentials' && credentials && commit.state.agentId) {
      this.messenger.send([{ kind: 'agent', id: commit.state.agentId }], 'elevation.verify', { sessionId: d.sessionId, requestId, from: { id: actor.id, name: actor.name }, ...credentials });
    }
    return { sessionId: d.sessionId, seq: commit.version, requestId };
  }

  /** The invitation's target; for a representative also what the domain needs to know of their availability. */
  private async inviteTarget(d: SessionInviteDto): Promise<{ target: InviteTarget; availability?: InviteeAvailability }> {
    const t = d.target;
    if (t.kind === 'representative') {
      const user = this.users.find(t.userId!);
      if (!user || user.role === 'customer') throw new ProtocolError('UNKNOWN_USER', 'no such representative');
      const availability = { online: await this.people.isOnline(user.username), extendedAvailability: user.extendedAvailability === true };
      return { target: { kind: 'representative', userId: user.username, name: user.displayName }, availability };
    }
    if (t.kind === 'team') {
      if (!this.config.teams.some((team) => team.id === t.teamId)) throw new ProtocolError('UNKNOWN_TEAM', 'no such team');
      return { target: { kind: 'team', teamId: t.teamId! } };
    }
    return { target: { kind: 'external', externalId: newId('ext'), name: t.name! } };
  }

  private transferTarget(d: SessionTransferDto): QueueRef {
    if (d.to.kind === 'team') {
      if (!this.config.teams.some((team) => team.id === d.to.teamId)) throw new ProtocolError('UNKNOWN_TEAM', 'no such team');
      return { kind: 'team', teamId: d.to.teamId! };
    }
    const user = this.users.find(d.to.userId!);
    if (!user || user.role === 'customer') throw new ProtocolError('UNKNOWN_USER', 'no such representative');
    return { kind: 'personal', userId: user.username };
  }
}

/** The ids the server made for a command, so the sender can refer to them (e.g. cancel an invitation). */
function createdIds(command: SessionCommand): Record<string, string> {
  switch (command.type) {
    case 'RequestMode': case 'RequestControl': case 'RequestElevation': return { requestId: command.requestId };
    case 'SendChat': return { messageId: command.messageId };
    case 'OfferFile': return { fileId: command.fileId };
    case 'Invite': return { inviteId: command.inviteId };
    default: return {};
  }
}
