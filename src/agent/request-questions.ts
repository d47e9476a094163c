import { requestWhat, type CustomerPrompt, type RequestAsk } from './customer-prompt';

/** What the questions need from the agent: the prompt, and the customer's answers sent in order with their other choices. */
export interface RequestQuestionPorts {
  prompt: CustomerPrompt;
  /** Queued when asked, sent once the answer resolves; an answer resolving to undefined sends nothing. */
  answer(event: string, data: Promise<unknown>): void;
}

/** A session event, as far as requests go. */
export interface RequestEvent { type: string; requestId?: string; memberId?: string; allow?: boolean; actor?: { kind?: string; name?: string } }

interface Open { ask: RequestAsk; withdrawn: AbortController; inState: boolean }

/** The events that answer a request (the customer's answer at this prompt comes back as one too). */
const ANSWERED = new Set(['ModeRequestAnswered', 'ControlRequestAnswered', 'ElevationAnswered', 'InputBlockAnswered']);

/**
 * The technicians' requests put to the customer (`request.pending`: a mode, control, elevation, input block),
 * and their questions withdrawn when the request is over without this prompt's answer: answered in the customer
 * panel; dropped because its asker left or was removed (MODE-13, CTRL-10, ELEV-24: the session journals no event
 * for it, the asker's MemberLeft/MemberRemoved says it); gone from the session.state's `requests[]` for any other
 * reason (an input block released); or the session is over. The customer reads why; a late y/n sends nothing.
 */
export class RequestQuestions {
  private readonly open = new Map<string, Open>();
  /** The request ids of the last session.state: a request asked after its state came counts as seen there. */
  private inLastState = new Set<string>();

  constructor(private readonly ports: RequestQuestionPorts) {}

  ask(ask: RequestAsk): void {
    if (this.open.has(ask.requestId)) return;
    const q: Open = { ask, withdrawn: new AbortController(), inState: this.inLastState.has(ask.requestId) };
    this.open.set(ask.requestId, q);
    const answer = this.ports.prompt.askRequest({ ...ask, withdrawn: q.withdrawn.signal }).then((allow) => {
      // Withdrawn meanwhile: nothing to send.
      if (this.open.get(ask.requestId) !== q) return undefined;
      this.open.delete(ask.requestId);
      return { sessionId: ask.sessionId, requestId: ask.requestId, allow };
    });
    this.ports.answer(`${ask.kind}.respond`, answer);
  }

  /** A session event: an answer given elsewhere, or the departure of a member whose requests die with them. */
  onSessionEvent(e: RequestEvent): void {
    if (ANSWERED.has(e.type) && e.requestId !== undefined) {
      const q = this.open.get(e.requestId);
      if (!q) return;
      const where = e.actor?.kind === 'customer' || !e.actor?.name ? 'in the web panel' : `by ${e.actor.name}`;
      this.withdraw([q], (ask) => `${ask.from.name}'s request to ${requestWhat(ask)} was ${e.allow ? 'allowed' : 'refused'} ${where}`);
      return;
    }
    if ((e.type === 'MemberLeft' || e.type === 'MemberRemoved') && e.memberId !== undefined) {
      const why = e.type === 'MemberLeft' ? 'they left the session' : 'they were removed from the session';
      this.withdraw([...this.open.values()].filter((q) => q.ask.from.id === e.memberId), (ask) => `${ask.from.name} no longer asks to ${requestWhat(ask)}: ${why}`);
    }
  }

  /**
   * The session.state after a commit: a request it held before and holds no more is over (the events said nothing
   * this prompt knew of). One it never held yet is kept: a state may be on its way from before the request.
   */
  onState(requests: ReadonlyArray<{ requestId?: unknown }>): void {
    this.inLastState = new Set(requests.map((r) => String(r.requestId)));
    const gone: Open[] = [];
    for (const q of this.open.values()) {
      if (this.inLastState.has(q.ask.requestId)) q.inState = true;
      else if (q.inState) gone.push(q);
    }
    this.withdraw(gone, (ask) => `${ask.from.name} no longer asks to ${requestWhat(ask)}`);
  }

  /** The session is over: its open questions go. */
  clear(): void {
    this.withdraw([...this.open.values()], (ask) => `${ask.from.name} no longer asks to ${requestWhat(ask)}`);
    this.inLastState = new Set();
  }

  /** The lines first, then the questions, the later ones first: the next question still open is asked once, after them. */
  private withdraw(questions: Open[], line: (ask: RequestAsk) => string): void {
    for (const q of questions) {
      this.open.delete(q.ask.requestId);
      this.ports.prompt.notice(line(q.ask));
    }
    for (const q of [...questions].reverse()) q.withdrawn.abort();
  }
}
