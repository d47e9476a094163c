/** The click-to-chat page tells the customer panel (same tab: same sessionStorage) which team the chat went to. */
const CHAT_KEY = 'tandem.customer.chat';

/** A chat started from `/chat?queue=TEAM`: the team's id (for "Start a new chat") and its name (for the waiting text). */
export interface ChatLink { queue: string; name: string }

export function rememberChatLink(link: ChatLink): void {
  sessionStorage.setItem(CHAT_KEY, JSON.stringify(link));
}

/** The chat this tab started, or null when the panel was opened otherwise (from the desktop agent). */
export function chatLinkOfTab(): ChatLink | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(CHAT_KEY) ?? 'null') as Partial<ChatLink> | null;
    return v && typeof v.queue === 'string' && typeof v.name === 'string' ? { queue: v.queue, name: v.name } : null;
  } catch {
    return null;
  }
}

/** The page to start another chat with the same team. */
export function chatUrl(queue: string): string {
  return `/chat?queue=${encodeURIComponent(queue)}`;
}
