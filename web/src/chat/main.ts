import '../shared/styles.css';
import '../shared/notice.css';
import { rememberChatLink } from '../shared/chat-link';
import { h, initials, replace } from '../shared/dom';
import './chat.css';

/** The customer panel's key: it reads its token from this tab's sessionStorage (the token never enters a URL). */
const TOKEN_KEY = 'tandem.customer.token';

interface Queue { team: string; name: string }
interface Started { sessionId: string; token: string; path: string }

/** The page's refusals, in the customer's words: [title, what to do]. */
const REFUSED: Record<string, [string, string]> = {
  NO_QUEUE: ['This chat link is incomplete', 'The link names no support team. Open the whole link from the page or message where you found it.'],
  UNKNOWN_TEAM: ['This chat link does not lead to a support team', 'The team in the link does not exist (any more). Ask your support organisation for the current chat link.'],
  UNREACHABLE: ['The support server cannot be reached', 'Check your connection and try again in a moment.'],
};

/** Why starting failed, as one sentence for the form. */
function startErrorText(status: number, body: { code?: string; message?: string }): string {
  if (status === 429 || body.code === 'RATE_LIMITED') return 'Too many chats were started from your network in the last minute. Wait a minute, then try again.';
  if (body.code === 'UNKNOWN_TEAM') return 'This support team no longer exists. Ask your support organisation for the current chat link.';
  if (status === 400) return `Please check your entries: ${body.message ?? 'something is missing'}.`;
  return `The chat could not be started (${body.code ?? `HTTP ${status}`}). Try again in a moment.`;
}

/**
 * The click-to-chat page (`/chat?queue=TEAM`), the link a support organisation publishes: it says which team
 * answers, asks the customer's name and what they need, starts a chat-only session in that team's queue
 * (`POST /api/chat/start`) and hands over to the customer panel, where the customer waits for a technician.
 * No account and no agent: the panel's token comes back from the server and goes into the link's fragment.
 */
class ChatPage {
  private readonly body = h('div', { class: 'cust-inner single' });
  private readonly queueId = new URLSearchParams(location.search).get('queue')?.trim().toLowerCase() ?? '';

  constructor(private readonly root: HTMLElement) {}

  start(): void {
    replace(this.root,
      h('header', { class: 'topbar' },
        h('div', { class: 'brand' }, h('img', { src: '/assets/favicon.svg', alt: '' }), 'Tandem', h('small', null, 'chat with support'))),
      h('main', { class: 'cust' }, this.body));
    if (!this.queueId) return this.refused('NO_QUEUE');
    void this.load();
  }

  private async load(): Promise<void> {
    replace(this.body, h('section', { class: 'card hero', role: 'status', 'aria-labelledby': 'hero-title' },
      h('div', { class: 'spinner', 'aria-hidden': 'true' }), h('h3', { id: 'hero-title' }, 'Opening the chat…')));
    try {
      const res = await fetch(`/api/chat/queues/${encodeURIComponent(this.queueId)}`);
      if (res.status === 404) return this.refused('UNKNOWN_TEAM');
      if (!res.ok) return this.refused('UNREACHABLE', `HTTP_${res.status}`);
      this.form((await res.json()) as Queue);
    } catch {
      this.refused('UNREACHABLE');
    }
  }

  private refused(code: keyof typeof REFUSED, shown: string = code): void {
    const [title, text] = REFUSED[code];
    document.title = 'Chat unavailable · Tandem';
    replace(this.body, h('section', { class: 'card hero', role: 'alert', 'aria-labelledby': 'hero-title' },
      h('div', { class: 'hero-icon danger', 'aria-hidden': 'true' }, '!'),
      h('h3', { id: 'hero-title' }, title),
      h('p', { class: 'muted' }, text),
      code === 'UNREACHABLE' ? h('button', { class: 'primary', type: 'button', onclick: () => void this.load() }, 'Try again') : null,
      h('p', { class: 'error-code' }, 'Error code ', h('span', { class: 'badge danger', 'data-testid': 'error-code' }, shown))));
  }

  private form(q: Queue): void {
    document.title = `Chat with ${q.name} · Tandem`;
    const name = h('input', { id: 'chat-name', name: 'name', autocomplete: 'name', required: true, maxlength: 80, 'aria-describedby': 'chat-name-hint' });
    const topic = h('textarea', { id: 'chat-topic', name: 'topic', rows: 3, maxlength: 500, 'aria-describedby': 'chat-topic-hint' });
    const submit = h('button', { class: 'primary', type: 'submit' }, 'Start chat');
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = h('form', { class: 'card chat-start', 'aria-labelledby': 'chat-title', novalidate: true },
      h('div', { class: 'chat-team' },
        h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(q.name)),
        h('div', null, h('p', { class: 'small muted' }, 'You are about to chat with'), h('h3', { id: 'chat-title', 'data-testid': 'team-name' }, q.name))),
      h('p', null, 'A technician of this team answers you here, in your browser. You need no account and install nothing: nothing of your computer is shared unless you allow it later.'),
      h('div', { class: 'field' }, h('label', { for: name.id }, 'Your name'), name,
        h('span', { id: 'chat-name-hint', class: 'small muted' }, 'So the technician knows whom they are talking to.')),
      h('div', { class: 'field' }, h('label', { for: topic.id }, 'What do you need help with? (optional)'), topic,
        h('span', { id: 'chat-topic-hint', class: 'small muted' }, 'The technician reads it when they take your chat. Never write passwords here.')),
      error,
      h('div', { class: 'row' }, h('span', { class: 'grow' }), submit));
    // A message about an earlier try goes as soon as the customer changes what they typed.
    form.addEventListener('input', () => { error.hidden = true; name.removeAttribute('aria-invalid'); });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const who = name.value.trim();
      if (!who) {
        error.textContent = 'Please enter your name.';
        error.hidden = false;
        name.setAttribute('aria-invalid', 'true');
        name.focus();
        return;
      }
      name.removeAttribute('aria-invalid');
      void this.startChat(q, who, topic.value.trim(), submit, error);
    });
    replace(this.body, form);
    name.focus();
  }

  private async startChat(q: Queue, name: string, topic: string, submit: HTMLButtonElement, error: HTMLElement): Promise<void> {
    submit.disabled = true;
    submit.textContent = 'Starting…';
    error.hidden = true;
    try {
      const res = await fetch('/api/chat/start', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, team: q.team, ...(topic ? { topic } : {}) }),
      });
      const body = (await res.json().catch(() => ({}))) as Partial<Started> & { code?: string; message?: string };
      if (res.status !== 201 || !body.token) {
        error.textContent = startErrorText(res.status, body);
        error.hidden = false;
        return;
      }
      // The panel takes over in this tab; it words the chat with the team's name and offers a new chat when it ends.
      rememberChatLink({ queue: q.team, name: q.name });
      sessionStorage.setItem(TOKEN_KEY, body.token);
      location.replace('/customer');
    } catch {
      error.textContent = 'The support server cannot be reached. Check your connection and try again.';
      error.hidden = false;
    } finally {
      submit.disabled = false;
      submit.textContent = 'Start chat';
    }
  }
}

const root = document.getElementById('app');
if (root) new ChatPage(root).start();
