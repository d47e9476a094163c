/** What the customer is asked and can do at the agent. The terminal prompt is one implementation. */
export interface AssistAsk {
  sessionId: string;
  technician: { id: string; name: string; teams?: string[] };
  action: 'view' | 'control';
  /**
   * Aborted when the request is over without this prompt's answer (cancelled by the technician, answered in the
   * customer panel, the session ended): the question goes away and the answer resolves false (nothing is sent).
   */
  withdrawn?: AbortSignal;
}

export interface RequestAsk {
  sessionId: string;
  requestId: string;
  kind: 'mode' | 'control' | 'elevation' | 'input-block';
  from: { id: string; name: string };
  mode?: string;
  /**
   * Aborted when the request is over without this prompt's answer (answered in the customer panel, its asker
   * left or was removed, the session ended): the question goes away and the answer resolves false (nothing is sent).
   */
  withdrawn?: AbortSignal;
}

/** What a request asks for, in the customer's words: "Bob asks to <what>". */
export function requestWhat(ask: Pick<RequestAsk, 'kind' | 'mode'>): string {
  return ask.kind === 'mode' ? `switch to ${ask.mode ?? '?'}` : ask.kind === 'control' ? 'take control'
    : ask.kind === 'input-block' ? 'block your keyboard and mouse while they work' : 'start an admin (elevated) session';
}

/** A technician offers a file: accepted, it is saved in the customer's Downloads folder. */
export interface FileAsk {
  sessionId: string;
  fileId: string;
  name: string;
  size: number;
  from: { name: string };
  /**
   * Aborted when the offer was answered elsewhere (the customer panel) or is over (its sender left or was removed, the session ended):
   * the question goes away, shown or still queued, and the answer resolves false (nothing is sent for it).
   */
  withdrawn?: AbortSignal;
}

export type CustomerChoice = { kind: 'mode'; mode: 'hold' | 'observe' | 'interact' } | { kind: 'close' } | { kind: 'clipboard'; enabled: boolean } | { kind: 'unblock' }
  | { kind: 'send-file'; path: string };

export interface CustomerPrompt {
  /** Resolves true when the customer allows. */
  askAssist(ask: AssistAsk): Promise<boolean>;
  askRequest(ask: RequestAsk): Promise<boolean>;
  /** Resolves true when the customer accepts the file. */
  askFile(ask: FileAsk): Promise<boolean>;
  /** A line for the customer (who is watching, the mode, "the session has ended"). */
  notice(text: string): void;
  /** Choices the customer makes at any time (mode switch, close). */
  onChoice(listener: (choice: CustomerChoice) => void): void;
  close(): void;
}
