import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { TokenService } from '../auth/token.service';
import type { Store, Unsubscribe } from '../cluster/ports';
import type { TandemConfig } from '../config/config.schema';
import { CONFIG } from '../config/config.token';
import { ConnectionRegistry } from '../gateways/connection-registry';
import { CLOCK, type Clock, STORE } from '../gateways/sessions/tokens';
import { CLOSE_CODES } from '../protocol/close-codes';

const CHANNEL = 'revocations';
const SET = 'revoked';
const key = (subject: string): string => `revoked:${subject}`;

/**
 * Revoking a person's tokens on every node at once: the revocation is kept in the store (so nodes that
 * start later know it) and announced on the bus; each node refuses older tokens from then on and
 * closes that person's open connections with 4401.
 */
@Injectable()
export class Revocations implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('revocations');
  private unsubscribe: Unsubscribe | null = null;
  private offGap: (() => void) | null = null;

  constructor(
    private readonly tokens: TokenService,
    private readonly connections: ConnectionRegistry,
    @Inject(STORE) private readonly store: Store,
    @Inject(CONFIG) private readonly config: TandemConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.store.bus.subscribe(CHANNEL, (raw) => {
      try {
        const { subject, at } = JSON.parse(raw) as { subject: string; at: number };
        this.apply(subject, at);
      } catch {
        this.logger.warn('malformed revocation ignored');
      }
    });
    // A revocation announced while this node's bus was down is in the store: applied here after the gap.
    this.offGap = this.store.bus.onGap?.(() => void this.catchUp().catch((err: unknown) => this.logger.error({ err }, 'revocations catch-up failed'))) ?? null;
    for (const subject of await this.store.kv.setMembers(SET)) {
      const at = await this.store.kv.get(key(subject));
      if (at === null) await this.store.kv.setRemove(SET, subject);
      else this.tokens.revoke(subject, Number(at));
    }
  }

  /** Applies the stored revocations newer than what this node knows (closing their connections here). */
  private async catchUp(): Promise<void> {
    let applied = 0;
    for (const subject of await this.store.kv.setMembers(SET)) {
      const at = await this.store.kv.get(key(subject));
      if (at === null || Number(at) <= (this.tokens.revokedAt(subject) ?? -Infinity)) continue;
      this.apply(subject, Number(at));
      applied++;
    }
    if (applied > 0) this.logger.warn(`${applied} revocations missed while the bus was down applied now`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.offGap?.();
    await this.unsubscribe?.().catch(() => undefined);
  }

  /** Revokes every token of `subject` issued up to now, everywhere. */
  async revoke(subject: string): Promise<number> {
    const at = Math.floor(this.clock() / 1000);
    // Kept as long as a token issued just before could live.
    const ttlMs = Math.max(this.config.auth.tokenTtlSeconds, this.config.auth.agentTokenTtlSeconds) * 1000;
    await this.store.kv.set(key(subject), String(at), ttlMs);
    await this.store.kv.setAdd(SET, subject);
    await this.store.bus.publish(CHANNEL, JSON.stringify({ subject, at }));
    return this.apply(subject, at);
  }

  private apply(subject: string, at: number): number {
    this.tokens.revoke(subject, at);
    let closed = 0;
    for (const conn of this.connections.list()) {
      if (conn.identity.id !== subject || conn.identity.kind === 'customer') continue;
      conn.error(undefined, 'TOKEN_REVOKED', 'an administrator revoked your tokens; log in again');
      conn.close(CLOSE_CODES.TOKEN_EXPIRED, 'token revoked');
      closed++;
    }
    return closed;
  }
}
