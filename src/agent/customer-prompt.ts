/** What the customer is asked and can do at the agent. The terminal prompt is one implementation. */
export interface AssistAsk {
  sessionId: string;
  technician: { id: string; name: string; teams?: string[] };
  action: 'view' | 'control';
}

export interface RequestAsk {
  sessionId: string;
  requestId: string;
  kind: 'mode' | 'control' | 'elevation' | 'input-block';
  from: { id: string; name: string };
  mode?: string;
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
