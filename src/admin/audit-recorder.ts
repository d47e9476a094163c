import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ActorRegistry } from '../actors/actor-registry';
import type { AuditEntry, Store } from '../cluster/ports';
import type { TandemConfig } from '../config/config.schema';
import { CONFIG } from '../config/config.token';
import type { ActorRef, SessionEvent } from '../domain';
import type { Sealed } from '../actors/event-chain';
import { LEDGER, ledgerDay } from '../actors/aggregates/ledger.aggregate';
import { SYSTEM_ACTOR } from '../gateways/sessions/actor-of';
import { SessionRouter } from '../gateways/sessions/session-router';
import { CLOCK, type Clock, STORE } from '../gateways/sessions/tokens';
import { NodeInfo } from '../node/node-info';

const DAY_MS = 24 * 3600 * 1000;

/** An audit entry for a session event: the event's own fields, nothing added, nothing secret (events hold none). */
export function auditOfEvent(event: SessionEvent, node: string): AuditEntry {
  const { seq, sessionId, actor, at, type, ...details } = event;
  return { at, type, actor: { kind: actor.kind, id: actor.id, name: actor.name }, sessionId, seq, node, details };
}

/**
 * Writes the audit log: every session event committed on this node (in commit order) and every admin
 * action, into the store's cluster-wide log; trims entries past `audit.retentionDays` once a day.
 */
@Injectable()
export class AuditRecorder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('audit');
  private chain: Promise<void> = Promise.resolve();
  private trimmer: NodeJS.Timeout | null = null;

  constructor(
    private readonly actors: ActorRegistry,
    private readonly router: SessionRouter,
    @Inject(STORE) private readonly store: Store,
    private readonly node: NodeInfo,
    @Inject(CONFIG) private readonly config: TandemConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.actors.onCommit((commit) => {
      if (commit.kind !== 'session' || commit.events.length === 0) return;
      const events = commit.events as Array<SessionEvent & Partial<Sealed>>;
      this.write(events.map((e) => auditOfEvent(e, this.node.id)));
      const ended = events.find((e) => e.type === 'SessionEnded');
      const last = events[events.length - 1]!;
      if (ended && last.hash) {
        // The day's ledger keeps the session's final link, so a later truncation of it shows.
        void this.router.ask(LEDGER, ledgerDay(ended.at), { type: 'Seal', sessionId: commit.id, lastSeq: commit.version, head: last.hash }, SYSTEM_ACTOR, false)
          .catch((err: unknown) => this.logger.error({ err }, `ledger seal failed [session:${commit.id}]`));
      }
    });
    this.trimmer = setInterval(() => void this.trim(), DAY_MS);
    this.trimmer.unref();
    void this.trim();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.trimmer) clearInterval(this.trimmer);
    await this.chain;
  }

  /** Records an admin action (force-end, revoke, drain …). */
  admin(actor: ActorRef, type: string, details: Record<string, unknown>, sessionId: string | null = null): Promise<void> {
    return this.write([{ at: this.clock(), type, actor: { kind: actor.kind, id: actor.id, name: actor.name }, sessionId, seq: null, node: this.node.id, details }]);
  }

  /** Resolves when every entry queued so far is written. */
  settled(): Promise<void> {
    return this.chain;
  }

  private write(entries: AuditEntry[]): Promise<void> {
    // In order; a failure is logged (the session journal still holds every event) and does not block later entries.
    this.chain = this.chain.then(() => this.store.audit.append(entries)).catch((err: unknown) => {
      this.logger.error({ err }, `audit append failed [${entries.length} entries, first:${entries[0]?.type}]`);
    });
    return this.chain;
  }

  private async trim(): Promise<void> {
    try {
      await this.store.audit.trim(this.clock() - this.config.audit.retentionDays * DAY_MS);
    } catch (err) {
      this.logger.warn({ err }, 'audit trim failed');
    }
  }
}
