import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ActorRegistry } from '../actors/actor-registry';
import { OPEN_REQUESTS } from '../actors/aggregates/request.aggregate';
import { UserDirectory } from '../auth/user-directory';
import type { Store } from '../cluster/ports';
import { evolveRequest, initialRequestState, type RequestEvent, type RequestState, type SessionEvent, type SessionState } from '../domain';
import { STORE } from '../gateways/sessions/tokens';
import { type Mail, Outbox } from './outbox';

/** The last request event whose mails are queued (`mail-cursor:request:<id>`). */
const cursorKey = (requestId: string): string => `mail-cursor:request:${requestId}`;
const CURSOR_TTL_MS = 90 * 24 * 3600 * 1000;

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const when = (t: number | null): string => (t === null ? 'any time (*)' : new Date(t).toISOString().replace('T', ' ').slice(0, 16) + ' UTC');
const STATUS: Record<string, string> = { open: 'Open', waiting: 'Waiting for Connection', 'in-progress': 'In Progress', inactive: 'Inactive', closed: 'Closed' };

/** What a request event changed, in words. */
export function describeRequestEvent(e: RequestEvent): string {
  switch (e.type) {
    case 'RequestFiled': return `filed the request (available from ${when(e.availableFrom)}${e.oneTime ? ', one-time' : ''})`;
    case 'RequestEdited': {
      const parts: string[] = [];
      if (e.changes.assignee !== undefined) parts.push(e.changes.assignee ? `assigned it to ${e.changes.assignee.name}` : 'unassigned it');
      if (e.changes.scheduledAt !== undefined) parts.push(e.changes.scheduledAt === null ? 'removed its scheduled time' : `scheduled it for ${when(e.changes.scheduledAt)}`);
      if (e.changes.status) parts.push(`set its status to ${STATUS[e.changes.status] ?? e.changes.status}`);
      return parts.join(', ');
    }
    case 'RequestLaunched': return 'launched it: Waiting for Connection';
    case 'RequestInProgress': return 'answered it: In Progress';
    case 'RequestInactive': return 'closed the session: the request is Inactive';
    case 'RequestClosed': return e.reason === 'deleted' ? 'deleted the request' : 'closed the session: the one-time request is done and deleted';
    default: return 'changed the request';
  }
}

/**
 * Notification mails, through the outbox: every change to a request goes to its owner and its assigned
 * assistant (seed 001: "All modifications to a request will trigger an email notification to both the
 * owner of the request as well as to the assigned assistant"); an invitation to a session goes to an
 * invited representative with extended availability.
 */
@Injectable()
export class Notifications implements OnModuleInit {
  private readonly logger = new Logger('notifications');
  /** Per request, the queueing in progress: its commits are queued in order, so its cursor only moves forward. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly actors: ActorRegistry,
    private readonly outbox: Outbox,
    private readonly users: UserDirectory,
    @Inject(STORE) private readonly store: Store,
  ) {}

  onModuleInit(): void {
    if (!this.outbox.enabled) return;
    this.actors.onCommit((commit) => {
      if (commit.kind === 'request') this.inOrder(commit.id, () => this.requestCommit(commit.state as RequestState, commit.events as RequestEvent[]));
      else if (commit.kind === 'session') {
        void this.invitationMails(commit.state as SessionState, commit.events as SessionEvent[])
          .catch((err: unknown) => this.logger.error({ err }, `queueing mail failed [session:${commit.id}]`));
      }
    });
    this.outbox.onSweep(() => this.recover());
  }

  private inOrder(requestId: string, work: () => Promise<void>): void {
    const next = (this.chains.get(requestId) ?? Promise.resolve()).then(work)
      .catch((err: unknown) => this.logger.error({ err }, `queueing mail failed [request:${requestId}]; the recovery queues it`));
    this.chains.set(requestId, next);
    void next.finally(() => { if (this.chains.get(requestId) === next) this.chains.delete(requestId); });
  }

  /** Queues a commit's mails, then moves the request's cursor past its events. */
  private async requestCommit(state: RequestState, events: RequestEvent[]): Promise<void> {
    await this.requestMails(state, events);
    const last = events[events.length - 1];
    if (last) await this.store.kv.set(cursorKey(state.requestId), String(last.seq), CURSOR_TTL_MS);
  }

  /**
   * On the node that sends, every `mail.recoveryMs`: a request whose journal is ahead of its cursor had a
   * change committed whose mails were never queued (the node died, or the store failed, in between).
   * Its events past the cursor are mailed now, each with the request as it was after it; mail ids make
   * this idempotent with the commit's own queueing and with mails already sent.
   */
  private async recover(): Promise<void> {
    for (const requestId of await this.store.kv.setMembers(OPEN_REQUESTS)) {
      const stream = `request:${requestId}`;
      const cursor = Number((await this.store.kv.get(cursorKey(requestId))) ?? 0);
      if ((await this.store.journal.version(stream)) <= cursor || this.chains.has(requestId)) continue;
      let state = initialRequestState(requestId);
      let recovered = 0;
      for (const entry of await this.store.journal.read(stream, 0)) {
        const e = entry.event as RequestEvent;
        state = evolveRequest(state, e);
        if (entry.version <= cursor) continue;
        await this.requestMails(state, [e]);
        await this.store.kv.set(cursorKey(requestId), String(entry.version), CURSOR_TTL_MS);
        recovered++;
      }
      this.logger.warn(`queued the mails of ${recovered} change${recovered === 1 ? '' : 's'} that were committed but never queued [request:${requestId}]`);
    }
  }

  private async requestMails(state: RequestState, events: RequestEvent[]): Promise<void> {
    const emailOf = (id: string | undefined): string | undefined => (id ? this.users.find(id)?.email : undefined);
    for (const e of events) {
      const to = new Set<string>();
      if (state.owner?.email) to.add(state.owner.email);
      const assignee = emailOf(state.assignee?.id);
      if (assignee) to.add(assignee);
      // An assistant taken off the request hears of it too.
      const previous = e.type === 'RequestEdited' ? emailOf(e.previous?.assignee?.id) : undefined;
      if (previous) to.add(previous);
      const what = describeRequestEvent(e);
      // A change the server made as the session went is the doing of the person in the session.
      const who = e.by?.name ?? e.actor.name;
      const subject = `Remote assistance request: ${what.split(': ')[0]}`;
      const text = [
        `${who} ${what}.`, '',
        `Request: ${state.description}`, `For: ${state.owner?.name ?? '?'}`, `Status: ${STATUS[state.status] ?? state.status}`,
        `Assigned to: ${state.assignee?.name ?? 'nobody'}`, `Available from: ${when(state.availableFrom)}`, `Scheduled: ${state.scheduledAt === null ? 'not yet' : when(state.scheduledAt)}`,
        '', `Request id: ${state.requestId}`,
      ].join('\n');
      const html = `<p><strong>${esc(who)}</strong> ${esc(what)}.</p><table>` +
        [['Request', state.description], ['For', state.owner?.name ?? '?'], ['Status', STATUS[state.status] ?? state.status], ['Assigned to', state.assignee?.name ?? 'nobody'],
          ['Available from', when(state.availableFrom)], ['Scheduled', state.scheduledAt === null ? 'not yet' : when(state.scheduledAt)]]
          .map(([k, v]) => `<tr><th align="left">${esc(k!)}</th><td>${esc(v!)}</td></tr>`).join('') + `</table><p style="color:#666">Request id ${esc(state.requestId)}</p>`;
      for (const address of to) await this.outbox.enqueue(`request:${state.requestId}:${e.seq}:${address}`, { to: address, subject, text, html } satisfies Mail);
    }
  }

  private async invitationMails(state: SessionState, events: SessionEvent[]): Promise<void> {
    for (const e of events) {
      if (e.type !== 'InvitationSent' || e.target.kind !== 'representative') continue;
      const user = this.users.find(e.target.userId);
      if (!user?.extendedAvailability || !user.email) continue;
      const text = `${e.actor.name} invites you to a remote assistance session with ${state.customer?.name ?? 'a customer'}.\nOpen the Tandem cockpit to accept or decline (invitation ${e.inviteId}).`;
      await this.outbox.enqueue(`invite:${e.inviteId}:${user.email}`, {
        to: user.email, subject: `Tandem: ${e.actor.name} invites you to a session`, text, html: `<p>${esc(text).replace('\n', '<br>')}</p>`,
      });
    }
  }
}
