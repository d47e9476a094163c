import { Connection, type ConnectionStatus } from '../shared/connection';
import { age, h, replace } from '../shared/dom';
import { END_REASON, sessionModeLabel, type OnlineAgent, type QueuedSession } from '../shared/protocol';
import { RequestStore } from '../shared/requests';
import { SessionStore, type SessionModel } from '../shared/sessions';
import { toast, toastError } from '../shared/toast';
import { chatLinks } from './chat-links';
import { JumpBoard } from './jump-list';
import { RecordingsBoard } from './recordings-board';
import type { MediaQuality } from './quality-indicator';
import { RequestsBoard } from './requests';
import { OPEN_KEY, SessionView } from './session-view';
import { TeamSessions } from './team-sessions';

export interface User { username: string; displayName: string; role: string; teams: string[]; realm?: string | null; rights?: string[] }

interface Invite { sessionId: string; inviteId: string; from: { id: string; name: string }; customer: string | null; target: { kind: string; teamId?: string } }

const CONN_TEXT: Record<ConnectionStatus, string> = { connecting: 'Connecting…', open: 'Connected', reconnecting: 'Reconnecting…', closed: 'Disconnected' };
/** What the main area shows: the active session, the Requests board or the Jump list. */
type MainTab = 'session' | 'requests' | 'jump' | 'recordings';

/**
 * The technician's cockpit: the online list, assist by selection / PIN / security code, queues,
 * invitations, and the session views. It decides nothing: every button sends a command and the
 * page redraws from what the server answers and pushes.
 */
export class Cockpit {
  readonly conn: Connection;
  readonly store: SessionStore;
  readonly requests: RequestStore;
  agents: OnlineAgent[] = [];
  private queues: QueuedSession[] = [];
  private invites: Invite[] = [];
  private selectedAgent: string | null = null;
  private activeId: string | null = null;
  private view: SessionView | null = null;
  private code: { code: string; expiresAt: number } | null = null;
  private clockOffset = 0;
  private codeTimer: number | undefined;

  private readonly connBadge = h('span', { class: 'conn connecting', role: 'status' }, h('span', { class: 'dot' }), h('span', null, CONN_TEXT.connecting));
  private readonly sessionsList = h('ul', { class: 'list', 'aria-label': 'My sessions' });
  private readonly sessionsSection = h('section', { class: 'side-section', 'aria-labelledby': 'h-sessions', hidden: true });
  private readonly invitesList = h('ul', { class: 'list', 'aria-label': 'Invitations' });
  private readonly invitesSection = h('section', { class: 'side-section', 'aria-labelledby': 'h-invites', hidden: true });
  private readonly filter = h('input', { id: 'online-filter', type: 'search', placeholder: 'Host, user or OS', autocomplete: 'off' });
  private readonly onlineList = h('ul', { class: 'list', id: 'online-list', 'aria-label': 'Online desktops' });
  private readonly onlineCount = h('span', { class: 'badge' }, '0');
  private readonly action = h('select', { id: 'assist-action', 'aria-label': 'Ask to' }, h('option', { value: 'view' }, 'View'), h('option', { value: 'control' }, 'Control'));
  private readonly assistBtn = h('button', { class: 'primary grow', type: 'button', disabled: true }, 'Assist');
  private readonly pin = h('input', { id: 'assist-pin', inputmode: 'numeric', pattern: '[0-9]{4,6}', maxlength: 6, placeholder: '4–6 digits', autocomplete: 'off' });
  private readonly codeArea = h('div', { class: 'stack' });
  private readonly queueList = h('ul', { class: 'list', 'aria-label': 'Waiting sessions' });
  private readonly main = h('main', { class: 'main', id: 'main' });
  private readonly mainBody = h('div', { class: 'main-body' });
  private readonly mainTabs = h('div', { class: 'main-tabs', role: 'tablist', 'aria-label': 'Work area' });
  private mainTab: MainTab = 'session';
  /** `?session=…&monitor=…`: a tab opened by "Open in new window" shows that session's monitor only. */
  private readonly solo = soloOf(location.search);
  private requestsBoard: RequestsBoard | null = null;
  private jumpBoard: JumpBoard | null = null;
  private teamSessions: TeamSessions | null = null;
  private readonly recordingsBoard: RecordingsBoard;

  constructor(private readonly root: HTMLElement, token: string, readonly user: User, private readonly logout: (reason?: string) => void) {
    this.conn = new Connection(token);
    this.store = new SessionStore(this.conn, () => this.user.username, true);
    this.requests = new RequestStore(this.conn, false);
    this.recordingsBoard = new RecordingsBoard(token, () => this.me);
  }

  get me(): string {
    return this.user.username;
  }

  start(): void {
    document.title = this.solo ? `Tandem · screen ${this.solo.monitor + 1}` : 'Tandem cockpit';
    document.body.classList.toggle('solo-window', Boolean(this.solo));
    const solo = this.solo;
    const handed = solo ? sessionStorage.getItem(`${OPEN_KEY}${solo.sessionId}`) : null;
    if (solo && handed) {
      sessionStorage.removeItem(`${OPEN_KEY}${solo.sessionId}`);
      let isFollowed = false;
      this.conn.onOpen(() => {
        if (isFollowed) return;
        isFollowed = true;
        void this.store.follow(solo.sessionId, handed);
      });
    }
    this.layout();
    this.wire();
    this.conn.connect();
    this.renderMain();
  }

  private layout(): void {
    const topbar = h('header', { class: 'topbar' },
      h('div', { class: 'brand' }, h('img', { src: '/assets/favicon.svg', alt: '' }), 'Tandem', h('small', null, 'cockpit')),
      this.connBadge,
      h('div', { class: 'spacer' }),
      h('span', { class: 'whoami' }, `${this.user.displayName} · ${this.user.role}`),
      h('button', { type: 'button', onclick: () => this.signOut() }, 'Sign out'));

    this.sessionsSection.append(h('header', null, h('h2', { id: 'h-sessions' }, 'My sessions')), this.sessionsList);
    this.invitesSection.append(h('header', null, h('h2', { id: 'h-invites' }, 'Invitations')), this.invitesList);

    this.filter.addEventListener('input', () => this.renderOnline());
    this.assistBtn.addEventListener('click', () => this.assistSelected());
    const online = h('section', { class: 'side-section', 'aria-labelledby': 'h-online' },
      h('header', null, h('h2', { id: 'h-online' }, 'Online'), this.onlineCount),
      h('label', { class: 'sr-only', for: 'online-filter' }, 'Filter online desktops'),
      this.filter,
      this.onlineList,
      h('div', { class: 'row' }, h('label', { class: 'sr-only', for: 'assist-action' }, 'Ask to'), this.action, this.assistBtn));

    const pinForm = h('form', { class: 'row' }, h('label', { class: 'sr-only', for: 'assist-pin' }, 'Assist PIN'), this.pin,
      h('button', { type: 'submit' }, 'Assist by PIN'));
    pinForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.assistByPin();
    });
    const pinSection = h('section', { class: 'side-section', 'aria-labelledby': 'h-pin' }, h('h2', { id: 'h-pin' }, 'Assist PIN'), pinForm);
    const codeSection = h('section', { class: 'side-section', 'aria-labelledby': 'h-code' }, h('h2', { id: 'h-code' }, 'Security code'), this.codeArea);
    const queueSection = h('section', { class: 'side-section', 'aria-labelledby': 'h-queues' }, h('h2', { id: 'h-queues' }, 'Queues'), this.queueList, chatLinks(this.user.teams));

    // Supervisors and admins see the running sessions of their teams and may watch them.
    this.teamSessions = this.user.role === 'supervisor' || this.user.role === 'admin' ? new TeamSessions(this) : null;
    const sidebar = h('nav', { class: 'sidebar', 'aria-label': 'Desktops, queues and sessions' },
      this.sessionsSection, this.invitesSection, this.teamSessions?.el, online, pinSection, codeSection, queueSection);
    this.requestsBoard = new RequestsBoard(this, this.requests);
    this.jumpBoard = new JumpBoard(this);
    this.jumpBoard.onChange(() => this.renderMainTabs());
    this.requests.onChange(() => this.renderMainTabs());
    replace(this.main, this.mainTabs, this.mainBody);
    replace(this.root, topbar, h('div', { class: 'cockpit' }, sidebar, this.main));
    this.renderCode();
    this.renderOnline();
    this.renderQueues();
  }

  private wire(): void {
    const c = this.conn;
    c.onStatus((s) => {
      this.connBadge.className = `conn ${s}`;
      this.connBadge.lastElementChild!.textContent = CONN_TEXT[s];
      if (s === 'closed') {
        if (c.finalReason === 'unauthorized' || c.finalReason === '4401') this.logout('Your sign-in expired. Please sign in again.');
        else if (c.finalReason === '4403') this.logout('An administrator removed your connection.');
      }
    });
    c.onOpen(() => {
      // The clock probe first, so that the lists' answers do not skew its round trip.
      // A skew within the round trip's uncertainty (plus a quarter second) is no skew: the countdown
      // would otherwise show 10:01 for a fresh code whenever the answer came back slower than the question.
      const t = Date.now();
      c.ask<{ serverTime: number }>('ping', { t }).then((r) => {
        const now = Date.now();
        const offset = r.serverTime - (t + now) / 2;
        this.clockOffset = Math.abs(offset) <= (now - t) / 2 + 250 ? 0 : offset;
      }, () => undefined);
      void this.refreshLists();
      void this.requests.reload();
      void this.jumpBoard?.refresh();
    });
    c.on('online.changed', (d: { agents: OnlineAgent[] }) => {
      this.agents = d.agents;
      this.renderOnline();
      this.view?.update();
      this.requestsBoard?.update();
      this.jumpBoard?.refreshSoon();
    });
    c.on('queue.changed', (d: { sessions: QueuedSession[] }) => { this.queues = d.sessions; this.renderQueues(); });
    c.on('invite.received', (d: Invite) => {
      this.invites = [...this.invites.filter((i) => i.inviteId !== d.inviteId), d];
      this.renderInvites();
      toast(`${d.from.name} invites you to a session${d.customer ? ` with ${d.customer}` : ''}`, 'info');
    });
    // Dead elsewhere: another member of the team took it, or it was cancelled or revoked.
    c.on('invite.closed', (d: { inviteId: string }) => { this.invites = this.invites.filter((i) => i.inviteId !== d.inviteId); this.renderInvites(); });
    c.on('error', (d: { code?: string; message?: string }) => toastError(d));
    c.on('pointer.remote', (d: { sessionId: string }) => { if (d.sessionId === this.activeId) this.view?.remotePointer(d as never); });
    c.on('clipboard', (d: { sessionId: string; mime?: string; text?: string; data?: string }) => {
      if (d.sessionId !== this.activeId) return;
      this.view?.remoteClipboard(d.mime === 'image/png' ? { mime: 'image/png', data: String(d.data) } : { mime: 'text/plain', text: String(d.text) });
    });
    c.on('media.quality', (d: MediaQuality) => { if (d.sessionId === this.activeId) this.view?.showQuality(d); });
    c.onBinary((bytes) => this.view?.renderer.feed(bytes));
    this.store.onChange((m, cause) => { this.onSession(m, cause); this.teamSessions?.render(); });
  }

  private async refreshLists(): Promise<void> {
    try {
      const [online, queues] = await Promise.all([
        this.conn.ask<{ agents: OnlineAgent[] }>('online.list'),
        this.conn.ask<{ sessions: QueuedSession[] }>('queue.list'),
      ]);
      this.agents = online.agents;
      this.queues = queues.sessions;
      this.view?.update();
      this.renderOnline();
      this.renderQueues();
      this.requestsBoard?.update();
      void this.teamSessions?.refresh();
    } catch (err) {
      toastError(err, 'Loading the lists');
    }
  }

  private onSession(m: SessionModel, cause: string): void {
    // Invitations die with their session.
    if (m.ended && this.invites.some((i) => i.sessionId === m.sessionId)) {
      this.invites = this.invites.filter((i) => i.sessionId !== m.sessionId);
      this.renderInvites();
    }
    const mine = this.isMine(m);
    if (mine && this.solo?.sessionId === m.sessionId && this.activeId !== m.sessionId) this.activate(m.sessionId);
    else if (mine && !this.activeId && !this.solo) this.activate(m.sessionId);
    else if (m.sessionId === this.activeId && !this.view) this.activate(m.sessionId);
    else if (m.sessionId === this.activeId) this.view?.update();
    if (cause === 'ended' && m.sessionId !== this.activeId && mine) toast(`A session ended: ${END_REASON[m.ended?.reason ?? ''] ?? m.ended?.reason}`);
    this.renderSessions();
    this.renderMainTabs();
    if (this.mainTab === 'requests') this.requestsBoard?.update();
  }

  private isMine(m: SessionModel): boolean {
    const you = m.state?.you;
    return Boolean(you && ['owner', 'participant', 'observer', 'external'].includes(you)) || Boolean(m.out) || (Boolean(m.ended) && m.events.length > 0);
  }

  /** True while I am in this session (a member who has not left, been removed or seen it end). */
  isIn(sessionId: string): boolean {
    const m = this.store.get(sessionId);
    return !!m && !m.ended && !m.out;
  }

  activate(sessionId: string | null): void {
    this.activeId = sessionId;
    if (sessionId) this.mainTab = 'session';
    this.view?.destroy();
    this.view = null;
    const m = sessionId ? this.store.get(sessionId) : undefined;
    if (m) this.view = new SessionView(this, m, this.solo?.sessionId === sessionId ? this.solo.monitor : 0);
    this.renderMain();
    this.renderSessions();
  }

  /** Closes the view of an ended session (or one we are out of) and forgets it. */
  dismiss(sessionId: string): void {
    this.store.forget(sessionId);
    const next = [...this.store.sessions.values()].find((m) => this.isMine(m) && !m.ended && !m.out);
    this.activate(next?.sessionId ?? null);
  }

  /** Shows the Requests board or the Jump list in the main area (the session stays open behind its tab). */
  showTab(tab: MainTab): void {
    if (tab === 'recordings' && this.mainTab !== 'recordings') void this.recordingsBoard.refresh();
    if (tab !== 'recordings') this.recordingsBoard.closePlayer();
    this.mainTab = tab;
    this.renderMain();
    this.mainTabs.querySelector<HTMLElement>(`[data-tab="${tab}"]`)?.focus();
  }

  private renderMainTabs(): void {
    const active = this.activeId ? this.store.get(this.activeId) : undefined;
    const sessionName = active ? active.state?.customer?.name ?? active.nameOf(active.state?.details?.agentId ?? null) : null;
    const waiting = [...this.requests.requests.values()].filter((r) => r.status === 'open' || r.status === 'waiting').length;
    const tabs: Array<[MainTab, string, HTMLElement | null]> = [
      ['session', 'Session', sessionName ? h('span', { class: 'tab-sub' }, sessionName) : null],
      ['requests', 'Requests', h('span', { class: `count${waiting ? '' : ' zero'}`, 'aria-label': `${waiting} open` }, String(waiting))],
      ['jump', 'Jump clients', h('span', { class: 'count zero', 'aria-label': `${this.jumpBoard?.clients.length ?? 0} jump clients` }, String(this.jumpBoard?.clients.length ?? 0))],
      ['recordings', 'Recordings', null],
    ];
    const order = tabs.map((t) => t[0]);
    replace(this.mainTabs, tabs.map(([tab, label, extra]) => {
      const b = h('button', {
        type: 'button', role: 'tab', 'data-tab': tab, 'data-key': `main-${tab}`, 'aria-selected': String(tab === this.mainTab), tabindex: tab === this.mainTab ? 0 : -1,
        'aria-controls': 'main-panel', onclick: () => this.showTab(tab),
      }, label, extra);
      b.addEventListener('keydown', (ev: KeyboardEvent) => {
        if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
        this.showTab(order[(order.indexOf(tab) + (ev.key === 'ArrowRight' ? 1 : order.length - 1)) % order.length]);
      });
      return b;
    }));
  }

  private renderMain(): void {
    this.renderMainTabs();
    this.mainBody.id = 'main-panel';
    this.mainBody.setAttribute('role', 'tabpanel');
    if (this.mainTab === 'requests' && this.requestsBoard) {
      if (this.mainBody.firstChild !== this.requestsBoard.el) replace(this.mainBody, this.requestsBoard.el);
      this.requestsBoard.update();
      return;
    }
    if (this.mainTab === 'jump' && this.jumpBoard) {
      if (this.mainBody.firstChild !== this.jumpBoard.el) replace(this.mainBody, this.jumpBoard.el);
      this.jumpBoard.render();
      return;
    }
    if (this.mainTab === 'recordings') {
      if (this.mainBody.firstChild !== this.recordingsBoard.el) replace(this.mainBody, this.recordingsBoard.el);
      this.recordingsBoard.render();
      return;
    }
    if (this.view) {
      if (this.mainBody.firstChild !== this.view.el) replace(this.mainBody, this.view.el);
      this.view.update();
      return;
    }
    replace(this.mainBody, h('div', { class: 'placeholder' }, h('div', null,
      h('h3', null, 'No session open'),
      h('p', null, 'Pick a desktop in the Online list and choose Assist, enter an Assist PIN, or give the customer a security code.'),
      h('p', null, 'Users’ remote assistance requests wait under Requests; unattended desktops under Jump clients.'))));
  }

  private renderSessions(): void {
    const mine = [...this.store.sessions.values()].filter((m) => this.isMine(m));
    this.sessionsSection.hidden = mine.length === 0;
    replace(this.sessionsList, mine.map((m) => {
      const s = m.state;
      const status = m.ended ? h('span', { class: 'badge danger' }, 'Ended') : m.out ? h('span', { class: 'badge warn' }, 'Out') :
        s?.status === 'active' ? h('span', { class: 'badge ok' }, sessionModeLabel(s)) : h('span', { class: 'badge' }, s?.status ?? '…');
      return h('li', null, h('button', {
        class: 'session-tab', type: 'button', 'data-key': `s-${m.sessionId}`, 'aria-current': m.sessionId === this.activeId ? 'true' : 'false',
        onclick: () => this.activate(m.sessionId),
      }, h('span', { class: 'grow' }, s?.customer?.name ?? m.nameOf(s?.details?.agentId ?? null) ?? 'Session'), status));
    }));
  }

  private renderInvites(): void {
    this.invitesSection.hidden = this.invites.length === 0;
    replace(this.invitesList, this.invites.map((i) => h('li', { class: 'invite-card' },
      h('div', null, h('strong', null, i.from.name), ' invites you', i.target.kind === 'team' ? ` (team ${i.target.teamId})` : '',
        i.customer ? h('div', { class: 'small muted' }, `Customer: ${i.customer}`) : null),
      h('div', { class: 'row' },
        h('button', { class: 'primary small', type: 'button', 'data-key': `acc-${i.inviteId}`, onclick: () => this.answerInvite(i, true) }, 'Accept'),
        h('button', { class: 'small', type: 'button', 'data-key': `dec-${i.inviteId}`, onclick: () => this.answerInvite(i, false) }, 'Decline')))));
  }

  private async answerInvite(i: Invite, accept: boolean): Promise<void> {
    // A session we were taken out of starts afresh when we come back in.
    if (accept && this.store.get(i.sessionId)?.out) {
      if (this.activeId === i.sessionId) this.activate(null);
      this.store.forget(i.sessionId);
    }
    try {
      await this.conn.ask('invite.respond', { sessionId: i.sessionId, inviteId: i.inviteId, accept });
      this.invites = this.invites.filter((x) => x.inviteId !== i.inviteId);
      this.renderInvites();
      if (accept) this.activate(i.sessionId);
    } catch (err) {
      toastError(err, accept ? 'Accepting the invitation' : 'Declining the invitation');
      if ((err as { code?: string }).code === 'UNKNOWN_INVITE') {
        this.invites = this.invites.filter((x) => x.inviteId !== i.inviteId);
        this.renderInvites();
      }
    }
  }

  private renderOnline(): void {
    const q = this.filter.value.trim().toLowerCase();
    const shown = this.agents
      .filter((a) => a.status !== 'offline')
      .filter((a) => !q || `${a.hostname} ${a.osUser} ${a.os}`.toLowerCase().includes(q))
      .sort((a, b) => a.hostname.localeCompare(b.hostname));
    this.onlineCount.textContent = String(this.agents.filter((a) => a.status !== 'offline').length);
    if (this.selectedAgent && !this.agents.some((a) => a.agentId === this.selectedAgent && a.status === 'online')) this.selectedAgent = null;
    replace(this.onlineList, shown.length === 0
      ? h('li', { class: 'empty' }, q ? 'No desktop matches the filter.' : 'No desktop is online.')
      : shown.map((a) => h('li', null, h('button', {
        class: 'agent-row', type: 'button', 'data-key': `a-${a.agentId}`, 'data-agent': a.hostname,
        'aria-selected': a.agentId === this.selectedAgent ? 'true' : 'false', 'aria-pressed': a.agentId === this.selectedAgent ? 'true' : 'false',
        onclick: () => { this.selectedAgent = a.agentId; this.renderOnline(); },
        ondblclick: () => { this.selectedAgent = a.agentId; this.assistSelected(); },
      },
      h('span', { class: `dot ${a.status}`, title: a.status === 'grace' ? 'Reconnecting' : 'Online' }),
      h('span', { class: 'grow' },
        h('div', { class: 'host' }, a.hostname),
        h('div', { class: 'meta' }, `${a.osUser} · ${a.os}${a.displays.length > 1 ? ` · ${a.displays.length} screens` : ''} · since ${age(a.since)}`)),
      a.status === 'grace' ? h('span', { class: 'badge warn' }, 'away') : null))));
    this.assistBtn.disabled = !this.selectedAgent;
    const sel = this.agents.find((a) => a.agentId === this.selectedAgent);
    this.assistBtn.textContent = sel ? `Assist ${sel.hostname}` : 'Assist';
  }

  private async assistSelected(): Promise<void> {
    if (!this.selectedAgent) return;
    try {
      const ack = await this.conn.ask<{ sessionId: string }>('assist.request', { agentId: this.selectedAgent, action: this.action.value });
      this.activate(ack.sessionId);
    } catch (err) {
      toastError(err, 'Assist');
    }
  }

  private async assistByPin(): Promise<void> {
    const pin = this.pin.value.trim();
    if (!/^\d{4,6}$/.test(pin)) {
      toast('An Assist PIN has 4 to 6 digits.', 'error');
      this.pin.focus();
      return;
    }
    try {
      const ack = await this.conn.ask<{ sessionId: string }>('assist.request', { pin, action: this.action.value });
      this.pin.value = '';
      this.activate(ack.sessionId);
    } catch (err) {
      toastError(err, 'Assist by PIN');
    }
  }

  private renderCode(): void {
    window.clearInterval(this.codeTimer);
    const now = Date.now() + this.clockOffset;
    if (!this.code || this.code.expiresAt <= now) {
      const expired = Boolean(this.code);
      this.code = null;
      replace(this.codeArea,
        h('p', { class: 'hint' }, expired ? 'The last code expired unused.' : 'The customer types the code into the Tandem agent. A code works once, for 10 minutes.'),
        h('button', { type: 'button', 'data-key': 'code-create', onclick: () => this.createCode() }, 'Get a security code'));
      return;
    }
    const left = h('span', { class: 'small muted', 'aria-live': 'off' });
    const tick = (): void => {
      const ms = (this.code?.expiresAt ?? 0) - (Date.now() + this.clockOffset);
      if (ms <= 0) {
        this.renderCode();
        return;
      }
      const s = Math.ceil(ms / 1000);
      left.textContent = `Expires in ${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
    };
    replace(this.codeArea, h('div', { class: 'code-box' },
      h('div', null, h('div', { class: 'code', 'aria-label': `Security code ${this.code.code.split('').join(' ')}` }, this.code.code), left),
      h('button', { class: 'small', type: 'button', 'data-key': 'code-copy', onclick: () => void navigator.clipboard?.writeText(this.code?.code ?? '').then(() => toast('Code copied'), () => undefined) }, 'Copy')));
    tick();
    this.codeTimer = window.setInterval(tick, 1000);
  }

  private async createCode(): Promise<void> {
    try {
      this.code = await this.conn.ask<{ code: string; expiresAt: number }>('code.create');
      this.renderCode();
    } catch (err) {
      toastError(err, 'Security code');
    }
  }

  /** The waiting sessions, by queue: my personal queue first, then other personal queues I may see, then team queues. */
  private renderQueues(): void {
    const groups = new Map<string, { title: string; rank: number; sessions: QueuedSession[] }>();
    for (const s of this.queues) {
      const q = s.queue;
      const key = q?.kind === 'team' ? `t-${q.teamId}` : q?.kind === 'personal' ? `p-${q.userId}` : 'other';
      const title = q?.kind === 'team' ? `Team ${q.teamId}` : q?.kind === 'personal' ? (q.userId === this.me ? 'My personal queue' : `${q.userId}’s personal queue`) : 'Other';
      const rank = q?.kind === 'personal' ? (q.userId === this.me ? 0 : 1) : 2;
      const g = groups.get(key) ?? { title, rank, sessions: [] };
      g.sessions.push(s);
      groups.set(key, g);
    }
    const sorted = [...groups.entries()].sort(([ka, a], [kb, b]) => a.rank - b.rank || ka.localeCompare(kb));
    replace(this.queueList, this.queues.length === 0
      ? h('li', { class: 'empty' }, 'No session is waiting.')
      : sorted.map(([key, g]) => h('li', { class: 'queue-group', 'data-queue': key },
        h('div', { class: 'queue-title' }, h('span', { class: 'grow' }, g.title), h('span', { class: 'badge' }, String(g.sessions.length))),
        h('ul', { class: 'list', 'aria-label': g.title }, g.sessions.sort((a, b) => a.since - b.since).map((s) => {
          const customer = typeof s.customer === 'string' ? s.customer : s.customer?.name ?? 'Customer';
          const held = s.ownerId === this.me;
          return h('li', { class: 'queue-card', 'data-session': s.sessionId },
            h('div', { class: 'row' }, h('strong', { class: 'grow' }, customer), h('span', { class: `badge${held ? ' warn' : ''}` }, held ? 'on hold' : s.status)),
            h('div', { class: 'small muted' }, `${s.agentId ? this.agents.find((a) => a.agentId === s.agentId)?.hostname ?? 'desktop' : 'chat only'} · waiting ${age(s.updatedAt ?? s.since)}`),
            h('button', { class: 'small', type: 'button', 'data-key': `take-${s.sessionId}`, 'aria-label': `Take ${customer}`, onclick: () => this.take(s.sessionId) }, held ? 'Take back' : 'Take'));
        })))));
  }

  private async take(sessionId: string): Promise<void> {
    try {
      await this.conn.ask('queue.take', { sessionId });
      this.activate(sessionId);
    } catch (err) {
      toastError(err, 'Take');
    }
  }

  private signOut(): void {
    this.conn.close();
    window.clearInterval(this.codeTimer);
    this.view?.destroy();
    this.logout();
  }
}

/** The session and monitor a window opened for one monitor shows (`?session=…&monitor=…`), or null. */
function soloOf(search: string): { sessionId: string; monitor: number } | null {
  const q = new URLSearchParams(search);
  const sessionId = q.get('session');
  const monitor = Number(q.get('monitor') ?? 0);
  return sessionId && Number.isInteger(monitor) && monitor >= 0 && monitor < 64 ? { sessionId, monitor } : null;
}
