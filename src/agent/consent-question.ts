import type { AssistAsk, CustomerPrompt } from './customer-prompt';

/** What the consent question needs from the agent: the prompt, and the customer's answer sent in order with their other choices. */
export interface ConsentQuestionPorts {
  prompt: CustomerPrompt;
  /** Queued when asked, sent once the answer resolves; an answer resolving to undefined sends nothing. */
  answer(event: string, data: Promise<unknown>): void;
}

interface Open { ask: AssistAsk; withdrawn: AbortController }

/** Why a session that ended before the customer answered no longer asks, by its end reason (`SessionEnded.reason`). */
const ENDED_WHY: Record<string, string> = {
  owner: 'the request was cancelled',
  admin: 'an administrator ended the session',
  declined: 'it was refused in the web panel',
  customer: 'you ended the session',
  'customer-lost': 'the session was ended',
};

/**
 * The customer's consent to a technician's assist request (`assist.requested`: "Alice Tech asks to view your
 * screen"), withdrawn when the request is over without this prompt's answer: the technician cancelled it (the
 * pending session's `SessionEnded`, reason owner), an administrator ended it, it was answered in the customer
 * panel (`AssistAccepted`/`AssistDeclined` this prompt did not send), or the session ended while the desktop was
 * offline. The customer reads why; a late y/n sends nothing.
 */
export class ConsentQuestion {
  private open?: Open;

  constructor(private readonly ports: ConsentQuestionPorts) {}

  /** Puts the request to the customer; its answer is sent as `assist.respond` (nothing if withdrawn meanwhile). */
  ask(ask: AssistAsk): void {
    const q: Open = { ask, withdrawn: new AbortController() };
    this.open = q;
    const answer = this.ports.prompt.askAssist({ ...ask, withdrawn: q.withdrawn.signal }).then((allow) => {
      if (this.open !== q) return undefined;
      this.open = undefined;
      return { sessionId: ask.sessionId, allow };
    });
    this.ports.answer('assist.respond', answer);
  }

  /** A session event: the consent given or refused elsewhere (the customer's answer here comes back once it was sent). */
  onSessionEvent(e: { type: string }): void {
    if (e.type !== 'AssistAccepted' && e.type !== 'AssistDeclined') return;
    const allowed = e.type === 'AssistAccepted';
    this.withdraw((name, what) => `${name}'s request to ${what} was ${allowed ? 'allowed' : 'refused'} in the web panel`);
  }

  /** The session ended (`reason`: its SessionEnded reason, or the agent's own words) before the customer answered. */
  ended(reason?: string): void {
    const why = (reason && ENDED_WHY[reason]) ?? reason ?? 'the session was ended';
    this.withdraw((name) => `${name} no longer asks to help: ${why}`);
  }

  private withdraw(line: (name: string, what: string) => string): void {
    const q = this.open;
    if (!q) return;
    this.open = undefined;
    this.ports.prompt.notice(line(q.ask.technician.name, q.ask.action === 'control' ? 'take control of your screen' : 'view your screen'));
    q.withdrawn.abort();
  }
}
