import { ask } from '../shared/dialog';
import { h, replace } from '../shared/dom';
import { toast, toastError } from '../shared/toast';
import type { Cockpit } from './cockpit';

/** A Jump Client I may start, as `jump.list` answers (docs/protocol.md). */
export interface JumpClientView {
  jumpClientId: string;
  agentId: string;
  location: { kind: 'personal'; userId: string } | { kind: 'group'; groupId: string };
  consent: 'notify' | 'ask';
  pinnedBy: string;
  groupName: string | null;
  /** The server's answer to "may I unpin it": a personal pin, its representative; a group pin, who pinned it, a supervisor in the group; an admin. */
  mayUnpin?: boolean;
  agent: { hostname: string; osUser: string; os: string; status: 'online' | 'grace' | 'offline' } | null;
}

export const CONSENT_TEXT: Record<JumpClientView['consent'], string> = {
  notify: 'Starts at once with a notice',
  ask: 'Asks the user first',
};
const CONSENT_LONG: Record<JumpClientView['consent'], string> = {
  notify: 'The session starts at once, unattended; the logged-in user sees a notice that you connected.',
  ask: 'The logged-in user is asked first; the session starts only when they allow it.',
};

/**
 * The cockpit's Jump list (issue #12): the Jump Clients I may start (`jump.list`), by Jump Group and my
 * personal list, with each desktop's status and its group's consent policy. Start (`jump.start`) asks for a
 * reason or ticket number, required when the server's policy says so (`REASON_REQUIRED`).
 */
export class JumpBoard {
  readonly el: HTMLElement;
  clients: JumpClientView[] = [];
  private loaded = false;
  private reasonRequired = false;
  private readonly count = h('span', { class: 'badge', 'data-testid': 'jump-count' }, '0');
  private readonly search = h('input', { id: 'jump-filter', type: 'search', placeholder: 'Host, user or group', autocomplete: 'off' });
  private readonly body = h('div', { class: 'jump-groups' });
  private readonly starting = new Set<string>();
  private refreshTimer: number | undefined;
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly app: Cockpit) {
    this.search.addEventListener('input', () => this.render());
    this.el = h('section', { class: 'board', 'aria-labelledby': 'h-jump' },
      h('header', { class: 'board-head' },
        h('h3', { id: 'h-jump' }, 'Jump clients'), this.count,
        h('span', { class: 'grow' }),
        h('label', { class: 'sr-only', for: this.search.id }, 'Filter jump clients'), this.search,
        h('button', { type: 'button', 'data-key': 'jump-refresh', onclick: () => void this.refresh() }, 'Refresh')),
      h('div', { class: 'board-scroll' },
        h('p', { class: 'hint' }, 'Unattended access to desktops pinned as Jump Clients, to your personal list or to a Jump Group you belong to. Each group decides how a session starts.'),
        this.body));
    this.render();
    // A pin made from a session (entry-points-panel.ts) shows here at once.
    document.addEventListener('tandem:jump-changed', () => this.refreshSoon());
  }

  onChange(l: () => void): void {
    this.listeners.push(l);
  }

  /** Asks the server again; called at connect, on Refresh, after a start, and (debounced) when the online list changes. */
  async refresh(): Promise<void> {
    try {
      const ack = await this.app.conn.ask<{ jumpClients: JumpClientView[] }>('jump.list');
      this.clients = ack.jumpClients;
      this.loaded = true;
      this.render();
      for (const l of this.listeners) l();
    } catch (err) {
      toastError(err, 'Loading the jump list');
    }
  }

  refreshSoon(): void {
    window.clearTimeout(this.refreshTimer);
    this.refreshTimer = window.setTimeout(() => void this.refresh(), 300);
  }

  private groups(): Array<{ key: string; title: string; clients: JumpClientView[] }> {
    const q = this.search.value.trim().toLowerCase();
    const out = new Map<string, { key: string; title: string; clients: JumpClientView[] }>();
    const shown = this.clients.filter((j) => !q || `${j.agent?.hostname ?? ''} ${j.agent?.osUser ?? ''} ${j.groupName ?? 'personal'}`.toLowerCase().includes(q));
    for (const j of shown) {
      const key = j.location.kind === 'group' ? `g-${j.location.groupId}` : 'personal';
      const title = j.location.kind === 'group' ? `${j.groupName ?? j.location.groupId}` : 'My personal list';
      const g = out.get(key) ?? { key, title, clients: [] };
      g.clients.push(j);
      out.set(key, g);
    }
    for (const g of out.values()) g.clients.sort((a, b) => (a.agent?.hostname ?? a.agentId).localeCompare(b.agent?.hostname ?? b.agentId));
    return [...out.values()].sort((a, b) => (a.key === 'personal' ? -1 : b.key === 'personal' ? 1 : a.title.localeCompare(b.title)));
  }

  render(): void {
    this.count.textContent = String(this.clients.length);
    const groups = this.groups();
    if (!this.loaded) return replace(this.body, h('p', { class: 'empty' }, 'Loading the jump list…'));
    if (groups.length === 0) {
      return replace(this.body, h('div', { class: 'req-hint' }, h('h3', null, this.clients.length ? 'No jump client matches the filter' : 'No jump client'),
        h('p', { class: 'muted' }, this.clients.length ? 'Clear the filter to see them all.' : 'Pin a desktop as a Jump Client during a session, or ask an administrator to add you to a Jump Group.')));
    }
    replace(this.body, groups.map((g) => {
      const policies = [...new Set(g.clients.map((c) => c.consent))];
      return h('section', { class: 'jump-group', 'aria-label': g.title, 'data-group': g.key },
        h('header', { class: 'row' },
          h('h2', { class: 'grow' }, g.title),
          g.key !== 'personal' && policies.length === 1 ? h('span', { class: `badge consent-${policies[0]}` }, CONSENT_TEXT[policies[0]]) : null),
        h('ul', { class: 'list' }, g.clients.map((j) => this.row(j, g.key === 'personal' || policies.length > 1))));
    }));
  }

  private row(j: JumpClientView, showConsent: boolean): HTMLElement {
    const status = j.agent?.status ?? 'offline';
    const starting = this.starting.has(j.jumpClientId);
    return h('li', { class: 'jump-row', 'data-jump': j.agent?.hostname ?? j.agentId },
      h('span', { class: `dot ${status}`, title: status === 'grace' ? 'Reconnecting' : status === 'online' ? 'Online' : 'Offline' }),
      h('span', { class: 'grow' },
        h('div', { class: 'host' }, j.agent?.hostname ?? 'Unknown desktop'),
        h('div', { class: 'meta' }, j.agent ? `${j.agent.osUser} · ${j.agent.os} · ${status === 'offline' ? 'offline' : status === 'grace' ? 'reconnecting' : 'online'}` : 'never seen online')),
      showConsent ? h('span', { class: `badge consent-${j.consent}` }, CONSENT_TEXT[j.consent]) : null,
      h('button', {
        class: 'primary small', type: 'button', 'data-key': `jump-${j.jumpClientId}`, disabled: status === 'offline' || starting,
        title: status === 'offline' ? 'The desktop is offline' : CONSENT_LONG[j.consent], 'aria-label': `Start ${j.agent?.hostname ?? 'desktop'}`,
        onclick: () => void this.start(j),
      }, starting ? 'Starting…' : 'Start'),
      j.mayUnpin ? h('button', {
        class: 'small danger', type: 'button', 'data-key': `unpin-${j.jumpClientId}`, disabled: starting,
        'aria-label': `Unpin ${j.agent?.hostname ?? 'desktop'}`, title: 'Uninstall the Jump Client from this desktop',
        onclick: () => void this.unpin(j),
      }, 'Unpin') : null);
  }

  /** Unpin (uninstall) after a confirmation, as BeyondTrust asks "uninstall the Jump Client?". */
  private async unpin(j: JumpClientView): Promise<void> {
    const host = j.agent?.hostname ?? 'this desktop';
    const where = j.location.kind === 'group' ? `the Jump Group ${j.groupName ?? j.location.groupId}` : 'your personal list';
    const yes = await ask({
      title: `Unpin ${host}?`,
      body: [`The Jump Client is uninstalled from ${host} and removed from ${where}. Nobody can start unattended sessions on it any more.`, 'A session running now is not ended.'],
      confirm: 'Unpin', danger: true,
    });
    if (yes === null) return;
    try {
      await this.app.conn.ask('jump.unpin', { jumpClientId: j.jumpClientId });
      toast(`${host} unpinned.`, 'success');
    } catch (err) {
      toastError(err, `Unpin ${host}`);
    }
    await this.refresh();
  }

  private async start(j: JumpClientView, again = false): Promise<void> {
    const host = j.agent?.hostname ?? 'this desktop';
    const reason = await ask({
      title: `Jump to ${host}`,
      body: [CONSENT_LONG[j.consent], again ? 'Your organisation requires a reason or ticket number for unattended access.' : this.reasonRequired ? 'A reason or ticket number is required.' : 'A reason or ticket number is kept with the session’s audit record.'],
      confirm: j.consent === 'notify' ? 'Start now' : 'Ask the user',
      input: { label: this.reasonRequired ? 'Reason or ticket (required)' : 'Reason or ticket (optional)', maxLength: 200, placeholder: 'e.g. INC-4711 printer queue stuck' },
    });
    if (reason === null) return;
    if (this.reasonRequired && !reason) return this.start(j, true);
    this.starting.add(j.jumpClientId);
    this.render();
    try {
      const ack = await this.app.conn.ask<{ sessionId: string; consent: string }>('jump.start', { jumpClientId: j.jumpClientId, ...(reason ? { reason } : {}) });
      toast(ack.consent === 'notify' ? `Connected to ${host}; the user was notified.` : `Waiting for the user of ${host} to allow the session.`, 'success');
      this.app.activate(ack.sessionId);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'REASON_REQUIRED') {
        this.reasonRequired = true;
        this.starting.delete(j.jumpClientId);
        this.render();
        return this.start(j, true);
      }
      toastError(err, `Jump to ${host}`);
    } finally {
      this.starting.delete(j.jumpClientId);
      this.render();
    }
  }
}
