import type { ChatLink } from '../shared/chat-link';
import { h, initials } from '../shared/dom';
import type { SessionState } from '../shared/protocol';
import type { SessionModel } from '../shared/sessions';
import './chat-status.css';

/** Why a chat waits (the customer is not shown queue routing; the session's own events say enough): the last of these wins. */
const QUEUEING = ['SessionOpened', 'SessionHeld', 'SessionTransferred', 'SessionTaken'];

function waitingText(m: SessionModel, link: ChatLink | null): [string, string] {
  const why = [...m.events].reverse().find((e) => QUEUEING.includes(e.type));
  if (why?.type === 'SessionHeld') {
    return [`${why.actor.name} will be back shortly`, 'Your technician put the chat on hold for a moment. Your messages still reach them.'];
  }
  if (why?.type === 'SessionTransferred') {
    return ['Passing you on to a colleague', `${why.actor.name} passed your chat on. The next free technician answers you here and sees what was written so far. Keep this page open.`];
  }
  return ['Waiting for a technician', `You are in the queue${link ? ` of ${link.name}` : ''}. The first free technician answers you here; you can already describe your problem in the chat. Keep this page open.`];
}

/**
 * The top card of a chat-only session (click-to-chat) in the customer panel, in place of the mode cards a
 * chat cannot use: waiting in the team's queue, on hold with the technician, or chatting with them; and End chat.
 */
export function chatStatusCard(m: SessionModel, s: SessionState, link: ChatLink | null, end: () => void): HTMLElement {
  const owner = s.members.find((x) => x.role === 'owner');
  const waiting = s.status === 'queued';
  const [title, text] = waiting ? waitingText(m, link)
    : [`Chatting with ${owner?.name ?? 'a technician'}`, 'This is a chat only: nothing of your computer is shared. If the technician needs to see your screen, they ask you here first.'];
  return h('section', { class: `card chat-status${waiting ? ' waiting' : ''}`, role: 'status', 'aria-labelledby': 'chat-status-title', 'data-testid': waiting ? 'chat-waiting' : 'chat-active' },
    h('div', { class: 'row' },
      waiting ? h('div', { class: 'spinner', 'aria-hidden': 'true' }) : h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(owner?.name ?? 'T')),
      h('div', { class: 'grow' }, h('h3', { id: 'chat-status-title' }, title), h('p', { class: 'small muted' }, text))),
    h('div', { class: 'row' },
      h('span', { class: 'grow small muted' }, link ? `Chat with ${link.name}` : 'Chat only'),
      h('button', { class: 'danger', type: 'button', 'data-key': 'close', onclick: end }, 'End chat')));
}
