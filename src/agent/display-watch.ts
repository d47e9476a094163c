import type { ScreenSource } from './screen-source';

type Displays = ReturnType<ScreenSource['monitors']>;

/** How often the agent looks for monitors plugged in or out. */
const DISPLAY_CHECK_MS = 2000;

/**
 * Follows the desktop's monitors (XRandR): a monitor plugged in or out is reported once, so the agent
 * announces it with a new hello. Checks only while `isConnected` says so.
 */
export class DisplayWatch {
  private said = '';
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly screen: ScreenSource | undefined,
    private readonly isConnected: () => boolean,
    private readonly changed: (displays: Displays) => void,
  ) {}

  /** The displays as announced now (in the hello); returns them. */
  current(): Displays {
    const displays = this.screen?.monitors() ?? [];
    this.said = JSON.stringify(displays);
    return displays;
  }

  /** Starts checking (once; idempotent). */
  start(): void {
    if (this.timer || !this.screen) return;
    const screen = this.screen;
    this.timer = setInterval(() => {
      if (!this.isConnected()) return;
      let displays: Displays;
      try {
        displays = screen.monitors();
      } catch {
        return;
      }
      const said = JSON.stringify(displays);
      if (said === this.said) return;
      this.said = said;
      this.changed(displays);
    }, DISPLAY_CHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
