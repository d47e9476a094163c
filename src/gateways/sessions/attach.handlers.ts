import { createHash, randomInt } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { GUESSES } from '../../actors/aggregates/guesses.aggregate';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import type { Store } from '../../cluster/ports';
import type { TandemConfig } from '../../config/config.schema';
import { CONFIG } from '../../config/config.token';
import { guessAllowed } from '../../domain';
import type { AttachCodeDto } from '../../protocol/messages/attach.dto';
import type { Connection } from '../connection';
import { HandlerRegistry } from '../handler-registry';
import { ProtocolError } from '../protocol-error';
import { SessionHandlers } from './session.handlers';
import { SessionIndex } from './session-index';
import { SessionRouter } from './session-router';
import { CLOCK, type Clock, STORE } from './tokens';

/** Letters and digits a customer can read or paste without confusion (no 0/O, 1/I). */
const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
/** 10 characters of 32: 50 bits, for a code that lives minutes, works once and whose guesses are limited. */
const CODE_LENGTH = 10;
/** The code → session entry outlives the code by this much, so the domain (not a missing key) says "expired" or "used". */
const KEEP_AFTER_EXPIRY_MS = 3600 * 1000;

/** The store keeps only a hash of an attach code (so does the session's journal). */
export function attachCodeHash(code: string): string {
  return createHash('sha256').update(`tandem-attach:${code}`).digest('hex');
}
const codeKey = (hash: string): string => `attach-code:${hash}`;
/** The store key naming the session of an attach code (enrollment checks it too). */
export const attachCodeKey = (code: string): string => codeKey(attachCodeHash(code));

/**
 * Click-to-chat elevated to the full client (issue #12): the customer asks for a one-time attach code
 * (`attach.code`, after granting the full client) and runs `tandem-agent join --server URL --code CODE`;
 * the agent sends the code in its `agent.hello`, and the session decides the attach (AgentAttached).
 */
@Injectable()
export class AttachHandlers implements OnModuleInit {
  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly router: SessionRouter,
    private readonly sessions: SessionHandlers,
    private readonly index: SessionIndex,
    @Inject(STORE) private readonly store: Store,
    @Inject(CONFIG) private readonly config: TandemConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.handlers.on('attach.code', (conn, d: AttachCodeDto) => this.issue(conn, d));
  }

  private async issue(conn: Connection, d: AttachCodeDto): Promise<object> {
    const code = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    const hash = attachCodeHash(code);
    const ttlMs = this.config.codes.attachCodeTtlMs;
    const mode = d.mode ?? 'observe';
    const commit = await this.router.ask(SESSION, d.sessionId, { type: 'IssueAttachCode', codeHash: hash, mode, ttlMs }, this.sessions.actorOf(conn));
    await this.store.kv.set(codeKey(hash), d.sessionId, ttlMs + KEEP_AFTER_EXPIRY_MS);
    const expiresAt = (commit.events[0] as { expiresAt: number }).expiresAt;
    return { code, expiresAt, mode, server: this.config.node.publicUrl || null };
  }

  /**
   * The agent on this connection joins the session of its attach code: the session decides (valid, unused,
   * unexpired, still waiting for its agent), and the agent is indexed as that session's desktop.
   */
  async attach(conn: Connection, code: string): Promise<string> {
    const agentId = conn.identity.id;
    const actor = this.sessions.actorOf(conn);
    const key = `attach:${agentId}`;
    const allowed = await this.router.query(GUESSES, 'all', (g) => guessAllowed(g, key, this.clock()), false);
    if ('rejection' in allowed) throw new ProtocolError(allowed.rejection.code, allowed.rejection.message);
    const hash = attachCodeHash(code);
    const sessionId = await this.store.kv.get(codeKey(hash));
    if (!sessionId) {
      await this.router.ask(GUESSES, 'all', { type: 'RecordGuess', key, success: false }, actor, false).catch(() => undefined);
      throw new ProtocolError('ATTACH_CODE_UNKNOWN', 'no such attach code (or a newer one replaced it)');
    }
    const current = await this.index.sessionOfAgent(agentId);
    if (current !== sessionId && !(await this.index.claimAgent(agentId, sessionId))) throw new ProtocolError('AGENT_BUSY', 'this desktop is already in a session');
    try {
      await this.router.ask(SESSION, sessionId, { type: 'AttachAgent', codeHash: hash, agentId }, actor);
    } catch (err) {
      if (current !== sessionId) await this.index.releaseAgent(agentId, sessionId);
      if (err instanceof ProtocolError && err.code === 'ATTACH_CODE_UNKNOWN') await this.router.ask(GUESSES, 'all', { type: 'RecordGuess', key, success: false }, actor, false).catch(() => undefined);
      throw err;
    }
    return sessionId;
  }
}
