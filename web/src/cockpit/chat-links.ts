import { chatUrl } from '../shared/chat-link';
import { h } from '../shared/dom';
import { toast } from '../shared/toast';

/** Copies `text`; without clipboard access (an insecure origin) selects it so Ctrl+C copies it. */
async function copy(text: string, field: HTMLInputElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    toast('Chat link copied.', 'success');
  } catch {
    field.select();
    toast('Press Ctrl+C to copy the selected link.');
  }
}

/**
 * Under Queues: the click-to-chat link of each of my teams (`/chat?queue=TEAM` on this node), to publish on a
 * support page or send to a customer; a chat started from it waits in that team's queue above.
 */
export function chatLinks(teams: readonly string[]): HTMLElement | null {
  if (teams.length === 0) return null;
  return h('details', { class: 'chat-links', 'data-testid': 'chat-links' },
    h('summary', null, teams.length === 1 ? 'Chat link' : 'Chat links'),
    h('p', { class: 'hint' }, 'Customers open it in a browser to chat with your team; the chat waits in the team queue.'),
    teams.map((team) => {
      const url = `${location.origin}${chatUrl(team)}`;
      const field = h('input', { id: `chat-link-${team}`, class: 'mono small', readonly: true, value: url, 'aria-label': `Chat link of team ${team}`, onfocus: (e: FocusEvent) => (e.target as HTMLInputElement).select() });
      return h('div', { class: 'field' }, h('label', { for: field.id, class: 'small' }, `Team ${team}`),
        h('div', { class: 'row' }, field, h('button', { class: 'small', type: 'button', 'aria-label': `Copy the chat link of team ${team}`, onclick: () => void copy(url, field) }, 'Copy')));
    }));
}
