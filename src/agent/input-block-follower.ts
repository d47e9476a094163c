/** Holds the customer's physical keyboard and mouse (X11 XI2 grabs) while injected input goes on. */
export interface InputBlocker {
  /** Throws when nothing could be held. */
  block(): { devices: string[] };
  release(): void;
  stop(): void;
}

/** Opens the blocker the first time a session blocks; `onEnded` hears the customer's emergency keys (or a lost display). */
export interface InputBlockAccess {
  open(onEnded: (reason: 'emergency-key' | 'display-lost') => void): InputBlocker;
}

/** Why the agent let go on its own, as it tells the session (`input-block.release`). */
export type SelfRelease = 'emergency-key' | 'unavailable';

export interface InputBlockFollowerOptions {
  access?: InputBlockAccess;
  notice(text: string): void;
  log(line: string): void;
  /** The agent let go without being asked: the session must hear it (sent as the customer). */
  released(sessionId: string, reason: SelfRelease): void;
}

/**
 * The agent's side of blocking the customer's input: it follows what the session state says
 * (`apply(want)`, idempotent, so every session.state may call it) and reports what only the desktop
 * knows — the customer's emergency keys, or that nothing could be held. Having let go on its own, it
 * does not hold again until the state has said "released" (a state sent before its report still says
 * blocked).
 */
export class InputBlockFollower {
  private blocker?: InputBlocker;
  private held = false;
  private withdrawn = false;
  private sessionId?: string;

  constructor(private readonly opts: InputBlockFollowerOptions) {}

  /** Whether the customer's keyboard and mouse are held now. */
  get blocked(): boolean {
    return this.held;
  }

  apply(want: boolean, sessionId: string | undefined): void {
    if (!want || !sessionId) {
      this.withdrawn = false;
      if (!this.held) return;
      this.held = false;
      try {
        this.blocker?.release();
      } catch (err) {
        this.opts.log(`input block release failed: ${(err as Error).message}`);
      }
      this.opts.notice('your keyboard and mouse work again');
      return;
    }
    if (this.held || this.withdrawn) return;
    this.sessionId = sessionId;
    try {
      if (!this.opts.access) throw new Error('this agent cannot block input (no display, or --view-only)');
      this.blocker ??= this.opts.access.open((reason) => this.ended(reason));
      const got = this.blocker.block();
      this.held = true;
      this.opts.log(`input blocked [session:${sessionId}]: ${got.devices.join(', ') || 'no devices'}`);
      this.opts.notice('your keyboard and mouse are blocked while the technician works. To take them back: press Esc three times, or type "unblock"');
    } catch (err) {
      this.withdrawn = true;
      this.opts.log(`input not blocked [session:${sessionId}]: ${(err as Error).message}`);
      this.opts.released(sessionId, 'unavailable');
    }
  }

  /** Lets go and closes the blocker's X connection. */
  stop(): void {
    this.apply(false, undefined);
    this.blocker?.stop();
    this.blocker = undefined;
  }

  private ended(reason: 'emergency-key' | 'display-lost'): void {
    if (!this.held) return;
    this.held = false;
    this.withdrawn = true;
    this.opts.notice(reason === 'emergency-key' ? 'emergency keys: your keyboard and mouse work again' : 'the display went away: nothing is blocked');
    if (this.sessionId) this.opts.released(this.sessionId, reason === 'emergency-key' ? 'emergency-key' : 'unavailable');
  }
}
