import { randomInt } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { codesAggregate } from '../../actors/aggregates/codes.aggregate';
import { GUESSES } from '../../actors/aggregates/guesses.aggregate';
import { UserDirectory } from '../../auth/user-directory';
import type { TandemConfig } from '../../config/config.schema';
import { CONFIG } from '../../config/config.token';
import { actorOf, rightsTableOf } from './actor-of';
import { guessAllowed, type SecurityCodeEvent } from '../../domain';
import type { CodeEnterDto } from '../../protocol/messages/agent.dto';
import type { Connection } from '../connection';
import { HandlerRegistry } from '../handler-registry';
import { ProtocolError } from '../protocol-error';
import { PresenceHandlers } from './presence.handlers';
import { SessionHandlers } from './session.handlers';
import { SessionRouter } from './session-router';
import { CLOCK, type Clock } from './tokens';

/** Letters and digits a customer can read aloud without confusion (no 0/O, 1/I). */
const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const CODE_LENGTH = 8;

/**
 * Security codes, the Intune way: a technician makes a code (`code.create`), tells it to the customer,
 * who types it into the agent (`code.enter`); that opens a session owned by the code's maker, which the
 * customer then allows or declines. Codes live 10 minutes and are used once; wrong guesses lock out.
 */
@Injectable()
export class CodesHandlers implements OnModuleInit {
  private readonly codes;

  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly router: SessionRouter,
    private readonly sessions: SessionHandlers,
    private readonly presence: PresenceHandlers,
    private readonly users: UserDirectory,
    @Inject(CONFIG) private readonly config: TandemConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.codes = codesAggregate(config.codes.securityCodeTtlMs);
    router.actors.register(this.codes);
  }

  onModuleInit(): void {
    this.handlers.on('code.create', (conn) => this.create(conn));
    this.handlers.on('code.enter', (conn, d: CodeEnterDto) => this.enter(conn, d));
  }

  private async create(conn: Connection): Promise<object> {
    const actor = this.sessions.actorOf(conn);
    const code = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    const commit = await this.router.ask(this.codes, 'all', { type: 'CreateCode', code }, actor, false);
    const created = commit.events[0] as Extract<SecurityCodeEvent, { type: 'CodeCreated' }>;
    return { code, expiresAt: created.expiresAt };
  }

  private async enter(conn: Connection, d: CodeEnterDto): Promise<object> {
    const actor = this.sessions.actorOf(conn);
    const agentId = conn.identity.id;
    const key = `code:${agentId}`;
    const allowed = await this.router.query(GUESSES, 'all', (g) => guessAllowed(g, key, this.clock()), false);
    if ('rejection' in allowed) throw new ProtocolError(allowed.rejection.code, allowed.rejection.message);
    let redeemed: Extract<SecurityCodeEvent, { type: 'CodeRedeemed' }>;
    try {
      const commit = await this.router.ask(this.codes, 'all', { type: 'RedeemCode', code: d.code, agentId }, actor, false);
      redeemed = commit.events[0] as typeof redeemed;
    } catch (err) {
      if (err instanceof ProtocolError) await this.router.ask(GUESSES, 'all', { type: 'RecordGuess', key, success: false }, actor, false).catch(() => undefined);
      throw err;
    }
    await this.router.ask(GUESSES, 'all', { type: 'RecordGuess', key, success: true }, actor, false);
    const user = this.users.find(redeemed.createdBy.id);
    if (!user) throw new ProtocolError('UNKNOWN_USER', 'the technician who made this code no longer exists');
    const technician = actorOf({ kind: 'person', id: user.username, name: user.displayName, role: user.role, teams: user.teams, exp: 0 }, rightsTableOf(this.config));
    const started = await this.presence.startAssist({ agentId, osUser: conn.identity.name, hostname: conn.identity.name }, technician, 'code', 'control');
    return { ...started, technician: { id: technician.id, name: technician.name } };
  }
}
