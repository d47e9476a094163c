import { ask } from '../shared/dialog';
import { age, h, replace, uid } from '../shared/dom';
import {
  type AssistanceRequest, fromLocalInput, REQUEST_STATUS_LABEL, requestBadgeClass, type RequestStatus, type RequestStore, toLocalInput, when,
} from '../shared/requests';
import { fetchRealms, type Realm, realmSelect } from '../shared/realms';
import { toast, toastError } from '../shared/toast';
import type { Cockpit } from './cockpit';

const REALM_KEY = 'tandem.requests.realm';

type Filter = 'all' | RequestStatus;
type Pane = { kind: 'none' } | { kind: 'new' } | { kind: 'request'; requestId: string };

/** What the page learned the server refuses this user (the login does not carry rights; a FORBIDDEN answer does). */
interface Refused { edit: boolean; create: boolean; delete: boolean; launch: boolean }

const errText = (err: unknown): string => {
  const e = err as { code?: string; message?: string };
  return `${e?.code ?? 'ERROR'}${e?.message && e.message !== e.code ? ` — ${e.message}` : ''}`;
};

/**
 * The cockpit's Requests board (issue #11): the remote assistance requests I may see (`request.list`, live
 * with `request.changed`), a filter, and for the one selected its details, the editor (`request.edit`:
 * assignee, scheduled time, status), Connect (`request.launch`, then the normal session view) and Close
 * (`request.delete`). "New request" files one for another user's desktop (`request.file` with agentId).
 */
export class RequestsBoard {
  readonly el: HTMLElement;
  private readonly count = h('span', { class: 'badge', 'data-testid': 'requests-count' }, '0');
  private readonly search = h('input', { id: 'req-filter', type: 'search', placeholder: 'User, desktop or text', autocomplete: 'off' });
  private readonly statusFilter = h('select', { id: 'req-status-filter' },
    h('option', { value: 'all' }, 'All statuses'),
    (['open', 'waiting', 'in-progress', 'inactive'] as RequestStatus[]).map((s) => h('option', { value: s }, REQUEST_STATUS_LABEL[s])));
  private readonly newBtn = h('button', { class: 'primary', type: 'button', 'data-key': 'req-new' }, 'New request');
  private readonly list = h('ul', { class: 'list req-list', 'aria-label': 'Assistance requests' });
  private readonly detail = h('div', { class: 'req-detail', 'aria-live': 'polite' });
  private pane: Pane = { kind: 'none' };
  private editor: { requestId: string; info: HTMLElement; refresh: (r: AssistanceRequest) => void } | null = null;
  private readonly refused: Refused = { edit: false, create: false, delete: false, launch: false };
  private busy = new Set<string>();
  /** The "User database" select (seed 001: "the correct user database on the top right"); shown with two realms or more. */
  private readonly realmBox = h('span', { class: 'row req-realm', hidden: true });
  private realm: HTMLSelectElement | null = null;
  private realms: Realm[] = [];

  constructor(private readonly app: Cockpit, private readonly requests: RequestStore) {
    void fetchRealms().then((realms) => {
      this.realms = realms;
      if (realms.length < 2) return;
      this.realm = realmSelect('req-realm', realms, REALM_KEY);
      this.realm.addEventListener('change', () => {
        if (this.pane.kind === 'new') this.openNew();
        this.update();
      });
      // Through CSSOM: the page's CSP refuses style attributes.
      this.realm.style.cssText = 'width: auto; min-width: 150px';
      this.realmBox.style.cssText = 'flex: none; gap: 6px; margin-left: 8px';
      const label = h('label', { for: 'req-realm', class: 'small muted' }, 'User database');
      label.style.whiteSpace = 'nowrap';
      replace(this.realmBox, label, this.realm);
      this.realmBox.hidden = false;
      this.update();
    });
    this.search.addEventListener('input', () => this.renderList());
    this.statusFilter.addEventListener('change', () => this.renderList());
    this.newBtn.addEventListener('click', () => this.openNew());
    this.el = h('section', { class: 'board', 'aria-labelledby': 'h-requests' },
      h('header', { class: 'board-head' },
        h('h3', { id: 'h-requests' }, 'Assistance requests'), this.count,
        h('span', { class: 'grow' }),
        h('label', { class: 'sr-only', for: this.search.id }, 'Filter requests'), this.search,
        h('label', { class: 'sr-only', for: this.statusFilter.id }, 'Status'), this.statusFilter,
        this.newBtn, this.realmBox),
      h('div', { class: 'board-body' }, this.list, this.detail));
    requests.onChange(() => this.update());
    this.update();
  }

  /** Redraws from the store (pushes, reloads) and from the online list (Connect needs the desktop online). */
  update(): void {
    this.count.textContent = String(this.inRealm().length);
    this.renderList();
    this.renderDetail();
  }

  select(requestId: string): void {
    this.pane = { kind: 'request', requestId };
    this.editor = null;
    this.update();
  }

  private agentOf(r: AssistanceRequest): { hostname: string; status: string } | undefined {
    return this.app.agents.find((a) => a.agentId === r.owner?.agentId);
  }

  /** The requests whose owner belongs to the selected user database (all of them with one realm). */
  private inRealm(): AssistanceRequest[] {
    const realm = this.realm?.value;
    return this.requests.list().filter((r) => !realm || (r.owner?.realm ?? this.realms[0]?.id) === realm);
  }

  private visible(): AssistanceRequest[] {
    const q = this.search.value.trim().toLowerCase();
    const f = this.statusFilter.value as Filter;
    return this.inRealm().filter((r) => (f === 'all' || r.status === f)
      && (!q || `${r.owner?.name ?? ''} ${this.agentOf(r)?.hostname ?? ''} ${r.description} ${r.assignee?.name ?? ''}`.toLowerCase().includes(q)));
  }

  private renderList(): void {
    const shown = this.visible();
    const selected = this.pane.kind === 'request' ? this.pane.requestId : null;
    replace(this.list, !this.requests.loaded && this.requests.requests.size === 0
      ? h('li', { class: 'empty' }, 'Loading requests…')
      : shown.length === 0
        ? h('li', { class: 'empty' }, this.inRealm().length ? 'No request matches the filter.' : `No open request${this.realm ? ` in ${this.realm.selectedOptions[0]?.textContent ?? 'this user database'}` : ''}. Users file them from the Tandem panel on their computer.`)
        : shown.map((r) => {
          const host = this.agentOf(r);
          return h('li', null, h('button', {
            class: 'req-row', type: 'button', 'data-key': `req-${r.requestId}`, 'data-request': r.requestId,
            'aria-current': r.requestId === selected ? 'true' : 'false', onclick: () => this.select(r.requestId),
          },
          h('div', { class: 'row' },
            h('strong', { class: 'grow' }, r.owner?.name ?? 'Unknown user', host && host.hostname !== r.owner?.name ? h('span', { class: 'muted' }, ` on ${host.hostname}`) : null),
            h('span', { class: requestBadgeClass(r.status) }, REQUEST_STATUS_LABEL[r.status])),
          h('div', { class: 'req-desc' }, r.description),
          h('div', { class: 'small muted' }, [
            `Available ${r.availableFrom === null ? 'any time' : `from ${when(r.availableFrom)}`}`,
            r.oneTime ? 'One-Time' : null,
            r.assignee ? `Assigned to ${r.assignee.name}` : 'Unassigned',
            r.scheduledAt !== null ? `Scheduled ${when(r.scheduledAt)}` : null,
            r.createdAt ? `filed ${age(r.createdAt)}` : null,
          ].filter(Boolean).join(' · '))));
        }));
  }

  private renderDetail(): void {
    if (this.pane.kind === 'new') return; // the form keeps what the user typed
    if (this.pane.kind === 'none') {
      this.editor = null;
      replace(this.detail, h('div', { class: 'req-hint' },
        h('h3', null, 'Select a request'),
        h('p', { class: 'muted' }, 'Pick a request to see it, connect to the user’s desktop, edit or close it. “New request” files one for another user’s desktop.')));
      return;
    }
    const r = this.requests.get(this.pane.requestId);
    if (!r) {
      this.editor = null;
      replace(this.detail, h('div', { class: 'req-hint' }, h('h3', null, 'This request is closed'), h('p', { class: 'muted' }, 'It was closed or deleted, and left the list.')));
      return;
    }
    if (this.editor?.requestId !== r.requestId) this.buildDetail(r);
    this.editor!.refresh(r);
  }

  /** Builds the detail pane once per selected request; pushes then only refresh it (the editor keeps what was typed). */
  private buildDetail(r: AssistanceRequest): void {
    const info = h('div', { class: 'stack' });
    const actions = h('div', { class: 'row wrap' });
    const assignee = h('input', { id: uid('req-assignee'), autocomplete: 'off', spellcheck: 'false', placeholder: 'Username (empty: nobody)', list: 'req-assignees' });
    const scheduled = h('input', { id: uid('req-scheduled'), type: 'datetime-local' });
    const status = h('select', { id: uid('req-status') });
    const statusHint = h('p', { class: 'hint' });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const save = h('button', { class: 'primary', type: 'submit' }, 'Save changes');
    const dirty = new Set<string>();
    for (const [name, el] of [['assignee', assignee], ['scheduled', scheduled], ['status', status]] as const) {
      el.addEventListener('input', () => dirty.add(name));
      el.addEventListener('change', () => dirty.add(name));
    }
    const form = h('form', { class: 'req-editor', 'aria-label': 'Edit request' }, h('fieldset', null,
      h('legend', null, 'Edit'),
      h('div', { class: 'field' }, h('label', { for: assignee.id }, 'Assigned assistant'), assignee),
      h('datalist', { id: 'req-assignees' }, h('option', { value: this.app.me }, this.app.user.displayName)),
      h('div', { class: 'field' }, h('label', { for: scheduled.id }, 'Scheduled for'), scheduled),
      h('div', { class: 'field' }, h('label', { for: status.id }, 'Status'), status, statusHint),
      error,
      h('div', { class: 'row' }, save)));
    let current = r;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const data: Record<string, unknown> = { requestId: current.requestId };
      const a = assignee.value.trim();
      if (a !== (current.assignee?.id ?? '')) data.assignee = a || null;
      const s = scheduled.value ? fromLocalInput(scheduled.value) : null;
      if (scheduled.value && !s) {
        this.showError(error, 'INVALID_DATA — the scheduled time is not a valid date');
        return;
      }
      if ((s === null ? null : Date.parse(s)) !== current.scheduledAt) data.scheduledAt = s;
      if (!status.disabled && status.value !== current.status) data.status = status.value;
      if (Object.keys(data).length === 1) {
        toast('Nothing to save: no field changed.');
        return;
      }
      error.hidden = true;
      save.disabled = true;
      void this.app.conn.ask<{ request: AssistanceRequest }>('request.edit', data).then((ack) => {
        dirty.clear();
        this.requests.apply(ack.request);
        toast('Request saved.', 'success');
      }, (err) => {
        if ((err as { code?: string }).code === 'FORBIDDEN') this.refused.edit = true;
        this.showError(error, errText(err));
        toastError(err, 'Edit request');
      }).finally(() => { save.disabled = false; this.renderDetail(); });
    });

    const refresh = (next: AssistanceRequest): void => {
      current = next;
      const host = this.agentOf(next);
      const online = host?.status === 'online' || host?.status === 'grace';
      const session = next.sessionId ? this.app.store.get(next.sessionId) : undefined;
      const inSession = Boolean(session && !session.ended && !session.out && session.state && ['owner', 'participant', 'observer', 'external'].includes(session.state.you));
      replace(info,
        h('div', { class: 'row' },
          h('h3', { class: 'grow', id: 'req-title' }, `Request from ${next.owner?.name ?? 'an unknown user'}`),
          h('span', { class: requestBadgeClass(next.status), 'data-testid': 'req-status' }, REQUEST_STATUS_LABEL[next.status])),
        h('p', { class: 'req-text' }, next.description),
        h('dl', { class: 'req-facts' },
          h('dt', null, 'Desktop'), h('dd', null, host ? `${host.hostname} · ${online ? 'online' : 'offline'}` : 'not in my online list'),
          h('dt', null, 'Available'), h('dd', null, next.availableFrom === null ? 'Any time' : `From ${when(next.availableFrom)}`),
          h('dt', null, 'Kind'), h('dd', null, next.oneTime ? 'One-Time (closes after its session)' : 'Recurring (goes Inactive after its session)'),
          h('dt', null, 'Assigned to'), h('dd', null, next.assignee?.name ?? 'Nobody'),
          h('dt', null, 'Scheduled'), h('dd', null, next.scheduledAt === null ? 'Not scheduled' : when(next.scheduledAt)),
          h('dt', null, 'Filed'), h('dd', null, `${next.createdAt ? when(next.createdAt) : '—'}${next.createdBy ? ` by ${next.createdBy.name}` : ''}`)));
      const launchable = next.status === 'open' || next.status === 'inactive';
      const launching = this.busy.has(`launch-${next.requestId}`);
      replace(actions,
        inSession
          ? h('button', { class: 'primary', type: 'button', 'data-key': 'req-open-session', onclick: () => this.app.activate(next.sessionId) }, 'Open session')
          : h('button', {
            class: 'primary', type: 'button', 'data-key': 'req-connect', disabled: !launchable || launching || this.refused.launch || (host !== undefined && !online),
            title: !launchable ? 'The request already has a session' : host !== undefined && !online ? 'The user’s desktop is offline' : 'Ask the user to allow a session',
            onclick: () => void this.launch(next),
          }, launching ? 'Connecting…' : 'Connect'),
        h('button', { class: 'danger', type: 'button', 'data-key': 'req-close', disabled: this.refused.delete, onclick: () => void this.close(next) }, 'Close request'));
      const active = next.status === 'waiting' || next.status === 'in-progress';
      if (!dirty.has('assignee')) assignee.value = next.assignee?.id ?? '';
      if (!dirty.has('scheduled')) scheduled.value = toLocalInput(next.scheduledAt);
      replace(status, active
        ? h('option', { value: next.status }, REQUEST_STATUS_LABEL[next.status])
        : (['open', 'inactive'] as RequestStatus[]).map((s) => h('option', { value: s }, REQUEST_STATUS_LABEL[s])));
      if (!dirty.has('status') || active) status.value = next.status;
      status.disabled = active;
      statusHint.textContent = active ? 'Follows the session: In Progress once the user allows, Inactive (or closed, if One-Time) when it ends.' : 'Inactive keeps the request without anyone working on it.';
      form.hidden = this.refused.edit;
      refusedNote.hidden = !this.refused.edit;
    };
    const refusedNote = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'edit-refused', hidden: true },
      'FORBIDDEN — the server refused your change: editing requests (assignee, schedule, status) needs the request.edit right.');
    this.editor = { requestId: r.requestId, info, refresh };
    replace(this.detail, h('div', { class: 'stack' }, info, actions, refusedNote, form));
  }

  private showError(el: HTMLElement, text: string): void {
    el.textContent = text;
    el.hidden = false;
    el.scrollIntoView({ block: 'nearest' });
  }

  private async launch(r: AssistanceRequest): Promise<void> {
    const key = `launch-${r.requestId}`;
    this.busy.add(key);
    this.renderDetail();
    try {
      const ack = await this.app.conn.ask<{ sessionId: string; request: AssistanceRequest }>('request.launch', { requestId: r.requestId });
      this.requests.apply(ack.request);
      this.app.activate(ack.sessionId);
    } catch (err) {
      if ((err as { code?: string }).code === 'FORBIDDEN') this.refused.launch = true;
      toastError(err, 'Connect');
    } finally {
      this.busy.delete(key);
      this.renderDetail();
    }
  }

  private async close(r: AssistanceRequest): Promise<void> {
    const ok = await ask({
      title: 'Close this request?', confirm: 'Close request', danger: true,
      body: [`${r.owner?.name ?? 'The user'}’s request “${r.description.length > 80 ? `${r.description.slice(0, 80)}…` : r.description}” leaves the list for everyone.`,
        r.sessionId ? 'Its session goes on until someone ends it.' : 'The user is told by e-mail when they gave an address.'],
    });
    if (ok === null) return;
    try {
      const ack = await this.app.conn.ask<{ request: AssistanceRequest }>('request.delete', { requestId: r.requestId });
      this.requests.apply(ack.request);
      toast('Request closed.', 'success');
    } catch (err) {
      if ((err as { code?: string }).code === 'FORBIDDEN') this.refused.delete = true;
      toastError(err, 'Close request');
      this.renderDetail();
    }
  }

  /** The "New request" form: for another user's desktop (request.create). */
  private openNew(): void {
    this.pane = { kind: 'new' };
    this.editor = null;
    this.renderList();
    const agents = this.app.agents.filter((a) => a.status !== 'offline').sort((a, b) => a.hostname.localeCompare(b.hostname));
    const desktop = h('select', { id: uid('new-desktop'), required: true },
      agents.length ? agents.map((a) => h('option', { value: a.agentId }, `${a.hostname} · ${a.osUser}`)) : h('option', { value: '' }, 'No desktop is online'));
    // The user it is for comes from the selected user database (`directory.users`); mail then goes to their address.
    const realm = this.realm?.value ?? this.realms[0]?.id;
    const realmName = this.realms.find((r) => r.id === realm)?.name ?? 'the user database';
    const user = h('select', { id: uid('new-user') }, h('option', { value: '' }, 'Loading users…'));
    const userHint = h('p', { class: 'small muted' }, `Users of ${realmName}${this.realm ? ' (the selector at the top right)' : ''}.`);
    const users = new Map<string, { id: string; name: string; email: string | null }>();
    if (realm) {
      void this.app.conn.ask<{ users: { id: string; name: string; email: string | null; role: string }[] }>('directory.users', { realm }).then((ack) => {
        for (const u of ack.users) users.set(u.id, u);
        replace(user, h('option', { value: '' }, '— Not in the user database —'), ack.users.map((u) => h('option', { value: u.id }, u.email ? `${u.name} · ${u.email}` : u.name)));
      }, (err) => {
        replace(user, h('option', { value: '' }, '— Not in the user database —'));
        userHint.textContent = `The users of ${realmName} cannot be listed: ${errText(err)}`;
      });
    } else {
      replace(user, h('option', { value: '' }, '— Not in the user database —'));
    }
    const description = h('textarea', { id: uid('new-desc'), rows: 4, maxlength: 2000, required: true, placeholder: 'What does the user need help with?' });
    const anyTime = h('input', { type: 'radio', name: 'new-avail', id: uid('new-any'), value: 'any', checked: true });
    const fromRadio = h('input', { type: 'radio', name: 'new-avail', id: uid('new-from'), value: 'from' });
    const from = h('input', { id: uid('new-from-at'), type: 'datetime-local', 'aria-label': 'Available from', disabled: true });
    const oneTime = h('input', { type: 'checkbox', id: uid('new-once') });
    const email = h('input', { id: uid('new-email'), type: 'email', autocomplete: 'off', placeholder: 'user@example.com' });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const submit = h('button', { class: 'primary', type: 'submit', disabled: this.refused.create || agents.length === 0 }, 'File request');
    const toggle = (): void => { from.disabled = !fromRadio.checked; if (fromRadio.checked) from.focus(); };
    anyTime.addEventListener('change', toggle);
    fromRadio.addEventListener('change', toggle);
    user.addEventListener('change', () => { email.placeholder = users.get(user.value)?.email ?? 'user@example.com'; });
    const form = h('form', { class: 'req-editor', 'aria-labelledby': 'new-req-title' },
      h('h3', { id: 'new-req-title' }, 'New request'),
      h('p', { class: 'muted small' }, 'File a remote assistance request on behalf of a user, for their desktop.'),
      h('div', { class: 'field' }, h('label', { for: user.id }, 'User'), user, userHint),
      h('div', { class: 'field' }, h('label', { for: desktop.id }, 'Desktop'), desktop),
      h('div', { class: 'field' }, h('label', { for: description.id }, 'Description'), description),
      h('fieldset', null, h('legend', null, 'The user is available'),
        h('div', { class: 'check' }, anyTime, h('label', { for: anyTime.id }, 'Any time')),
        h('div', { class: 'check' }, fromRadio, h('label', { for: fromRadio.id }, 'From'), from)),
      h('div', { class: 'check' }, oneTime, h('label', { for: oneTime.id }, 'One-Time request (closed after its session)')),
      h('div', { class: 'field' }, h('label', { for: email.id }, 'User’s e-mail for updates (optional; empty: the user database’s)'), email),
      error,
      h('div', { class: 'row' }, submit, h('button', { type: 'button', onclick: () => { this.pane = { kind: 'none' }; this.update(); } }, 'Cancel')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const text = description.value.trim();
      if (!desktop.value) return this.showError(error, 'UNKNOWN_AGENT — pick a desktop that is online');
      if (!text) { description.focus(); return this.showError(error, 'INVALID_DATA — describe what the user needs'); }
      const at = fromRadio.checked ? fromLocalInput(from.value) : '*';
      if (!at) { from.focus(); return this.showError(error, 'INVALID_DATA — choose the time the user is available from'); }
      error.hidden = true;
      submit.disabled = true;
      void this.app.conn.ask<{ requestId: string; request: AssistanceRequest }>('request.file', {
        agentId: desktop.value, description: text, availableFrom: at, oneTime: oneTime.checked, ...(email.value.trim() ? { email: email.value.trim() } : {}), ...(user.value ? { userId: user.value } : {}),
      }).then((ack) => {
        this.requests.apply(ack.request);
        toast('Request filed.', 'success');
        this.select(ack.requestId);
      }, (err) => {
        if ((err as { code?: string }).code === 'FORBIDDEN') this.refused.create = true;
        this.showError(error, (err as { code?: string }).code === 'FORBIDDEN' ? `${errText(err)} (filing for another user needs the request.create right)` : errText(err));
        submit.disabled = this.refused.create;
      });
    });
    replace(this.detail, form);
    description.focus();
  }
}
