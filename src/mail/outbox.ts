import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
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

const PENDING = 'outbox';
const mailKey = (id: string): string => `outbox:${id}`;
const TICK_MS = 500;

/**
 * A durable outbox: a change enqueues its mails in the store (idempotently, by id) and returns; one node
 * at a time (a lease) sends what is due, retrying failures with exponential backoff. A down SMTP server
 * never blocks or fails the change, and nothing is lost: the mail goes out when it is back.
 */
@Injectable()
export class Outbox implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('outbox');
  private transport: Transporter | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: TandemConfig,
    @Inject(STORE) private readonly store: Store,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly node: NodeInfo,
  ) {}

  get enabled(): boolean {
    return this.config.mail.host !== '';
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    const m = this.config.mail;
    this.transport = createTransport({
      host: m.host, port: m.port, secure: m.secure, ...(m.user ? { auth: { user: m.user, pass: m.pass } } : {}),
      connectionTimeout: 3000, greetingTimeout: 3000, socketTimeout: 10000,
    });
    this.timer = setInterval(() => {
      this.running ??= this.flush().finally(() => { this.running = null; });
    }, TICK_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    this.transport?.close();
  }

  /** Queues a mail once per id (a retried change does not mail twice). No-op when mail is off. */
  async enqueue(id: string, mail: Mail): Promise<void> {
    if (!this.enabled) return;
    const now = this.clock();
    const queued: Queued = { mail, attempts: 0, nextAt: now, queuedAt: now };
    if (await this.store.kv.setIfAbsent(mailKey(id), JSON.stringify(queued), 30 * 24 * 3600 * 1000)) await this.store.kv.setAdd(PENDING, id);
  }

  /** Mails waiting (for the admin endpoint and tests). */
  async pending(): Promise<number> {
    return (await this.store.kv.setMembers(PENDING)).length;
  }

  private async flush(): Promise<void> {
    try {
      if (!(await this.store.leases.acquire('sweeper:outbox', this.node.id, TICK_MS * 10))) return;
      const now = this.clock();
      for (const id of (await this.store.kv.setMembers(PENDING)).sort()) {
        const raw = await this.store.kv.get(mailKey(id));
        if (!raw) {
          await this.store.kv.setRemove(PENDING, id);
          continue;
        }
        const q = JSON.parse(raw) as Queued;
        if (q.nextAt > now) continue;
        try {
          await this.transport!.sendMail({ from: this.config.mail.from, to: q.mail.to, subject: q.mail.subject, text: q.mail.text, html: q.mail.html });
          await this.store.kv.delete(mailKey(id));
          await this.store.kv.setRemove(PENDING, id);
        } catch (err) {
          const attempts = q.attempts + 1;
          const delay = Math.min(this.config.mail.retryMaxMs, this.config.mail.retryBaseMs * 2 ** (attempts - 1));
          await this.store.kv.set(mailKey(id), JSON.stringify({ ...q, attempts, nextAt: this.clock() + delay }), 30 * 24 * 3600 * 1000);
          this.logger.warn(`send failed, retry in ${delay} ms [mail:${id}, attempt:${attempts}]: ${(err as Error).message}`);
          // The server is down: the rest would fail the same way; try them on the next tick.
          return;
        }
      }
    } catch (err) {
      this.logger.warn({ err }, 'outbox flush failed');
    }
  }
}
