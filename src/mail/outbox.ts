import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { Counter, Gauge } from 'prom-client';
import { Metrics } from '../admin/metrics';
import type { Store } from '../cluster/ports';
import type { TandemConfig } from '../config/config.schema';
import { CONFIG } from '../config/config.token';
import { CLOCK, type Clock, STORE } from '../gateways/sessions/tokens';
import { NodeInfo } from '../node/node-info';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

interface Queued { mail: Mail; attempts: number; nextAt: number; queuedAt: number }
/** What stays of a mail once the SMTP server took it (for SENT_TTL_MS): queueing the same id again is a no-op. */
interface Sent { sentAt: number }

/** How long a queued mail is kept. */
const MAIL_TTL_MS = 30 * 24 * 3600 * 1000;
/** How long the mark of a sent mail is kept: far longer than a change's cursor takes to pass it (see Notifications). */
const SENT_TTL_MS = 7 * 24 * 3600 * 1000;
const PENDING = 'outbox';
const mailKey = (id: string): string => `outbox:${id}`;

/**
 * The Message-ID of the outbox entry `id`: the same on every attempt, so a mail the SMTP server took but
 * whose acknowledgement a cut connection lost (and that is then sent again) is one message to mail
 * clients, which drop the copy. The domain is the sender's (`mail.from`), as RFC 5322 suggests.
 */
export function messageIdFor(id: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'tandem.invalid';
  return `<${createHash('sha256').update(id).digest('hex').slice(0, 32)}.tandem@${domain}>`;
}
const TICK_MS = 500;
/** How long one node holds the right to send: longer than one send can take (the timeouts below). */
const SENDER_LEASE_MS = 30_000;
/**
 * SMTP connections the sending node keeps open and uses at once (nodemailer's pool): a mail over an open
 * connection skips the connect, greeting, EHLO, STARTTLS and AUTH of a new one. Mails go out in waves of
 * up to this many, never two to one address in a wave, so each address gets its mails in change order.
 */
const SMTP_CONNECTIONS = 4;
/** Mails over one connection before the pool replaces it (servers limit it; a fresh one now and then). */
const SMTP_MESSAGES_PER_CONNECTION = 100;

/**
 * A durable outbox: a change enqueues its mails in the store (idempotently, by id) and returns; one node
 * at a time (a lease) sends what is due, retrying failures with exponential backoff. A down SMTP server
 * never blocks or fails the change, and nothing is lost: the mail goes out when it is back.
 */
@Injectable()
export class Outbox implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('outbox');
  /** The SMTP pool while mail is flowing: opened by the first mail, closed at the first tick with none to send. */
  private transport: Transporter | null = null;
  private smtpOptions: SMTPPool.Options | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** The sender lease while this node holds it (given up at shutdown so another node goes on at once). */
  private lease: { epoch: number } | null = null;
  private sent = 0;
  private stopping = false;
  private failures = 0;
  /** Run by the sending node every `mail.recoveryMs`: queue what a dead node committed but never queued. */
  private readonly sweepers: Array<() => Promise<void>> = [];
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(
    @Inject(CONFIG) private readonly config: TandemConfig,
    @Inject(STORE) private readonly store: Store,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly node: NodeInfo,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  get enabled(): boolean {
    return this.config.mail.host !== '';
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    const m = this.config.mail;
    const options: SMTPPool.Options & { maxRequeues: number } = {
      host: m.host, port: m.port, secure: m.secure, requireTLS: m.requireTls, ...(m.user ? { auth: { user: m.user, pass: m.pass } } : {}),
      ...(m.caFile ? { tls: { ca: readFileSync(m.caFile) } } : {}),
      connectionTimeout: 3000, greetingTimeout: 3000, socketTimeout: 10000,
      // An idle connection times out (socketTimeout) and is dropped; a dead one fails its mail, which the
      // outbox retries (a new connection then). A connection closed mid-mail is retried once by the pool
      // (nodemailer's default is forever, which would stall the outbox on a server that always hangs up).
      pool: true, maxConnections: SMTP_CONNECTIONS, maxMessages: SMTP_MESSAGES_PER_CONNECTION, maxRequeues: 1,
    };
    this.smtpOptions = options;
    this.timer = setInterval(() => {
      this.running ??= this.flush().finally(() => { this.running = null; });
    }, TICK_MS);
    this.timer.unref();
    const r = this.metrics?.registry;
    if (!r) return;
    const pending = (): Promise<number> => this.pending();
    const sent = (): number => this.sent;
    const failures = (): number => this.failures;
    new Gauge({ name: 'tandem_mail_outbox_pending', help: 'notification mails waiting in the outbox (all nodes)', registers: [r], collect: async function (this: Gauge) { this.set(await pending()); } });
    new Counter({ name: 'tandem_mail_sent_total', help: 'mails this node handed to the SMTP server', registers: [r], collect() { this.reset(); this.inc(sent()); } });
    new Counter({ name: 'tandem_mail_send_failures_total', help: 'failed attempts to send a mail from this node (each is retried)', registers: [r], collect() { this.reset(); this.inc(failures()); } });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    if (this.lease) await this.store.leases.release('sweeper:outbox', this.node.id, this.lease.epoch).catch(() => undefined);
    this.closeSmtp();
  }

  /**
   * Queues a mail once per id: a retried change, or the recovery queueing it again, does not mail twice
   * (a sent mail leaves a mark for 7 days). No-op when mail is off.
   */
  async enqueue(id: string, mail: Mail): Promise<void> {
    if (!this.enabled) return;
    const now = this.clock();
    const queued: Queued = { mail, attempts: 0, nextAt: now, queuedAt: now };
    if (await this.store.kv.setIfAbsent(mailKey(id), JSON.stringify(queued), MAIL_TTL_MS)) await this.store.kv.setAdd(PENDING, id);
  }

  /** Runs `sweep` on the node that sends, every `mail.recoveryMs` (and once it starts sending). */
  onSweep(sweep: () => Promise<void>): void {
    this.sweepers.push(sweep);
  }

  /** Mails waiting (for the admin endpoint and tests). */
  async pending(): Promise<number> {
    return (await this.store.kv.setMembers(PENDING)).length;
  }

  private async holdSender(): Promise<boolean> {
    const grant = await this.store.leases.acquire('sweeper:outbox', this.node.id, SENDER_LEASE_MS);
    this.lease = grant ? { epoch: grant.epoch } : null;
    return grant !== null;
  }

  private async flush(): Promise<void> {
    let sent = false;
    try {
      if (!(await this.holdSender())) return;
      if (this.clock() - this.lastSweep >= this.config.mail.recoveryMs) {
        this.lastSweep = this.clock();
        for (const sweep of this.sweepers) await sweep();
      }
      const now = this.clock();
      // In the order the changes were made (ids are not ordered: seq 10 sorts before seq 2).
      const due: Array<{ id: string; q: Queued }> = [];
      for (const id of await this.store.kv.setMembers(PENDING)) {
        const raw = await this.store.kv.get(mailKey(id));
        if (!raw) {
          await this.store.kv.setRemove(PENDING, id);
          continue;
        }
        const entry = JSON.parse(raw) as Queued | Sent;
        if ('sentAt' in entry) {
          await this.store.kv.setRemove(PENDING, id);
          continue;
        }
        due.push({ id, q: entry });
      }
      due.sort((a, b) => a.q.queuedAt - b.q.queuedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const ready = due.filter(({ q }) => q.nextAt <= now);
      while (ready.length > 0) {
        if (this.stopping) return;
        // The next wave: the oldest due mails up to the first one to an address already in it.
        const wave: typeof ready = [];
        while (ready.length > 0 && wave.length < SMTP_CONNECTIONS && !wave.some((w) => w.q.mail.to === ready[0]!.q.mail.to)) wave.push(ready.shift()!);
        // Still the sender (renewed per wave): a node that lost the lease stops before sending twice.
        if (!(await this.holdSender())) return;
        const results = await Promise.all(wave.map(({ id, q }) => this.send(id, q)));
        // The server is down (or refuses): the rest would fail the same way; try them on the next tick.
        if (results.includes(false)) return;
        sent = true;
      }
    } catch (err) {
      // The store closing under a shutdown is no failure: what is queued stays queued.
      if (!this.stopping) this.logger.warn({ err }, 'outbox flush failed');
    } finally {
      // Nothing went out this tick (nothing due, not the sender, or the server failed): hold no idle
      // connection to the server; a server that went away in between costs nothing.
      if (!sent) this.closeSmtp();
    }
  }

  private smtp(): Transporter {
    this.transport ??= createTransport(this.smtpOptions!);
    return this.transport;
  }

  private closeSmtp(): void {
    this.transport?.close();
    this.transport = null;
  }

  /** Hands one mail to the SMTP server; false when that failed (it is then due again after a backoff). */
  private async send(id: string, q: Queued): Promise<boolean> {
    try {
      await this.smtp().sendMail({ from: this.config.mail.from, messageId: messageIdFor(id, this.config.mail.from), to: q.mail.to, subject: q.mail.subject, text: q.mail.text, html: q.mail.html });
    } catch (err) {
      this.failures += 1;
      const attempts = q.attempts + 1;
      const delay = Math.min(this.config.mail.retryMaxMs, this.config.mail.retryBaseMs * 2 ** (attempts - 1));
      await this.store.kv.set(mailKey(id), JSON.stringify({ ...q, attempts, nextAt: this.clock() + delay }), MAIL_TTL_MS);
      this.logger.warn(`send failed, retry in ${delay} ms [mail:${id}, attempt:${attempts}]: ${(err as Error).message}`);
      return false;
    }
    await this.store.kv.set(mailKey(id), JSON.stringify({ sentAt: this.clock() } satisfies Sent), SENT_TTL_MS);
    await this.store.kv.setRemove(PENDING, id);
    this.sent += 1;
    return true;
  }
}
