import '../shared/styles.css';
import { chatLinkOfTab, chatUrl } from '../shared/chat-link';
import { Connection, type ConnectionStatus } from '../shared/connection';
import { clock, h, initials, replace } from '../shared/dom';
import { END_REASON, MODE_LABEL, type Mode, type PendingRequest, type SessionEvent, type SessionState } from '../shared/protocol';
import { RequestStore } from '../shared/requests';
import { SessionStore, type SessionModel } from '../shared/sessions';
import { toast, toastError } from '../shared/toast';
import { chatStatusCard } from './chat-status';
import { CustomerFiles } from './file-list';
import { JoinScreenCard } from './join-screen';
import { MyRequests } from './requests';
import { panelSignIn } from './sign-in';

const TOKEN_KEY = 'tandem.customer.token';
const CONN_TEXT: Record<ConnectionStatus, string> = { connecting: 'Connecting…', open: 'Connected', reconnecting: 'Reconnecting…', closed: 'Disconnected' };
/** Why the session ended, in the customer's words. */
const ENDED_FOR_YOU: Record<string, string> = {
  customer: 'You closed it', owner: 'The technician ended it', declined: 'You declined the request', admin: 'An administrator ended it',
  'customer-lost': 'This computer lost its connection', cancelled: 'The technician withdrew the request',
};
const MODE_DESC: Record<Mode, string> = {
  hold: 'Nothing of your screen is shared.',
  observe: 'They see your screen; they cannot click or type.',
  interact: 'They may use your mouse and keyboard.',
};

/** The token comes in the link's #fragment (never sent to a server); it is kept for reloads of this tab only. */
function takeToken(): string | null {
  const m = /access_token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/**
 * The customer panel: the consent prompt, the mode switch, requests to allow or deny, who is watching,
 * chat and files, and Close. It acts as this desktop's customer over /ws/console; the server decides.
 */
class CustomerPanel {
  private readonly conn: Connection;
  private readonly store: SessionStore;
  private readonly requests: RequestStore;
  private readonly myRequests: MyRequests;
  private readonly joinScreen: JoinScreenCard;
  private readonly files: CustomerFiles;
  private current: SessionModel | null = null;
  private readonly connBadge = h('span', { class: 'conn connecting', role: 'status' }, h('span', { class: 'dot' }), h('span', null, CONN_TEXT.connecting));
  private readonly body = h('div', { class: 'cust-inner single' });
  private readonly chatInput = h('input', { id: 'chat-input', autocomplete: 'off', maxlength: 4000, placeholder: 'Write a message' });
  private readonly messages = h('ul', { class: 'messages', 'aria-label': 'Messages', 'aria-live': 'polite' });
  private chatShown = 0;
  private shownFor: string | null = null;
  /** Set when this tab started a click-to-chat session from a team's link (/chat?queue=…). */
  private readonly chatLink = chatLinkOfTab();

  constructor(private readonly root: HTMLElement, token: string) {
    this.conn = new Connection(token);
    this.store = new SessionStore(this.conn, () => this.current?.state?.customer?.id ?? null);
    this.requests = new RequestStore(this.conn);
    // Signing in swaps the panel's token for one naming the user; the page starts again with it.
    this.myRequests = new MyRequests(this.conn, this.requests, panelSignIn(token, (signed) => {
      sessionStorage.setItem(TOKEN_KEY, signed);
      location.reload();
    }));
    this.joinScreen = new JoinScreenCard(this.conn);
    this.files = new CustomerFiles(this.conn);
    // A launched request shows in the consent prompt; redraw when its status changes.
    this.requests.onChange(() => { if (this.current?.state?.status === 'pending') this.render(); });
  }

  start(): void {
    document.title = 'Remote assistance · Tandem';
    replace(this.root,
      h('header', { class: 'topbar' },
        h('div', { class: 'brand' }, h('img', { src: '/assets/favicon.svg', alt: '' }), 'Tandem', h('small', null, 'remote assistance')),
        this.connBadge, h('div', { class: 'spacer' })),
      h('main', { class: 'cust' }, this.body));
    this.conn.onStatus((s) => {
      this.connBadge.className = `conn ${s}`;
      this.connBadge.lastElementChild!.textContent = CONN_TEXT[s];
      if (s === 'closed' && this.conn.finalReason !== 'closed') {
        this.fatal(this.chatLink ? 'This chat is over or its link expired. You can start a new chat.' : 'This link no longer works. Ask for a new one from the Tandem agent on this computer.');
      }
    });
    this.conn.on('error', (d) => toastError(d));
    this.store.onChange((m) => {
      if (!this.current || this.current.ended || this.current.out || this.current === m) this.current = m;
      this.render();
    });
    this.conn.connect();
    this.render();
  }

  private fatal(text: string): void {
    this.body.className = 'cust-inner single';
    replace(this.body, h('section', { class: 'card hero' }, h('h3', null, 'Not connected'), h('p', { class: 'muted' }, text), this.newChatLink()));
  }

  private async send(event: string, data: object, what: string): Promise<boolean> {
    if (!this.current) return false;
    try {
      await this.conn.ask(event, { sessionId: this.current.sessionId, ...data });
      return true;
    } catch (err) {
      toastError(err, what);
      return false;
    }
  }

  private render(): void {
    const m = this.current;
    const s = m?.state;
    if (m?.sessionId !== this.shownFor) {
      this.shownFor = m?.sessionId ?? null;
      this.chatShown = 0;
      this.messages.replaceChildren();
    }
    if (!m || !s) return this.renderIdle();
    if (m.ended || s.status === 'ended') return this.renderEnded(m);
    if (m.out) return this.renderOut(m);
    if (s.status === 'pending') return this.renderConsent(m, s);
    this.renderActive(m, s);
  }

  /** "Start a new chat" with the same team, for a tab that started a chat from a link. */
  private newChatLink(): HTMLElement | null {
    return this.chatLink ? h('a', { class: 'btn primary', href: chatUrl(this.chatLink.queue), 'data-testid': 'new-chat' }, 'Start a new chat') : null;
  }

  private renderIdle(): void {
    this.body.className = 'cust-inner single';
    if (this.chatLink) {
      replace(this.body, h('section', { class: 'card hero', role: 'status', 'aria-labelledby': 'idle-title' },
        h('div', { class: 'spinner', 'aria-hidden': 'true' }), h('h3', { id: 'idle-title' }, `Opening your chat with ${this.chatLink.name}…`)));
      return;
    }
    replace(this.body, h('section', { class: 'card hero', 'aria-labelledby': 'idle-title' },
      h('div', { class: 'spinner', 'aria-hidden': 'true' }),
      h('h3', { id: 'idle-title' }, 'No one is connected to this computer'),
      h('p', { class: 'muted' }, 'When a technician asks to help, you decide here whether to allow it and what they may do.')),
    this.myRequests.el);
  }

  private renderEnded(m: SessionModel): void {
    this.body.className = 'cust-inner single';
    const reason = m.ended?.reason ?? m.state?.ended?.reason ?? 'customer';
    if (this.chatLink && m.state?.chatOnly !== false) {
      replace(this.body, h('section', { class: 'card hero', role: 'status', 'aria-labelledby': 'ended-title' },
        h('h3', { id: 'ended-title' }, 'The chat has ended'),
        h('p', { class: 'muted' }, `${ENDED_FOR_YOU[reason] ?? END_REASON[reason] ?? reason}. Thank you for contacting ${this.chatLink.name}.`),
        this.newChatLink()));
      return;
    }
    replace(this.body, h('section', { class: 'card hero', 'aria-labelledby': 'ended-title' },
      h('h3', { id: 'ended-title' }, 'The session has ended'),
      h('p', { class: 'muted' }, `${ENDED_FOR_YOU[reason] ?? END_REASON[reason] ?? reason}. Nothing of your screen is shared any more.`),
      this.newChatLink(),
      m.ended?.lockDesktop ? h('p', null, 'Your desktop was locked because administrator rights were active.') : null,
      h('p', { class: 'small muted' }, 'You can close this window.')),
    this.chatLink ? null : this.myRequests.el);
  }

  private renderOut(m: SessionModel): void {
    this.body.className = 'cust-inner single';
    const disconnected = m.events.some((e) => e.type === 'CustomerDisconnected');
    replace(this.body, h('section', { class: 'card hero', role: 'status', 'aria-labelledby': 'out-title', 'data-testid': 'customer-out' },
      h('h3', { id: 'out-title' }, disconnected ? 'You were disconnected' : 'You left the session'),
      h('p', { class: 'muted' }, m.out ?? '', disconnected && !m.state?.chatOnly ? ' Nothing of your screen is shared any more.' : ''),
      this.newChatLink()), this.chatLink ? null : this.myRequests.el);
  }

  private renderConsent(m: SessionModel, s: SessionState): void {
    const asked = [...m.events].reverse().find((e) => e.type === 'AssistRequested' || e.type === 'JumpStarted');
    const owner = s.members.find((x) => x.role === 'owner');
    const name = asked?.owner?.name ?? asked?.actor?.name ?? owner?.name ?? 'A technician';
    const wants = asked?.action === 'control' ? 'control your computer' : 'view your screen';
    const request = this.requests.forSession(m.sessionId);
    this.body.className = 'cust-inner single';
    const allow = h('button', { class: 'primary', type: 'button', onclick: () => void this.send('assist.respond', { allow: true }, 'Allow') }, 'Allow');
    replace(this.body, h('section', { class: 'card hero consent', role: 'alertdialog', 'aria-labelledby': 'consent-title', 'aria-describedby': 'consent-desc' },
      h('p', { class: 'muted', id: 'consent-title' }, 'A technician asks to help you'),
      h('div', { class: 'who', 'data-testid': 'technician' }, name),
      h('p', { id: 'consent-desc' }, 'wants to ', h('strong', null, wants), asked?.via === 'pin' ? ' (found with your Assist PIN)' : asked?.via === 'code' ? ' (with the code you entered)' : '', '.'),
      request ? h('p', { class: 'req-text', 'data-testid': 'consent-request' }, 'About your request: ', h('strong', null, request.description)) : null,
      h('p', { class: 'small muted' }, 'Nothing is shared until you allow it. The session starts on hold; you then choose Observe or Interact, and you can stop at any time.'),
      h('div', { class: 'actions' }, allow,
        h('button', { class: 'danger', type: 'button', onclick: () => void this.send('assist.respond', { allow: false }, 'Decline') }, 'Decline'))));
    allow.focus();
  }

  private renderActive(m: SessionModel, s: SessionState): void {
    this.body.className = 'cust-inner';
    const modeButtons = (['hold', 'observe', 'interact'] as Mode[]).map((mode) => h('button', {
      type: 'button', 'aria-pressed': String(s.mode === mode), 'data-key': `mode-${mode}`, disabled: s.chatOnly && mode !== 'hold',
      onclick: () => { if (s.mode !== mode) void this.send('mode.set', { mode }, 'Mode'); },
    }, h('span', null, MODE_LABEL[mode]), h('span', { class: 'desc' }, MODE_DESC[mode])));
    const requests = s.requests.map((r) => this.requestCard(m, r));
    const watching = s.members.map((x) => h('li', { class: 'member' },
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(x.name)),
      h('span', { class: 'grow' }, h('div', null, x.name), h('div', { class: 'small muted' }, x.role === 'owner' ? 'Technician (in charge)' : x.role === 'observer' ? 'Supervisor, watching' : x.role === 'external' ? 'Guest technician' : 'Technician')),
      s.controllerId === x.id && s.mode === 'interact' ? h('span', { class: 'badge warn' }, 'Has control') : s.mode !== 'hold' ? h('span', { class: 'badge primary' }, 'Sees screen') : h('span', { class: 'badge' }, 'Screen hidden')));

    const chatForm = h('form', null, h('label', { class: 'sr-only', for: 'chat-input' }, 'Chat message'), this.chatInput, h('button', { class: 'primary', type: 'submit' }, 'Send'));
    chatForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const text = this.chatInput.value.trim();
      if (!text) return;
      void this.send('chat.send', { text }, 'Chat').then((ok) => { if (ok) this.chatInput.value = ''; });
    });
    this.renderChat(m);

    // While blocked: a banner saying so and how to take the keyboard and mouse back.
    const blocked = s.inputBlock ? h('section', { class: 'card blocked-banner', role: 'alert', 'data-testid': 'input-blocked' },
      h('div', { class: 'row' },
        h('div', { class: 'grow' },
          h('h3', null, 'Your keyboard and mouse are blocked'),
          h('p', null, `${m.nameOf(s.inputBlock.by)} is working and asked that nothing disturbs it. To take them back at once, press `, h('kbd', null, 'Esc'), ' three times, or click Unblock.')),
        h('button', { class: 'primary', type: 'button', 'data-key': 'unblock', onclick: () => void this.send('input-block.release', {}, 'Unblock') }, 'Unblock'))) : null;

    // While recorded: a notice that stays as long as the recording runs, with who started it and why.
    const started = s.recording ? [...m.events].reverse().find((e) => e.type === 'RecordingStarted') : undefined;
    const recorded = s.recording ? h('section', { class: 'card recording-banner', role: 'status', 'data-testid': 'recording-notice' },
      h('div', { class: 'row' }, h('span', { class: 'rec-dot', 'aria-hidden': 'true' }),
        h('div', { class: 'grow' },
          h('h3', null, 'This session is being recorded'),
          h('p', { class: 'small' }, started?.by === 'policy' ? 'Your organisation records sessions like this one' : `${started?.actor?.name ?? 'A technician'} started the recording`,
            started?.reason ? ` (${String(started.reason)})` : '', '. The recording holds what is shared of your screen and the session\'s events; choose On hold to share nothing.')))) : null;

    // While a technician has a command shell open on this computer: who, and how to end it.
    const shells = openShells(m.events);
    const shell = shells.length ? h('section', { class: 'card blocked-banner', role: 'status', 'data-testid': 'shell-notice' },
      h('h3', null, shells.length === 1 ? 'A command shell is open on this computer' : `${shells.length} command shells are open on this computer`),
      h('p', { class: 'small' }, `${[...new Set(shells.map((e) => e.actor.name))].join(', ')} runs commands with administrator rights; their output is kept in the session's audit. Ending the administrator rights closes every shell.`)) : null;

    replace(this.body,
      h('div', { class: 'stack' },
        recorded,
        blocked,
        shell,
        s.chatOnly ? chatStatusCard(m, s, this.chatLink, () => void this.send('session.end', {}, 'End chat')) : h('section', { class: 'card', 'aria-labelledby': 'share-title' },
          h('div', { class: 'row' }, h('h3', { id: 'share-title', class: 'grow' }, 'What the technician may do'),
            s.elevated ? h('span', { class: 'badge warn' }, 'Administrator rights active') : null),
          h('div', { class: 'modes', role: 'group', 'aria-label': 'Sharing mode' }, modeButtons),
          h('div', { class: 'row' },
            h('p', { class: 'grow small muted', role: 'status' }, `Current mode: ${MODE_LABEL[s.mode]}. ${MODE_DESC[s.mode]}`),
            s.elevated ? h('button', { type: 'button', 'data-key': 'elev-end', onclick: () => void this.send('elevation.end', {}, 'End admin rights') }, 'End admin rights') : null,
            h('button', { class: 'danger solid', type: 'button', 'data-key': 'close', onclick: () => void this.send('session.end', {}, 'Close') }, 'Close session'))),
        s.awaitingAgent ? this.joinScreen.show(m.sessionId) : null,
        requests.length ? h('section', { class: 'card', 'aria-labelledby': 'req-title' }, h('h3', { id: 'req-title' }, 'Requests'), requests) : null,
        s.chatOnly && s.status === 'queued' ? null : h('section', { class: 'card', 'aria-labelledby': 'who-title' },
          h('h3', { id: 'who-title' }, 'Who is connected'),
          h('ul', { class: 'list' }, watching.length ? watching : h('li', { class: 'empty' }, 'No one.'))),
        this.files.has(m) ? this.files.show(m) : null),
      h('section', { class: 'card chat cust-chat', 'aria-labelledby': 'chat-title' },
        h('h3', { id: 'chat-title' }, 'Chat'), this.messages, chatForm));
  }

  private requestCard(m: SessionModel, r: PendingRequest): HTMLElement {
    const who = m.nameOf(r.by);
    const text = r.kind === 'mode' ? `${who} asks to switch to ${MODE_LABEL[r.mode]}: ${MODE_DESC[r.mode].toLowerCase()}`
      : r.kind === 'control' ? `${who} asks to control your mouse and keyboard.`
        : r.kind === 'input-block' ? `${who} asks to block your own keyboard and mouse while they work, so nothing disturbs it. You can take them back at any time: press Esc three times, or click Unblock here.`
          : r.scope === 'full-client' ? `${who} asks to see your screen. If you allow it, you run the Tandem agent on this computer with a one-time code.`
            : `${who} asks for administrator rights on this computer.`;
    const event = r.kind === 'mode' ? 'mode.respond' : r.kind === 'control' ? 'control.respond' : r.kind === 'input-block' ? 'input-block.respond' : 'elevation.respond';
    return h('div', { class: 'request', role: 'group', 'aria-label': `Request from ${who}` },
      h('p', null, text),
      h('div', { class: 'row' },
        h('button', { class: 'primary small', type: 'button', 'data-key': `ra-${r.requestId}`, onclick: () => void this.send(event, { requestId: r.requestId, allow: true }, 'Allow') }, 'Allow'),
        h('button', { class: 'small', type: 'button', 'data-key': `rd-${r.requestId}`, onclick: () => void this.send(event, { requestId: r.requestId, allow: false }, 'Deny') }, 'Deny')));
  }

  private renderChat(m: SessionModel): void {
    const me = m.state?.customer?.id;
    const chats = m.events.filter((e) => e.type === 'ChatSent');
    for (const e of chats.slice(this.chatShown)) {
      const mine = e.actor.id === me;
      this.messages.append(h('li', { class: `msg${mine ? ' mine' : ''}` },
        h('div', { class: 'who' }, `${mine ? 'You' : e.actor.name} · ${clock(e.at)}`), h('div', { class: 'body' }, String(e.text))));
      if (!mine && chats.length > this.chatShown && document.hidden) toast(`${e.actor.name}: ${String(e.text)}`);
    }
    if (chats.length > this.chatShown) this.messages.scrollTop = this.messages.scrollHeight;
    this.chatShown = chats.length;
    if (this.chatShown === 0 && !this.messages.firstChild) this.messages.append(h('li', { class: 'empty' }, 'Messages from the technician appear here.'));
    else if (this.chatShown > 0) this.messages.querySelector('.empty')?.remove();
  }
}

/** The ShellOpened events whose shell has not closed yet (elevation's or the session's end closes them all). */
function openShells(events: readonly SessionEvent[]): SessionEvent[] {
  let open: SessionEvent[] = [];
  for (const e of events) {
    if (e.type === 'ShellOpened') open.push(e);
    else if (e.type === 'ShellClosed') open = open.filter((o) => o.shellId !== e.shellId);
    else if (e.type === 'ElevationEnded' || e.type === 'SessionEnded' || e.type === 'CustomerDisconnected') open = [];
  }
  return open;
}

const root = document.getElementById('app');
if (root) {
  const token = takeToken();
  if (token) new CustomerPanel(root, token).start();
  else replace(root, h('main', { class: 'cust' }, h('div', { class: 'cust-inner single' }, h('section', { class: 'card hero' },
    h('h3', null, 'This link is incomplete'), h('p', { class: 'muted' }, 'Open the customer panel from the Tandem agent on this computer.')))));
}
