import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import { UserDirectory } from '../../auth/user-directory';
import type { TandemConfig } from '../../config/config.schema';
import { CONFIG } from '../../config/config.token';
import { type Actor, type InviteCandidate, invitablePeople, mayListInvitable, type SessionState } from '../../domain';
import type { SessionRef } from '../../protocol/messages/common';
import { HandlerRegistry } from '../handler-registry';
import { ProtocolError } from '../protocol-error';
import { PeoplePresence } from './people-presence';
import { SessionHandlers } from './session.handlers';
import { SessionRouter } from './session-router';

const KIND: Record<string, Actor['kind']> = { technician: 'technician', supervisor: 'supervisor', admin: 'admin', customer: 'customer' };

/**
 * `people.invitable {sessionId}`: for the session's owner, the representatives who may be invited now
 * (logged in on any node, or with extended availability, who are mailed) and the teams an "any
 * representative" invitation may go to. The domain decides who is listed.
 */
@Injectable()
export class PeopleHandlers implements OnModuleInit {
  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly router: SessionRouter,
    private readonly sessions: SessionHandlers,
    private readonly users: UserDirectory,
    private readonly presence: PeoplePresence,
    @Inject(CONFIG) private readonly config: TandemConfig,
  ) {}

  onModuleInit(): void {
    this.handlers.on('people.invitable', async (conn, d: SessionRef) => {
      const actor = this.sessions.actorOf(conn);
      const state = await this.router.query(SESSION, d.sessionId, (s) => s as SessionState);
      const allowed = mayListInvitable(state, actor);
      if ('rejection' in allowed) throw new ProtocolError(allowed.rejection.code, allowed.rejection.message);
      const candidates: InviteCandidate[] = await Promise.all(this.users.list().map(async (u) => ({
        userId: u.username, name: u.displayName, kind: KIND[u.role] ?? 'customer', teams: [...u.teams],
        online: await this.presence.isOnline(u.username), extendedAvailability: u.extendedAvailability === true,
      })));
      const people = invitablePeople(state, candidates).map((p) => ({ userId: p.userId, name: p.name, role: p.kind, teams: p.teams, availability: p.availability }));
      return { sessionId: d.sessionId, people, teams: this.config.teams.map((t) => ({ id: t.id, name: t.name })) };
    });
  }
}
