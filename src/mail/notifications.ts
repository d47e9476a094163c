import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ActorRegistry } from '../actors/actor-registry';
import { UserDirectory } from '../auth/user-directory';
import type { RequestEvent, RequestState, SessionEvent, SessionState } from '../domain';
import { type Mail, Outbox } from './outbox';

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
      if (e.changes.scheduledAt !== undefined) parts.push(`scheduled it for ${when(e.changes.scheduledAt)}`);
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

  constructor(private readonly actors: ActorRegistry, private readonly outbox: Outbox, private readonly users: UserDirectory) {}

  onModuleInit(): void {
    if (!this.outbox.enabled) return;
    this.actors.onCommit((commit) => {
      const work = commit.kind === 'request' ? this.requestMails(commit.state as RequestState, commit.events as RequestEvent[])
        : commit.kind === 'session' ? this.invitationMails(commit.state as SessionState, commit.events as SessionEvent[]) : null;
      void work?.catch((err: unknown) => this.logger.error({ err }, `queueing mail failed [${commit.kind}:${commit.id}]`));
    });
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
