import { age, h, replace } from '../shared/dom';
import { MODE_LABEL, type QueuedSession } from '../shared/protocol';
import { toastError } from '../shared/toast';
import type { Cockpit } from './cockpit';

/**
 * For supervisors (and admins): the running sessions of their teams (`sessions.list`, live through
 * `sessions.changed`), each with Watch, which joins it as an observer (`session.join`) and opens it.
 */
export class TeamSessions {
  readonly el: HTMLElement;
  private readonly list = h('ul', { class: 'list', 'aria-label': 'Team sessions' });
  private sessions: QueuedSession[] = [];

  constructor(private readonly app: Cockpit) {
    this.el = h('section', { class: 'side-section', 'aria-labelledby': 'h-team-sessions' }, h('h2', { id: 'h-team-sessions' }, 'Team sessions'), this.list);
    app.conn.on('sessions.changed', (d: { sessions: QueuedSession[] }) => { this.sessions = d.sessions; this.render(); });
    this.render();
  }

  async refresh(): Promise<void> {
    try {
      this.sessions = (await this.app.conn.ask<{ sessions: QueuedSession[] }>('sessions.list')).sessions;
      this.render();
    } catch (err) {
      toastError(err, 'Team sessions');
    }
  }

  /** Redraws; a session I am already in opens instead of being joined again. */
  render(): void {
    replace(this.list, this.sessions.length === 0 ? h('li', { class: 'empty' }, 'No session is running in your teams.') : this.sessions.map((s) => {
      const customer = typeof s.customer === 'string' ? s.customer : s.customer?.name ?? 'Customer';
      const mine = this.app.isIn(s.sessionId);
      return h('li', { class: 'queue-card', 'data-session': s.sessionId },
        h('div', { class: 'row' }, h('strong', { class: 'grow' }, customer), h('span', { class: 'badge' }, s.status === 'active' ? MODE_LABEL[s.mode] ?? s.mode : s.status)),
        h('div', { class: 'small muted' }, `${s.ownerId ? `owner ${s.ownerId}` : 'no owner'} · ${s.teams.join(', ')} · since ${age(s.since)}`),
        h('button', { class: 'small', type: 'button', 'data-key': `watch-${s.sessionId}`, 'aria-label': `Watch ${customer}`, onclick: () => this.watch(s.sessionId) }, mine ? 'Open' : 'Watch'));
    }));
  }

  private async watch(sessionId: string): Promise<void> {
    try {
      if (!this.app.isIn(sessionId)) await this.app.conn.ask('session.join', { sessionId });
      this.app.activate(sessionId);
    } catch (err) {
      toastError(err, 'Watch');
    }
  }
}
