import { ask } from '../shared/dialog';
import { age, clock, h, initials, replace, saveBlob, type Child } from '../shared/dom';
import { describeEvent, eventKind } from '../shared/event-text';
import { END_REASON, MODE_LABEL, queueText, type Mode, type QueueRef, type SessionEvent } from '../shared/protocol';
import { toast, toastError } from '../shared/toast';
import {
  AdminApi, ApiError, type AdminAgent, type AdminUser, type AuditEntry, type LiveSession, type NodeRecord, type SessionDetail, type VerifyResult,
} from './api';
import { JumpGroupsTab } from './jump-groups';
import { qualityBlock } from './quality';
import { RecordingsTab } from './recordings';

export interface AdminUserInfo { username: string; displayName: string; role: string; teams: string[] }

type Tab = 'nodes' | 'sessions' | 'agents' | 'users' | 'audit' | 'recordings' | 'jump-groups';
const TABS: Array<{ id: Tab; label: string }> = [
  { id: 'nodes', label: 'Nodes' }, { id: 'sessions', label: 'Sessions' }, { id: 'agents', label: 'Agents' }, { id: 'users', label: 'Users' }, { id: 'audit', label: 'Audit log' }, { id: 'recordings', label: 'Recordings' },
  { id: 'jump-groups', label: 'Jump Groups' },
];
const REFRESH_MS = 5000;
/** Nodes beat every second; a record older than this is late (it expires from the list after a few seconds). */
const LATE_HEARTBEAT_MS = 2500;
const AUDIT_ROWS = 200;
const AUDIT_RANGES: Array<{ id: string; label: string; ms: number | null }> = [
  { id: '1h', label: 'Last hour', ms: 3600_000 }, { id: '24h', label: 'Last 24 hours', ms: 86400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86400_000 }, { id: 'all', label: 'Everything', ms: null },
];
const ROLE_LABEL: Record<string, string> = { admin: 'Administrator', supervisor: 'Supervisor', technician: 'Technician' };
const MEMBER_ROLE: Record<string, string> = { owner: 'Owner', participant: 'Participant', observer: 'Observer', external: 'External' };
const ADMIN_TEXT: Record<string, (e: AuditEntry) => string> = {
  AdminNodeDrained: (e) => `${e.actor.name} drained node ${String(e.details.nodeId ?? '?')}`,
  AdminSessionEnded: (e) => `${e.actor.name} ended the session${e.details.reason ? ` — “${String(e.details.reason)}”` : ''}`,
  AdminTokensRevoked: (e) => `${e.actor.name} revoked every sign-in of ${String(e.details.username ?? '?')}`,
};

/**
 * The administrator's console over the admin REST API (docs/admin.md): nodes (drain), live sessions
 * (details, timeline, end), agents, users (revoke) and the audit log (latest entries, chain check,
 * JSONL/CSV export). Everything is re-read every 5 s; the server decides, the page only shows.
 */
export class AdminConsole {
  private readonly api: AdminApi;
  private readonly recordingsTab: RecordingsTab;
  private readonly jumpGroupsTab: JumpGroupsTab;
  private tab: Tab = 'nodes';
  private nodes: NodeRecord[] = [];
  private sessions: LiveSession[] = [];
  private agents: AdminAgent[] = [];
  private users: AdminUser[] = [];
  private readonly details = new Map<string, SessionDetail>();
  private selected: string | null = null;
  private selectedGone: SessionDetail | null = null;
  private audit: { entries: AuditEntry[]; total: number; loadedAt: number } | null = null;
  private auditRange = '1h';
  private auditLoading = false;
  private verify: VerifyResult | null = null;
  private verifying = false;
  private loadedAt = 0;
  private refreshError: ApiError | null = null;
  private readonly sectionErrors = new Map<Tab, ApiError>();
  private refreshing = false;
  private timer: number | undefined;
  private stopped = false;
  private readonly status = h('span', { class: 'conn connecting', role: 'status', 'aria-live': 'polite' }, h('span', { class: 'dot' }), h('span', null, 'Loading…'));
  private readonly nav = h('nav', { class: 'admin-tabs', role: 'tablist', 'aria-label': 'Admin sections' });
  private readonly content = h('main', { class: 'admin-main', id: 'admin-main' });

  constructor(private readonly root: HTMLElement, token: string, private readonly user: AdminUserInfo, private readonly logout: (notice?: string) => void) {
    this.api = new AdminApi(token);
    this.recordingsTab = new RecordingsTab(this.api, (err) => this.handleAuth(err));
    this.jumpGroupsTab = new JumpGroupsTab(token);
  }

  async start(): Promise<void> {
    document.title = 'Admin · Tandem';
    const refreshBtn = h('button', { type: 'button', title: 'Read everything again now', onclick: () => void this.refresh(true) }, 'Refresh');
    replace(this.root,
      h('header', { class: 'topbar' },
        h('div', { class: 'brand' }, h('img', { src: '/assets/favicon.svg', alt: '' }), 'Tandem', h('small', null, 'admin console')),
        this.status, h('div', { class: 'spacer' }),
        refreshBtn,
        h('span', { class: 'whoami' }, `${this.user.displayName} · ${ROLE_LABEL[this.user.role] ?? this.user.role}`),
        h('button', { type: 'button', onclick: () => this.signOut() }, 'Sign out')),
      h('div', { class: 'admin-body' }, this.nav, this.content));
    this.renderNav();
    replace(this.content, h('div', { class: 'placeholder' }, h('div', null, h('div', { class: 'spinner', 'aria-hidden': 'true' }), h('p', null, 'Loading…'))));
    await this.refresh(false);
    if (this.stopped) return;
    this.timer = window.setInterval(() => void this.refresh(false), REFRESH_MS);
    document.addEventListener('visibilitychange', () => { if (!document.hidden) void this.refresh(false); });
  }

  private signOut(notice?: string): void {
    this.stop();
    this.logout(notice);
  }

  private stop(): void {
    this.stopped = true;
    window.clearInterval(this.timer);
    this.jumpGroupsTab.close();
  }

  // ---- loading ----

  private async refresh(manual: boolean): Promise<void> {
    if (this.refreshing || this.stopped) return;
    this.refreshing = true;
    try {
      // Each section loads on its own: one failing endpoint (say, a node shutting down) does not blank the rest.
      const [nodes, sessions, agents, users] = await Promise.allSettled([
        this.api.get<{ nodes: NodeRecord[] }>('/api/admin/nodes'),
        this.api.get<{ sessions: LiveSession[] }>('/api/admin/sessions'),
        this.api.get<{ agents: AdminAgent[] }>('/api/admin/agents'),
        this.api.get<{ users: AdminUser[] }>('/api/admin/users'),
      ]);
      const failed = [nodes, sessions, agents, users].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      const auth = failed.find((e) => e instanceof ApiError && (e.status === 401 || e.status === 403));
      if (auth) throw auth;
      this.sectionErrors.clear();
      const keep = <T>(tab: Tab, r: PromiseSettledResult<T>, set: (v: T) => void): void => {
        if (r.status === 'fulfilled') set(r.value);
        else this.sectionErrors.set(tab, asApiError(r.reason));
      };
      keep('nodes', nodes, (v) => { this.nodes = v.nodes; });
      keep('sessions', sessions, (v) => { this.sessions = v.sessions; });
      keep('agents', agents, (v) => { this.agents = v.agents; });
      keep('users', users, (v) => { this.users = v.users; });
      if (sessions.status === 'fulfilled') await this.loadDetails();
      if (this.tab === 'audit' && (manual || !this.audit)) await this.loadAudit();
      await this.recordingsTab.load().catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 401) throw err;
        this.sectionErrors.set('recordings', asApiError(err));
      });
      await this.jumpGroupsTab.load().catch((err: unknown) => { this.sectionErrors.set('jump-groups', asApiError(err)); });
      if (failed.length === 4) throw failed[0];
      this.loadedAt = Date.now();
      this.refreshError = failed.length ? asApiError(failed[0]) : null;
      if (manual && !failed.length) toast('Refreshed.', 'success', 1500);
      if (manual && failed.length) toastError(failed[0], 'Refresh');
    } catch (err) {
      if (this.handleAuth(err)) return;
      this.refreshError = asApiError(err);
      if (manual) toastError(err, 'Refresh');
    } finally {
      this.refreshing = false;
    }
    if (!this.stopped) this.render();
  }

  /** 401: the sign-in is no longer valid; 403: not an administrator. Returns true when handled. */
  private handleAuth(err: unknown): boolean {
    if (!(err instanceof ApiError)) return false;
    if (err.status === 401) {
      this.signOut(`Your sign-in is no longer valid (${err.code}). Sign in again.`);
      return true;
    }
    if (err.status === 403 && this.loadedAt === 0) {
      this.stop();
      this.renderForbidden(err);
      return true;
    }
    return false;
  }

  /** The state and timeline of the selected session (the list itself carries the member count). */
  private async loadDetails(): Promise<void> {
    for (const id of [...this.details.keys()]) if (id !== this.selected) this.details.delete(id);
    const wanted = this.selected ? [this.selected] : [];
    await Promise.all(wanted.map(async (id) => {
      try {
        this.details.set(id, await this.api.get<SessionDetail>(`/api/admin/sessions/${encodeURIComponent(id)}`));
      } catch (err) {
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) throw err;
        // The session ended between the two reads: the list will drop it on the next refresh.
      }
    }));
  }

  private async loadAudit(): Promise<void> {
    const range = AUDIT_RANGES.find((r) => r.id === this.auditRange) ?? AUDIT_RANGES[0];
    const from = range.ms === null ? 0 : Date.now() - range.ms;
    this.auditLoading = true;
    if (this.tab === 'audit') this.render();
    try {
      const res = await this.api.raw(`/api/admin/audit?format=jsonl&from=${from}`);
      const entries: AuditEntry[] = [];
      let total = 0;
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let rest = '';
      const take = (line: string): void => {
        if (!line.trim()) return;
        try {
          entries.push(JSON.parse(line) as AuditEntry);
          total++;
          if (entries.length > AUDIT_ROWS) entries.shift();
        } catch {
          // A line that does not parse is skipped.
        }
      };
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const lines = (rest + value).split('\n');
        rest = lines.pop() ?? '';
        for (const l of lines) take(l);
      }
      take(rest);
      this.audit = { entries: entries.reverse(), total, loadedAt: Date.now() };
    } catch (err) {
      if (this.handleAuth(err)) return;
      toastError(err, 'Audit log');
    } finally {
      this.auditLoading = false;
    }
  }

  // ---- actions ----

  private async drain(n: NodeRecord): Promise<void> {
    const answer = await ask({
      title: `Drain node ${n.id}?`,
      body: [`It stops taking new connections and hands its ${n.sessions} session${n.sessions === 1 ? '' : 's'} to the other nodes. Its ${n.connections} connection${n.connections === 1 ? '' : 's'} are closed and reconnect through the load balancer.`,
        'The node keeps running until it is stopped; restart it to take it back into service.'],
      confirm: 'Drain node', danger: true,
    });
    if (answer === null) return;
    try {
      await this.api.post(`/api/admin/nodes/${encodeURIComponent(n.id)}/drain`);
      toast(`Node ${n.id} is draining.`, 'success');
      // The node's record says so at its next heartbeat (every second).
      window.setTimeout(() => void this.refresh(false), 1200);
    } catch (err) {
      if (!this.handleAuth(err)) toastError(err, 'Drain');
    }
    await this.refresh(false);
  }

  private async endSession(s: LiveSession): Promise<void> {
    const reason = await ask({
      title: 'End this session?',
      body: `Everyone in session ${s.sessionId} — technicians and the customer — sees that an administrator ended it. The reason goes into the audit log.`,
      confirm: 'End session', danger: true,
      input: { label: 'Reason', placeholder: 'e.g. policy violation, stuck session', maxLength: 200 },
    });
    if (reason === null) return;
    try {
      await this.api.post(`/api/admin/sessions/${encodeURIComponent(s.sessionId)}/end`, reason ? { reason } : {});
      toast(`Session ${s.sessionId} ended.`, 'success');
    } catch (err) {
      if (!this.handleAuth(err)) toastError(err, 'End session');
    }
    await this.refresh(false);
  }

  private async revoke(u: AdminUser): Promise<void> {
    const self = u.username === this.user.username;
    const answer = await ask({
      title: `Revoke ${u.displayName}’s sign-ins?`,
      body: [`Every token issued to ${u.username} until now stops working on every node at once; open connections are closed. They can sign in again with their password.`,
        ...(self ? ['This is your own account: you will be signed out of this console.'] : [])],
      confirm: 'Revoke sign-ins', danger: true,
    });
    if (answer === null) return;
    try {
      await this.api.post(`/api/admin/users/${encodeURIComponent(u.username)}/revoke`);
      toast(`Every sign-in of ${u.username} is revoked.`, 'success');
    } catch (err) {
      if (!this.handleAuth(err)) toastError(err, 'Revoke');
    }
    await this.refresh(false);
  }

  private async runVerify(): Promise<void> {
    this.verifying = true;
    this.render();
    try {
      this.verify = await this.api.get<VerifyResult>('/api/admin/audit/verify');
    } catch (err) {
      if (!this.handleAuth(err)) toastError(err, 'Verify chain');
    } finally {
      this.verifying = false;
    }
    this.render();
  }

  private async download(format: 'jsonl' | 'csv'): Promise<void> {
    const range = AUDIT_RANGES.find((r) => r.id === this.auditRange) ?? AUDIT_RANGES[0];
    const from = range.ms === null ? 0 : Date.now() - range.ms;
    try {
      const res = await this.api.raw(`/api/admin/audit?format=${format}&from=${from}`);
      const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
      saveBlob(await res.blob(), `tandem-audit-${stamp}.${format}`);
    } catch (err) {
      if (!this.handleAuth(err)) toastError(err, 'Download');
    }
  }

  // ---- rendering ----

  private select(tab: Tab): void {
    if (this.tab === tab) return;
    this.tab = tab;
    this.renderNav();
    this.render();
    if (tab === 'audit' && !this.audit) void this.loadAudit().then(() => this.render());
  }

  private renderNav(): void {
    const counts: Partial<Record<Tab, number>> = {
      nodes: this.nodes.length, sessions: this.sessions.length, agents: this.agents.filter((a) => a.online).length, users: this.users.length,
      recordings: this.recordingsTab.recordings.length, 'jump-groups': this.jumpGroupsTab.groups.length,
    };
    replace(this.nav, TABS.map((t) => h('button', {
      type: 'button', role: 'tab', id: `tab-${t.id}`, 'aria-selected': String(this.tab === t.id), 'aria-controls': 'admin-main', 'data-key': `tab-${t.id}`,
      onclick: () => this.select(t.id),
    }, t.label, counts[t.id] !== undefined && this.loadedAt ? h('span', { class: 'count' }, String(counts[t.id])) : null)));
  }

  private render(): void {
    if (this.stopped) return;
    this.renderNav();
    this.renderStatus();
    const view = this.tab === 'nodes' ? this.renderNodes() : this.tab === 'sessions' ? this.renderSessions() : this.tab === 'agents' ? this.renderAgents()
      : this.tab === 'users' ? this.renderUsers() : this.tab === 'recordings' ? this.recordingsTab.view() : this.tab === 'jump-groups' ? this.jumpGroupsTab.view() : this.renderAudit();
    const err = this.sectionErrors.get(this.tab) ?? (this.sectionErrors.size === 0 ? this.refreshError : null);
    replace(this.content,
      err ? h('div', { class: 'admin-alert', role: 'alert', 'data-testid': 'refresh-error' }, h('strong', null, err.code), ` — this list could not be read: ${err.message}. Showing what was read before; retrying every ${REFRESH_MS / 1000} s.`) : null,
      view);
    this.content.setAttribute('aria-labelledby', `tab-${this.tab}`);
  }

  private renderStatus(): void {
    const bad = this.refreshError;
    const partial = bad && this.sectionErrors.size > 0 && this.sectionErrors.size < 4;
    this.status.className = `conn ${bad ? (partial ? 'reconnecting' : 'closed') : 'open'}`;
    this.status.lastElementChild!.textContent = !bad ? `Updated ${clock(this.loadedAt)} · every ${REFRESH_MS / 1000} s`
      : partial ? `Updated ${clock(this.loadedAt)} · ${[...this.sectionErrors.keys()].join(', ')} failed (${bad.code})` : `Refresh failed (${bad.code})`;
  }

  private renderForbidden(err: ApiError): void {
    replace(this.content, h('div', { class: 'admin-center' }, h('section', { class: 'card hero', role: 'alert', 'aria-labelledby': 'forbidden-title' },
      h('div', { class: 'hero-icon danger', 'aria-hidden': 'true' }, '!'),
      h('h3', { id: 'forbidden-title' }, 'Administrators only'),
      h('p', null, `${this.user.displayName} (${this.user.username}) is signed in as ${ROLE_LABEL[this.user.role] ?? this.user.role}. This console needs the administrator role.`),
      h('p', { class: 'error-code' }, h('span', { class: 'badge danger', 'data-testid': 'error-code' }, err.code), ` ${err.message}`),
      h('div', { class: 'row' },
        h('a', { class: 'btn', href: '/' }, 'Open the cockpit'),
        h('button', { class: 'primary', type: 'button', onclick: () => this.signOut() }, 'Sign in as someone else')))));
    replace(this.nav);
    this.status.className = 'conn closed';
    this.status.lastElementChild!.textContent = 'No access';
  }

  private section(title: string, summary: Child, actions: Child, body: Child): HTMLElement {
    return h('section', { class: 'card admin-card' },
      h('header', { class: 'admin-card-head' }, h('div', null, h('h3', null, title), h('p', { class: 'small muted' }, summary)), h('div', { class: 'row' }, actions)),
      body);
  }

  /** A data table; a head cell `[label, class]` gives the column's header a class (e.g. `col-id`, hidden beside the detail panel). */
  private table(head: Array<string | [string, string]>, rows: HTMLElement[], empty: string, label: string): HTMLElement {
    return h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'aria-label': label },
      h('thead', null, h('tr', null, head.map((c) => (Array.isArray(c) ? h('th', { scope: 'col', class: c[1] }, c[0]) : h('th', { scope: 'col' }, c))))),
      h('tbody', null, rows.length ? rows : h('tr', { class: 'empty-row' }, h('td', { colspan: head.length }, empty)))));
  }

  private renderNodes(): HTMLElement {
    const now = Date.now();
    const draining = this.nodes.filter((n) => n.draining).length;
    const rows = this.nodes.map((n) => {
      const beat = now - n.seenAt;
      return h('tr', { 'data-node': n.id },
        h('td', null, h('div', { class: 'cell-main mono' }, n.id), h('div', { class: 'small muted' }, `${n.address ? `${n.address} · ` : ''}v${n.version} · up since ${dateTime(n.startedAt)}`)),
        h('td', { class: 'num' }, String(n.sessions)),
        h('td', { class: 'num' }, String(n.connections)),
        h('td', { class: 'num' }, String(n.actors)),
        h('td', { class: 'num' }, n.eventsPerSecond.toFixed(1)),
        h('td', { class: 'num', title: 'leases lost to another node / journals replayed here' }, `${n.fenced} / ${n.replays}`),
        h('td', null, h('span', { class: `badge ${beat > LATE_HEARTBEAT_MS ? 'warn' : 'ok'}` }, seconds(beat))),
        h('td', null, n.draining ? h('span', { class: 'badge warn', 'data-testid': 'node-state' }, 'Draining') : h('span', { class: 'badge ok', 'data-testid': 'node-state' }, 'Ready')),
        h('td', { class: 'actions' }, h('button', {
          class: 'danger small', type: 'button', disabled: n.draining, 'data-key': `drain-${n.id}`, 'aria-label': `Drain ${n.id}`, onclick: () => void this.drain(n),
        }, 'Drain')));
    });
    return this.section('Nodes', `${this.nodes.length} live node${this.nodes.length === 1 ? '' : 's'}${draining ? `, ${draining} draining` : ''}. A node that misses its heartbeat for a few seconds leaves the list.`, null,
      this.table(['Node', 'Sessions', 'Connections', 'Actors', 'Events/s', 'Fenced / replays', 'Heartbeat', 'State', ''], rows, 'No live node reported in.', 'Nodes'));
  }

  private userName(id: string | null | undefined): string {
    if (!id) return '—';
    return this.users.find((u) => u.username === id)?.displayName ?? id;
  }

  private agentName(id: string | null | undefined): string | null {
    if (!id) return null;
    return this.agents.find((a) => a.agentId === id)?.hostname ?? id;
  }

  private renderSessions(): HTMLElement {
    const rows = this.sessions.map((s) => {
      const host = this.agentName(s.agentId);
      const open = (): void => {
        this.selected = this.selected === s.sessionId ? null : s.sessionId;
        this.selectedGone = null;
        this.render();
        if (this.selected) void this.loadDetails().then(() => this.render(), () => undefined);
      };
      return h('tr', {
        class: `clickable${this.selected === s.sessionId ? ' selected' : ''}`, 'data-session': s.sessionId, tabindex: 0, 'data-key': `row-${s.sessionId}`,
        'aria-selected': String(this.selected === s.sessionId), onclick: open,
        onkeydown: (ev: KeyboardEvent) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); open(); } },
      },
      h('td', null, h('div', { class: 'cell-main' }, s.customer ?? 'Unknown customer'), h('div', { class: 'small muted' }, host ? `on ${host}` : queueText(s.queue as QueueRef | null))),
      h('td', null, this.userName(s.ownerId)),
      h('td', null, statusBadge(s.status), ' ', h('span', { class: `badge ${s.mode === 'interact' ? 'warn' : s.mode === 'observe' ? 'primary' : ''}` }, MODE_LABEL[s.mode as Mode] ?? s.mode)),
      h('td', { class: 'num' }, String(s.members ?? '—')),
      h('td', { class: 'mono small' }, s.node ?? '—'),
      h('td', null, h('div', null, clock(s.since)), h('div', { class: 'small muted' }, duration(s.durationMs))),
      h('td', { class: 'mono small muted col-id' }, s.sessionId),
      h('td', { class: 'actions' }, h('button', {
        class: 'danger small', type: 'button', 'data-key': `end-${s.sessionId}`, 'aria-label': `End session ${s.sessionId}`,
        onclick: (ev: MouseEvent) => { ev.stopPropagation(); void this.endSession(s); },
      }, 'End')));
    });
    const list = this.section('Live sessions', `${this.sessions.length} session${this.sessions.length === 1 ? '' : 's'} in the cluster. Select one to see its members and timeline.`, null,
      this.table(['Customer', 'Owner', 'Status / mode', 'Members', 'Node', 'Started', ['Session', 'col-id'], ''], rows, 'No live session right now.', 'Live sessions'));
    if (!this.selected) return list;
    const detail = this.details.get(this.selected) ?? this.selectedGone;
    if (detail && !this.sessions.some((s) => s.sessionId === this.selected)) this.selectedGone = detail;
    return h('div', { class: 'admin-split' }, list, this.renderDetail(this.selected, detail ?? null));
  }

  private renderDetail(id: string, d: SessionDetail | null): HTMLElement {
    const close = h('button', { class: 'small', type: 'button', 'aria-label': 'Close details', onclick: () => { this.selected = null; this.render(); } }, 'Close');
    if (!d) return h('aside', { class: 'card admin-detail', 'aria-label': 'Session details' }, h('div', { class: 'row' }, h('h3', { class: 'grow' }, 'Session'), close), h('p', { class: 'muted' }, 'Loading…'));
    const st = d.state;
    const live = this.sessions.some((s) => s.sessionId === id);
    const names = new Map<string, string>();
    for (const m of Object.values(st.members)) names.set(m.id, m.name);
    if (st.customer) names.set(st.customer.id, st.customer.name);
    for (const e of d.events) if (e.actor?.id) names.set(e.actor.id, e.actor.name);
    const nameOf = (x: string): string => names.get(x) ?? this.userName(x);
    const ended = st.status === 'ended' || !live;
    const members = Object.values(st.members);
    const events = [...d.events].reverse();
    return h('aside', { class: 'card admin-detail', 'aria-label': 'Session details', 'data-testid': 'session-detail' },
      h('div', { class: 'row' }, h('div', { class: 'grow' },
        h('h3', null, `${st.customer?.name ?? 'Session'}${this.agentName(st.agentId) ? ` on ${this.agentName(st.agentId)}` : ''}`), h('div', { class: 'small muted mono' }, id)), close),
      ended ? h('div', { class: 'admin-alert' }, `This session has ended${st.endReason ? `: ${END_REASON[st.endReason] ?? st.endReason}` : ''}.`) : null,
      h('dl', { class: 'kv' },
        h('dt', null, 'Status'), h('dd', null, statusBadge(ended ? 'ended' : st.status)),
        h('dt', null, 'Mode'), h('dd', null, MODE_LABEL[st.mode as Mode] ?? st.mode),
        h('dt', null, 'Owner'), h('dd', null, st.ownerId ? nameOf(st.ownerId) : '—'),
        h('dt', null, 'Customer'), h('dd', null, st.customer ? `${st.customer.name} (${st.customer.online ? 'online' : 'offline'}${st.customer.connected ? '' : ', disconnected'})` : '—'),
        h('dt', null, 'Agent'), h('dd', null, this.agentName(st.agentId) ?? '—'),
        h('dt', null, 'Node'), h('dd', { class: 'mono' }, d.node ?? '—'),
        h('dt', null, 'Teams'), h('dd', null, st.teams.length ? st.teams.join(', ') : '—'),
        h('dt', null, 'Rights'), h('dd', null, st.elevated ? h('span', { class: 'badge warn' }, 'Elevated') : 'Standard'),
        h('dt', null, 'Recording'), h('dd', null, st.recording ? h('span', { class: 'badge danger' }, '● Recording') : this.recordingsTab.has(id) ? 'Stopped' : 'Not recorded',
          this.recordingsTab.has(id) ? [' ', h('button', { class: 'small', type: 'button', 'data-key': `recording-${id}`, onclick: () => { this.select('recordings'); void this.recordingsTab.open(id); } }, 'Recording')] : null)),
      qualityBlock(d.quality, nameOf),
      h('h2', null, `Members (${members.length})`),
      h('ul', { class: 'list' }, members.length ? members.map((m) => h('li', { class: 'member', 'data-member': m.id },
        h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(m.name)),
        h('span', { class: 'grow' }, h('div', null, m.name), h('div', { class: 'small muted' }, `${m.kind} · ${m.id}`)),
        h('span', { class: `badge ${m.role === 'owner' ? 'primary' : m.role === 'external' ? 'warn' : ''}` }, MEMBER_ROLE[m.role] ?? m.role))) : h('li', { class: 'empty' }, 'No members.')),
      this.shellsBlock(id, d.events),
      h('h2', null, `Timeline (${d.events.length} events)`),
      h('ol', { class: 'timeline admin-timeline', 'aria-label': 'Session timeline' }, events.map((e) => h('li', { class: `k-${eventKind(e.type)}`, 'data-type': e.type, 'data-seq': e.seq },
        h('time', { datetime: new Date(e.at).toISOString() }, clock(e.at)),
        h('span', { class: 'text' }, describeEvent(e as unknown as SessionEvent, nameOf))))));
  }

  /** The session's command shells (ShellOpened / ShellClosed) with a download of each transcript. */
  private shellsBlock(sessionId: string, events: SessionDetail['events']): HTMLElement | null {
    const opened = events.filter((e) => e.type === 'ShellOpened');
    if (!opened.length) return null;
    const closed = new Map(events.filter((e) => e.type === 'ShellClosed').map((e) => [String((e as { shellId?: unknown }).shellId), e as { bytes?: number; reason?: string }]));
    return h('div', { 'data-testid': 'shells' }, h('h2', null, `Command shells (${opened.length})`),
      h('ul', { class: 'list' }, opened.map((e) => {
        const shellId = String((e as { shellId?: unknown }).shellId);
        const end = closed.get(shellId);
        return h('li', { class: 'member', 'data-shell': shellId },
          h('span', { class: 'grow' }, h('div', { class: 'mono' }, shellId),
            h('div', { class: 'small muted' }, `opened ${clock(e.at)} by ${e.actor?.name ?? '—'} · ${end ? `closed (${end.reason ?? 'exit'}), ${end.bytes ?? 0} bytes of output` : 'open'}`)),
          h('button', { class: 'small', type: 'button', 'data-key': `transcript-${shellId}`, onclick: () => void this.downloadTranscript(sessionId, shellId) }, 'Transcript'));
      })));
  }

  private async downloadTranscript(sessionId: string, shellId: string): Promise<void> {
    const reason = await ask({
      title: 'Download the shell transcript?',
      body: 'The transcript holds what the remote terminal printed: command lines as it echoed them, never what was typed with echo off (passwords). The download and its reason go into the audit log.',
      confirm: 'Download',
      input: { label: 'Reason', placeholder: 'e.g. incident review', maxLength: 200 },
    });
    if (reason === null) return;
    try {
      const res = await this.api.raw(`/api/admin/transcripts/${encodeURIComponent(sessionId)}/${encodeURIComponent(shellId)}${reason ? `?reason=${encodeURIComponent(reason)}` : ''}`);
      saveBlob(await res.blob(), `tandem-${sessionId}-${shellId}.log`);
      toast('Transcript downloaded.', 'success');
    } catch (err) {
      if (!this.handleAuth(err)) toastError(err, 'Transcript');
    }
  }

  private renderAgents(): HTMLElement {
    const online = this.agents.filter((a) => a.online).length;
    const sorted = [...this.agents].sort((a, b) => Number(b.online) - Number(a.online) || a.hostname.localeCompare(b.hostname));
    const rows = sorted.map((a) => {
      const st = a.status ?? (a.online ? 'online' : 'offline');
      return h('tr', { 'data-agent': a.agentId },
        h('td', null, h('div', { class: 'row' }, h('span', { class: `dot ${st}`, 'aria-hidden': 'true' }), h('div', null, h('div', { class: 'cell-main' }, a.hostname), h('div', { class: 'small muted mono' }, a.agentId)))),
        h('td', null, a.osUser || '—'),
        h('td', null, `${a.os} · v${a.version}`),
        h('td', null, a.teams.length ? a.teams.join(', ') : h('span', { class: 'muted' }, 'all teams')),
        h('td', null, st === 'online' ? h('span', { class: 'badge ok' }, 'Online') : st === 'grace' ? h('span', { class: 'badge warn' }, 'Reconnecting') : h('span', { class: 'badge' }, 'Offline')),
        h('td', null, a.online ? `since ${dateTime(a.since)}` : a.offlineSince ? `offline ${age(a.offlineSince)}` : '—'));
    });
    return this.section('Agents', `${online} online, ${this.agents.length - online} offline or reconnecting.`, null,
      this.table(['Computer', 'User', 'System', 'Teams', 'Status', 'Seen'], rows, 'No agent has connected yet.', 'Agents'));
  }

  private renderUsers(): HTMLElement {
    const rows = this.users.map((u) => h('tr', { 'data-user': u.username },
      h('td', null, h('div', { class: 'row' }, h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(u.displayName)),
        h('div', null, h('div', { class: 'cell-main' }, u.displayName, u.username === this.user.username ? h('span', { class: 'muted small' }, ' (you)') : null), h('div', { class: 'small muted mono' }, u.username)))),
      h('td', null, h('span', { class: `badge ${u.role === 'admin' ? 'danger' : u.role === 'supervisor' ? 'primary' : ''}` }, ROLE_LABEL[u.role] ?? u.role)),
      h('td', null, u.teams.length ? u.teams.join(', ') : '—'),
      h('td', null, u.email ?? h('span', { class: 'muted' }, '—')),
      h('td', { class: 'actions' }, h('button', { class: 'danger small', type: 'button', 'data-key': `revoke-${u.username}`, 'aria-label': `Revoke ${u.username}`, onclick: () => void this.revoke(u) }, 'Revoke sign-ins'))));
    return this.section('Users', `${this.users.length} account${this.users.length === 1 ? '' : 's'} from the configuration. Revoking ends every current sign-in of a user; the password still works.`, null,
      this.table(['Name', 'Role', 'Teams', 'Email', ''], rows, 'No users configured.', 'Users'));
  }

  private renderAudit(): HTMLElement {
    const range = h('select', { id: 'audit-range', 'data-key': 'audit-range', onchange: () => { this.auditRange = range.value; this.audit = null; void this.loadAudit().then(() => this.render()); } },
      AUDIT_RANGES.map((r) => h('option', { value: r.id, selected: r.id === this.auditRange }, r.label)));
    range.value = this.auditRange;
    const actions = [
      h('label', { class: 'sr-only', for: 'audit-range' }, 'Time range'), range,
      h('button', { type: 'button', 'data-key': 'audit-reload', disabled: this.auditLoading, onclick: () => void this.loadAudit().then(() => this.render()) }, this.auditLoading ? 'Loading…' : 'Reload'),
      h('button', { type: 'button', 'data-key': 'verify', disabled: this.verifying, onclick: () => void this.runVerify() }, this.verifying ? 'Verifying…' : 'Verify chain'),
      h('button', { type: 'button', 'data-key': 'dl-jsonl', onclick: () => void this.download('jsonl') }, 'Download JSONL'),
      h('button', { type: 'button', 'data-key': 'dl-csv', onclick: () => void this.download('csv') }, 'Download CSV'),
    ];
    const v = this.verify;
    const verdict = v ? (v.ok
      ? h('div', { class: 'verify ok', role: 'status', 'data-testid': 'verify-result' }, h('strong', null, 'Chain intact.'), ` ${v.checked} stream${v.checked === 1 ? '' : 's'} and ${v.events} events checked; every hash links to the one before.`)
      : h('div', { class: 'verify broken', role: 'alert', 'data-testid': 'verify-result' }, h('strong', null, 'Chain broken.'),
        ` ${v.firstBroken?.stream ?? 'a stream'}${v.firstBroken?.break ? ` at event ${v.firstBroken.break.position}: ${v.firstBroken.break.reason}` : ''} (${v.checked} streams checked).`)) : null;
    const coverage = v ? verifyCoverage(v) : null;
    const a = this.audit;
    const rows = (a?.entries ?? []).map((e) => h('tr', { 'data-type': e.type },
      h('td', { class: 'nowrap' }, h('div', null, clock(e.at)), h('div', { class: 'small muted' }, new Date(e.at).toLocaleDateString())),
      h('td', null, h('span', { class: `badge ${e.type.startsWith('Admin') ? 'danger' : eventKind(e.type) === 'end' ? 'warn' : ''}` }, e.type)),
      h('td', null, h('div', null, e.actor.name || e.actor.id), h('div', { class: 'small muted' }, e.actor.kind)),
      h('td', { class: 'audit-text' }, auditText(e)),
      h('td', { class: 'mono small' }, e.sessionId ? `${e.sessionId}${e.seq !== null ? ` #${e.seq}` : ''}` : '—'),
      h('td', { class: 'mono small' }, e.node)));
    const summary = !a ? 'Loading the log…' : a.total > a.entries.length ? `Showing the latest ${a.entries.length} of ${a.total} entries (${AUDIT_RANGES.find((r) => r.id === this.auditRange)?.label.toLowerCase()}). Download for all of them.`
      : `${a.total} entr${a.total === 1 ? 'y' : 'ies'} (${AUDIT_RANGES.find((r) => r.id === this.auditRange)?.label.toLowerCase()}), newest first.`;
    return this.section('Audit log', summary, actions, h('div', { class: 'stack' }, verdict, coverage,
      this.table(['Time', 'Type', 'Actor', 'What happened', 'Session', 'Node'], rows, a ? 'No entries in this time range.' : 'Loading…', 'Audit log')));
  }
}

function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, 'ERROR', String(err));
}

function statusBadge(status: string): HTMLElement {
  const label: Record<string, string> = { active: 'Active', pending: 'Waiting for customer', queued: 'In queue', new: 'New', ended: 'Ended' };
  const kind = status === 'active' ? 'ok' : status === 'ended' ? 'danger' : status === 'queued' ? 'warn' : 'primary';
  return h('span', { class: `badge ${kind}` }, label[status] ?? status);
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${(Math.max(0, ms) / 1000).toFixed(1)} s ago` : age(Date.now() - ms);
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function dateTime(at: number): string {
  const d = new Date(at);
  return d.toDateString() === new Date().toDateString() ? clock(at) : `${d.toLocaleDateString()} ${clock(at)}`;
}

/** An audit entry in words: session events as the timeline says them, admin actions by their details. */
function auditText(e: AuditEntry): string {
  const admin = ADMIN_TEXT[e.type];
  if (admin) return admin(e);
  const ev = { ...e.details, type: e.type, actor: e.actor, at: e.at, seq: e.seq ?? 0, sessionId: e.sessionId ?? '' } as SessionEvent;
  const text = describeEvent(ev, (id) => id);
  if (text !== `${e.actor.name || e.actor.id}: ${e.type}`) return text;
  const parts = Object.entries(e.details).filter(([k]) => k !== 'prevHash' && k !== 'hash').slice(0, 4)
    .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? ('name' in v ? String((v as { name: unknown }).name) : '…') : String(v)}`);
  return parts.length ? parts.join(' · ') : e.type;
}

/**
 * What a verification covered beyond its verdict: the day ledgers read (and the older days a long range
 * left out, never silently), and the latest day ledger's head — the hash to keep outside the store, since
 * someone able to rewrite the store could recompute an unkeyed chain (docs/recording.md).
 */
function verifyCoverage(v: VerifyResult): HTMLElement | null {
  if (!v.days) return null;
  const ledgers = (v.results ?? []).filter((r) => r.stream.startsWith('ledger:') && r.ok && r.head).sort((a, b) => a.stream.localeCompare(b.stream));
  const latest = ledgers[ledgers.length - 1];
  return h('div', { class: 'verify-coverage small', 'data-testid': 'verify-coverage' },
    h('div', null, `${v.days.checked} day ledger${v.days.checked === 1 ? '' : 's'} read`,
      v.days.skipped > 0 ? h('strong', null, ` — ${v.days.skipped} older day${v.days.skipped === 1 ? '' : 's'} not read (before ${v.days.skippedBefore ?? 'the range'}): verify them with a range of their own.`) : '.'),
    latest ? h('div', null, `Head of ${latest.stream.slice('ledger:'.length)}'s ledger (${latest.events} entr${latest.events === 1 ? 'y' : 'ies'}): `,
      h('code', { class: 'mono', 'data-testid': 'ledger-head' }, latest.head!), ' — keep a copy outside Tandem; a later verification showing another head for that day means it was rewritten.') : null);
}
