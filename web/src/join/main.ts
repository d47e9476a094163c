import '../shared/styles.css';
import '../shared/notice.css';
import './join.css';
import { Connection, type ConnectionStatus } from '../shared/connection';
import { clock, h, initials, replace } from '../shared/dom';
import { describeEvent, eventKind } from '../shared/event-text';
import { END_REASON, MODE_LABEL, type SessionState } from '../shared/protocol';
import { ScreenRenderer } from '../shared/screen-renderer';
import { SessionStore, type SessionModel } from '../shared/sessions';
import { toastError } from '../shared/toast';

const CONN_TEXT: Record<ConnectionStatus, string> = { connecting: 'Connecting…', open: 'Connected', reconnecting: 'Reconnecting…', closed: 'Disconnected' };
const ROLE_TEXT: Record<string, string> = { owner: 'Technician in charge', participant: 'Technician', observer: 'Supervisor, watching', external: 'Guest' };
/** Why a link did not let this person in, in their words (codes from docs/protocol.md). */
const REFUSED: Record<string, [string, string]> = {
  LINK_USED: ['This invitation link was already used', 'Each invitation link works once, and for 24 hours. Ask the technician who invited you for a new one.'],
  UNKNOWN_INVITE: ['This invitation was withdrawn', 'The technician cancelled the invitation, or it lapsed when the session changed hands. Ask for a new one if you still need to join.'],
  SESSION_ENDED: ['The session has already ended', 'There is nothing left to join. Ask the technician for a new invitation if they still need you.'],
  UNKNOWN_SESSION: ['The session no longer exists', 'Ask the technician for a new invitation.'],
  TOKEN_EXPIRED: ['This invitation link has expired', 'Invitation links work for 24 hours. Ask the technician who invited you for a new one.'],
  TOKEN_INVALID: ['This invitation link is not valid', 'The link may be cut off or mistyped. Open it again from the message you received, or ask for a new one.'],
  TOKEN_REVOKED: ['This invitation link was revoked', 'An administrator revoked it. Ask the technician for a new one.'],
  NOT_MEMBER: ['You are no longer in this session', 'You left the session or the technician removed you. Invitation links work only once: ask the technician for a new one if they need you back.'],
  RESUME_INVALID: ['This page cannot rejoin the session', 'Its way back into the session has expired. Ask the technician who invited you for a new link.'],
};

type Tab = 'activity' | 'chat' | 'people';

interface LinkClaims { sub: string; name: string; exp: number }

/**
 * What this tab keeps (sessionStorage: this tab only, gone when it closes; never in the address bar) so a
 * reload or a reconnect resumes the session the link joined: the used link's token, which the server then
 * lets in for `session.resume` only, and the resume token bound to this person and this session. The
 * server refuses the resume once the person was removed, left or the session ended.
 */
interface Rejoin { token: string; sessionId: string; resumeToken: string; fromSeq: number }
const REJOIN_KEY = 'tandem.join.rejoin';

function loadRejoin(): Rejoin | null {
  try {
    const r = JSON.parse(sessionStorage.getItem(REJOIN_KEY) ?? 'null') as Partial<Rejoin> | null;
    return r && typeof r.token === 'string' && typeof r.sessionId === 'string' && typeof r.resumeToken === 'string'
      ? { token: r.token, sessionId: r.sessionId, resumeToken: r.resumeToken, fromSeq: Number(r.fromSeq) || 0 } : null;
  } catch {
    return null;
  }
}

function saveRejoin(r: Rejoin | null): void {
  try {
    if (r) sessionStorage.setItem(REJOIN_KEY, JSON.stringify(r));
    else sessionStorage.removeItem(REJOIN_KEY);
  } catch {
    // Storage is off (private mode, policy): a reload then cannot resume, as before.
  }
}

/** Reads the token from `#access_token=…` and removes it from the address bar (and so from history). */
function takeToken(): string | null {
  const m = /access_token=([^&]+)/.exec(location.hash);
  if (!m) return null;
  history.replaceState(null, '', location.pathname);
  return decodeURIComponent(m[1]);
}

/** The token's claims, read without checking (the server does); only for the name and the expiry. */
function claimsOf(token: string): LinkClaims | null {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const c = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (ch) => ch.charCodeAt(0)))) as Partial<LinkClaims>;
    return typeof c.sub === 'string' ? { sub: c.sub, name: typeof c.name === 'string' ? c.name : '', exp: Number(c.exp ?? 0) } : null;
  } catch {
    return null;
  }
}

/**
 * The external representative's page: the one-time link's token opens /ws/console, the server takes the
 * link and joins this person to the session with the `external` role (`external.joined`), then the
 * session's stream follows. Shows who is in it, the mode, the timeline, chat and the screen when shared.
 */
class JoinPage {
  private readonly conn: Connection;
  private readonly store: SessionStore;
  private readonly renderer: ScreenRenderer;
  private sessionId: string | null = null;
  private refused: { code: string; message: string } | null = null;
  private lost = false;
  private leaving = false;
  private tab: Tab = 'activity';
  private eventsShown = 0;
  private chatShown = 0;
  private unread = 0;
  private readonly connBadge = h('span', { class: 'conn connecting', role: 'status' }, h('span', { class: 'dot' }), h('span', null, CONN_TEXT.connecting));
  private readonly body = h('div', { class: 'join-body' });
  private readonly canvas = h('canvas', { width: 1280, height: 720, 'aria-label': 'Shared screen', class: 'hidden' });
  private readonly stageMsg = h('div', { class: 'stage-msg', role: 'status' });
  private readonly stage = h('div', { class: 'stage' }, this.canvas, this.stageMsg);
  private readonly head = h('div', { class: 'session-head' });
  private readonly banner = h('div', { class: 'banner', role: 'status', hidden: true });
  private readonly timeline = h('ol', { class: 'timeline', 'aria-label': 'Session timeline' });
  private readonly messages = h('ul', { class: 'messages', 'aria-label': 'Messages', 'aria-live': 'polite' });
  private readonly people = h('div', { class: 'stack' });
  private readonly chatInput = h('input', { id: 'chat-input', autocomplete: 'off', maxlength: 4000, placeholder: 'Write a message' });
  private readonly chatSend = h('button', { class: 'primary', type: 'submit' }, 'Send');
  private readonly tabButtons = new Map<Tab, HTMLButtonElement>();
  private readonly tabPanels = new Map<Tab, HTMLElement>();
  private sessionEl: HTMLElement | null = null;
  /** A reload of a tab that had joined: it resumes instead of using the link. */
  private readonly isRejoin: boolean;

  constructor(private readonly root: HTMLElement, private readonly token: string, private readonly claims: LinkClaims | null, private rejoin: Rejoin | null) {
    this.isRejoin = rejoin !== null;
    this.conn = new Connection(token);
    this.store = new SessionStore(this.conn, () => this.claims?.sub ?? null);
    this.renderer = new ScreenRenderer(this.canvas);
    this.renderer.onDraw = () => { if (this.renderer.framesDrawn === 1) this.updateStage(); };
  }

  start(): void {
    document.title = 'Joining a session · Tandem';
    replace(this.root,
      h('header', { class: 'topbar' },
        h('div', { class: 'brand' }, h('img', { src: '/assets/favicon.svg', alt: '' }), 'Tandem', h('small', null, 'guest session')),
        this.connBadge, h('div', { class: 'spacer' }),
        this.claims?.name ? h('span', { class: 'whoami' }, `${this.claims.name} · guest`) : null),
      this.body);
    this.conn.onStatus((s) => {
      const over = s === 'closed' && Boolean(this.model?.ended || this.model?.out);
      this.connBadge.className = `conn ${over ? 'over' : s}`;
      this.connBadge.lastElementChild!.textContent = over ? 'Session closed' : CONN_TEXT[s];
      if (s === 'closed') this.onClosed();
    });
    // The link was used before: only the tab that used it may resume (it holds the resume token).
    this.conn.on('external.rejoin', () => {
      if (this.sessionId || this.refused) return;
      if (this.rejoin) {
        void this.resumeSaved(this.rejoin);
        return;
      }
      this.refused = { code: 'LINK_USED', message: 'this invitation link was already used' };
      this.conn.close();
      this.render();
    });
    this.conn.on('external.joined', (d: { sessionId: string }) => {
      this.sessionId = d.sessionId;
      this.renderer.show(d.sessionId, 0);
      this.keep();
      this.render();
    });
    this.conn.on('session.resumable', (d: { sessionId: string }) => { if (d.sessionId === this.sessionId) this.keep(); });
    this.conn.on('error', (d: { code?: string; message?: string }) => {
      const code = String(d.code ?? 'ERROR');
      if (!this.sessionId && !this.refused) {
        this.refused = { code, message: String(d.message ?? '') };
        this.render();
      } else if (this.sessionId && code === 'LINK_USED') {
        // A reconnect after a drop that could not resume (removed meanwhile, or the resume window passed).
        this.lost = true;
        this.render();
      } else toastError(d);
    });
    this.conn.onBinary((bytes) => this.renderer.feed(bytes));
    this.store.onChange((m) => {
      if (m.sessionId !== this.sessionId) return;
      if (m.out || m.ended) saveRejoin(null);
      else this.keep();
      // Nothing more will come: hang up (after Leave, once its answer is in).
      if ((m.out || m.ended) && !this.leaving) this.conn.close();
      this.render();
    });
    this.conn.connect();
    this.render();
  }

  /** Keeps what a reload needs to resume (see Rejoin), from the first event this person saw. */
  private keep(): void {
    const m = this.model;
    if (!this.sessionId || !m?.resumeToken || m.out || m.ended) return;
    const first = m.events[0]?.seq;
    const fromSeq = first !== undefined ? first - 1 : this.rejoin?.sessionId === this.sessionId ? this.rejoin.fromSeq : 0;
    this.rejoin = { token: this.token, sessionId: this.sessionId, resumeToken: m.resumeToken, fromSeq };
    saveRejoin(this.rejoin);
  }

  /** After a reload: back into the session with the kept resume token, from the first event seen before. */
  private async resumeSaved(r: Rejoin): Promise<void> {
    this.sessionId = r.sessionId;
    this.renderer.show(r.sessionId, 0);
    this.render();
    try {
      await this.conn.ask('session.resume', { token: r.resumeToken, lastSeq: r.fromSeq });
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'ERROR';
      if (code === 'DISCONNECTED' || code === 'TIMEOUT') {
        this.sessionId = null; // The connection retries; its `external.rejoin` asks again.
        return;
      }
      saveRejoin(null);
      this.rejoin = null;
      this.sessionId = null;
      this.refused = { code, message: (err as Error).message };
      this.conn.close();
    }
    this.render();
  }

  private get model(): SessionModel | undefined {
    return this.sessionId ? this.store.get(this.sessionId) : undefined;
  }

  private onClosed(): void {
    const reason = this.conn.finalReason;
    if (reason === 'closed') return;
    if (!this.sessionId && !this.refused) {
      const expired = this.claims !== null && this.claims.exp > 0 && this.claims.exp * 1000 < Date.now();
      this.refused = reason === 'unauthorized' ? { code: expired ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID', message: 'the server refused this link' }
        : { code: reason === '4403' ? 'KICKED' : `CLOSED_${reason ?? ''}`, message: 'the server closed the connection' };
    } else if (this.sessionId && !this.model?.ended && !this.model?.out) this.lost = true;
    this.render();
  }

  private async send(event: string, data: object, what: string): Promise<boolean> {
    if (!this.sessionId) return false;
    try {
      await this.conn.ask(event, { sessionId: this.sessionId, ...data });
      return true;
    } catch (err) {
      toastError(err, what);
      return false;
    }
  }

  private async leave(): Promise<void> {
    this.leaving = true;
    this.render();
    const ok = await this.send('session.leave', {}, 'Leave');
    this.leaving = false;
    if (ok) this.conn.close();
    this.render();
  }

  // ---- whole-page states ----

  private hero(title: string, text: string, extra: Array<HTMLElement | null> = [], icon: 'danger' | 'ok' | 'info' = 'info'): void {
    this.sessionEl = null;
    replace(this.body, h('main', { class: 'cust' }, h('div', { class: 'cust-inner single' }, h('section', { class: 'card hero', role: icon === 'danger' ? 'alert' : 'status', 'aria-labelledby': 'hero-title' },
      h('div', { class: `hero-icon ${icon}`, 'aria-hidden': 'true' }, icon === 'danger' ? '!' : icon === 'ok' ? '✓' : 'i'),
      h('h3', { id: 'hero-title' }, title), h('p', { class: 'muted' }, text), ...extra))));
  }

  private render(): void {
    if (this.refused) {
      const [title, text] = REFUSED[this.refused.code] ?? ['This invitation link cannot be used', 'Ask the technician who invited you for a new link.'];
      return this.hero(title, text, [h('p', { class: 'error-code' }, 'Error code ', h('span', { class: 'badge danger', 'data-testid': 'error-code' }, this.refused.code))], 'danger');
    }
    const m = this.model;
    if (!this.sessionId || !m?.state) {
      this.sessionEl = null;
      replace(this.body, h('main', { class: 'cust' }, h('div', { class: 'cust-inner single' }, h('section', { class: 'card hero', 'aria-labelledby': 'hero-title' },
        h('div', { class: 'spinner', 'aria-hidden': 'true' }),
        h('h3', { id: 'hero-title' }, this.isRejoin ? 'Rejoining the session…' : 'Joining the session…'),
        h('p', { class: 'muted' }, this.isRejoin ? 'This page reconnects to the session it joined.'
          : `${this.claims?.name ? `Welcome, ${this.claims.name}. ` : ''}You were invited to help in a remote support session. Your link is being checked; it works only once.`)))));
      return;
    }
    if (m.out) {
      const left = m.out === 'You left this session.';
      return this.hero(left ? 'You left the session' : 'You are out of the session', `${left ? 'Thank you for helping.' : m.out} This invitation link cannot be used again; ask the technician for a new one if they need you back.`, [], left ? 'ok' : 'danger');
    }
    this.renderSession(m, m.state);
  }

  // ---- the session ----

  private buildSession(): HTMLElement {
    const chatForm = h('form', null, h('label', { class: 'sr-only', for: 'chat-input' }, 'Chat message'), this.chatInput, this.chatSend);
    chatForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const text = this.chatInput.value.trim();
      if (!text) return;
      void this.send('chat.send', { text }, 'Chat').then((ok) => { if (ok) this.chatInput.value = ''; });
    });
    const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Session panels' });
    for (const [id, label] of [['activity', 'Activity'], ['chat', 'Chat'], ['people', 'People']] as Array<[Tab, string]>) {
      const b = h('button', { type: 'button', role: 'tab', id: `tab-${id}`, 'aria-controls': `panel-${id}`, 'aria-selected': String(this.tab === id), onclick: () => this.showTab(id) }, label);
      this.tabButtons.set(id, b);
      tabs.append(b);
    }
    const panel = (id: Tab, content: HTMLElement): HTMLElement => {
      const p = h('div', { class: 'tab-panel', role: 'tabpanel', id: `panel-${id}`, 'aria-labelledby': `tab-${id}`, hidden: this.tab !== id }, content);
      this.tabPanels.set(id, p);
      return p;
    };
    return h('section', { class: 'session join-session', 'aria-label': 'Session' }, this.head, this.banner,
      h('div', { class: 'stage-wrap' }, this.stage),
      h('aside', { class: 'side-panel', 'aria-label': 'Session details' }, tabs,
        panel('activity', h('div', { class: 'stack' }, h('p', { class: 'hint' }, 'What happens in the session from the moment you joined.'), this.timeline)),
        panel('chat', h('div', { class: 'chat' }, this.messages, chatForm)),
        panel('people', this.people)));
  }

  private showTab(tab: Tab): void {
    this.tab = tab;
    for (const [id, b] of this.tabButtons) b.setAttribute('aria-selected', String(id === tab));
    for (const [id, p] of this.tabPanels) p.hidden = id !== tab;
    if (tab === 'chat') {
      this.unread = 0;
      this.renderChatBadge();
      this.chatInput.focus();
    }
  }

  private renderSession(m: SessionModel, s: SessionState): void {
    if (!this.sessionEl) {
      this.sessionEl = this.buildSession();
      replace(this.body, this.sessionEl);
    }
    const ended = Boolean(m.ended) || s.status === 'ended';
    const live = !ended && !this.lost;
    const owner = s.members.find((x) => x.role === 'owner');
    const status = ended ? h('span', { class: 'badge danger' }, 'Ended') : this.lost ? h('span', { class: 'badge warn' }, 'Disconnected')
      : s.status === 'active' ? h('span', { class: 'badge ok' }, 'Active') : s.status === 'queued' ? h('span', { class: 'badge warn' }, 'On hold') : h('span', { class: 'badge primary' }, s.status);
    replace(this.head,
      h('div', { class: 'title' },
        h('h3', null, s.customer?.name ? `Helping ${s.customer.name}` : 'Remote support session'),
        h('span', { class: 'small muted' }, owner ? `Invited by ${owner.name}` : `Session ${m.sessionId}`)),
      h('div', { class: 'badges' }, status,
        live ? h('span', { class: 'badge primary', 'data-testid': 'mode' }, `Mode: ${MODE_LABEL[s.mode]}`) : null,
        h('span', { class: 'badge' }, 'You: Guest'),
        s.elevated ? h('span', { class: 'badge warn' }, 'Elevated') : null),
      h('div', { class: 'actions' }, live ? h('button', {
        class: 'danger', type: 'button', 'data-key': 'leave', disabled: this.leaving,
        onclick: () => void this.leave(),
      }, 'Leave session') : null));
    const endReason = m.ended?.reason ?? s.ended?.reason;
    this.banner.hidden = !ended && !this.lost;
    this.banner.className = `banner ${ended ? 'ended' : 'out'}`;
    if (ended) this.banner.textContent = `This session has ended: ${endReason ? END_REASON[endReason] ?? endReason : 'it was closed'}. You can close this window.`;
    else if (this.lost) this.banner.textContent = 'The connection was lost and could not be resumed. Invitation links work only once: ask the technician for a new link.';
    this.renderTimeline(m);
    this.renderChat(m, live && s.status === 'active');
    this.renderPeople(m, s);
    this.updateStage();
  }

  private updateStage(): void {
    const m = this.model;
    const s = m?.state;
    let msg: [string, string] | null = null;
    const live = s && !m?.ended && s.status !== 'ended' && !this.lost;
    if (!s) msg = ['Joining…', ''];
    else if (!live) msg = ['The screen is no longer shared', m?.ended || s.status === 'ended' ? 'The session has ended.' : 'This page is disconnected.'];
    else if (s.status === 'queued') msg = ['Session on hold', 'The session waits in a queue; a technician will take it back.'];
    else if (s.chatOnly) msg = ['Chat only', 'This session has no screen.'];
    else if (s.screenPaused) msg = ['Screen paused', 'The desktop shows a protected screen that cannot be captured.'];
    else if (!s.screenVisible) msg = s.mode === 'hold' ? ['On hold', 'The customer has not shared the screen yet.'] : ['Screen not shared', 'You do not receive this screen.'];
    else if (this.renderer.framesDrawn === 0) msg = ['Waiting for the screen…', `Mode: ${MODE_LABEL[s.mode]}. The picture appears as soon as the desktop sends it.`];
    if (!live || !s?.screenVisible) {
      if (this.renderer.framesDrawn > 0) this.renderer.clear();
      this.canvas.classList.add('hidden');
    } else if (this.renderer.framesDrawn > 0) this.canvas.classList.remove('hidden');
    this.stageMsg.hidden = !msg;
    if (msg) replace(this.stageMsg, h('div', null, h('strong', null, msg[0]), h('span', null, msg[1])));
  }

  private renderTimeline(m: SessionModel): void {
    const evs = m.events;
    for (const e of evs.slice(this.eventsShown)) {
      this.timeline.append(h('li', { class: `k-${eventKind(e.type)}`, 'data-type': e.type, 'data-seq': e.seq },
        h('time', { datetime: new Date(e.at).toISOString() }, clock(e.at)),
        h('span', { class: 'text' }, describeEvent(e, (id) => m.nameOf(id)))));
    }
    if (evs.length > this.eventsShown) {
      const p = this.tabPanels.get('activity');
      if (p) p.scrollTop = p.scrollHeight;
    }
    this.eventsShown = evs.length;
  }

  private renderChat(m: SessionModel, can: boolean): void {
    const me = this.claims?.sub;
    const chats = m.events.filter((e) => e.type === 'ChatSent');
    for (const e of chats.slice(this.chatShown)) {
      const mine = e.actor.id === me;
      this.messages.append(h('li', { class: `msg${mine ? ' mine' : ''}` },
        h('div', { class: 'who' }, `${mine ? 'You' : e.actor.name} · ${clock(e.at)}`), h('div', { class: 'body' }, String(e.text))));
      if (!mine && this.tab !== 'chat') this.unread++;
    }
    if (chats.length > this.chatShown) this.messages.scrollTop = this.messages.scrollHeight;
    this.chatShown = chats.length;
    if (this.chatShown === 0 && !this.messages.firstChild) this.messages.append(h('li', { class: 'empty' }, 'No messages yet. Messages you send here are seen by everyone in the session.'));
    else if (this.chatShown > 0) this.messages.querySelector('.empty')?.remove();
    this.chatInput.disabled = !can;
    this.chatSend.disabled = !can;
    this.renderChatBadge();
  }

  private renderChatBadge(): void {
    const b = this.tabButtons.get('chat');
    if (!b) return;
    replace(b, 'Chat', this.unread > 0 ? h('span', { class: 'count', 'aria-label': `${this.unread} unread` }, String(this.unread)) : null);
  }

  private renderPeople(m: SessionModel, s: SessionState): void {
    const me = this.claims?.sub;
    replace(this.people,
      h('h2', null, 'In this session'),
      h('ul', { class: 'list' },
        s.members.map((x) => h('li', { class: 'member', 'data-member': x.id },
          h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(x.name)),
          h('span', { class: 'grow' }, h('div', null, x.name, x.id === me ? h('span', { class: 'muted' }, ' (you)') : null), h('div', { class: 'small muted' }, ROLE_TEXT[x.role] ?? x.role)),
          s.controllerId === x.id && s.mode === 'interact' ? h('span', { class: 'badge warn' }, 'Has control') : null)),
        s.customer ? h('li', { class: 'member' },
          h('span', { class: 'avatar customer', 'aria-hidden': 'true' }, initials(s.customer.name)),
          h('span', { class: 'grow' }, h('div', null, s.customer.name), h('div', { class: 'small muted' }, 'Customer')),
          h('span', { class: `badge ${s.customer.online ? 'ok' : ''}` }, s.customer.online ? 'Online' : 'Offline')) : null),
      h('fieldset', null, h('legend', null, 'What you can do as a guest'),
        h('p', { class: 'hint' }, 'You see the screen while the customer shares it, follow the timeline and chat with everyone in the session. You cannot control the computer, invite others or get administrator rights.'),
        h('p', { class: 'hint' }, `Current mode: ${MODE_LABEL[s.mode]}. ${m.events.length} event${m.events.length === 1 ? '' : 's'} since you joined.`)));
  }
}

const root = document.getElementById('app');
if (root) {
  // A reload has no token in the address bar any more: the tab's kept one resumes the session it joined.
  const kept = loadRejoin();
  const token = takeToken() ?? kept?.token ?? null;
  if (token) new JoinPage(root, token, claimsOf(token), kept?.token === token ? kept : null).start();
  else replace(root,
    h('header', { class: 'topbar' }, h('div', { class: 'brand' }, h('img', { src: '/assets/favicon.svg', alt: '' }), 'Tandem', h('small', null, 'guest session'))),
    h('main', { class: 'cust' }, h('div', { class: 'cust-inner single' }, h('section', { class: 'card hero', role: 'alert' },
      h('div', { class: 'hero-icon danger', 'aria-hidden': 'true' }, '!'),
      h('h3', null, 'This invitation link is incomplete'),
      h('p', { class: 'muted' }, 'Open the whole link from the message you received. A link works only once: if you already used it and left the session, ask the technician for a new one.'),
      h('p', { class: 'error-code' }, 'Error code ', h('span', { class: 'badge danger', 'data-testid': 'error-code' }, 'NO_TOKEN'))))));
}
