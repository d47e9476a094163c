import type { AssistAsk, CustomerChoice, CustomerPrompt, FileAsk, RequestAsk } from './customer-prompt';

/** The mark every line the customer reads carries while their session is recorded. */
export const RECORDED_MARK = '[recorded]';

/**
 * The customer's prompt, told whether their session is being recorded (`RecordingStarted` /
 * `RecordingStopped`, docs/recording.md): the start and the stop are announced, and while it records
 * every notice and question starts with "[recorded]", so the customer never forgets it.
 */
export class RecordingNotice implements CustomerPrompt {
  private recording = false;

  constructor(private readonly inner: CustomerPrompt) {}

  get isRecording(): boolean {
    return this.recording;
  }

  /** The session's recording started (`by`: owner, admin or policy; unknown after a resume) or stopped; repeats are ignored. */
  set(recording: boolean, by?: string): void {
    if (recording === this.recording) return;
    if (recording) {
      this.recording = true;
      const who = by === 'policy' ? ' (by policy)' : by === 'admin' ? ' (started by an administrator)' : by === 'owner' ? ' (started by the technician)' : '';
      this.notice(`this session is now being recorded${who}: your screen and the session's events are saved`);
    } else {
      this.recording = false;
      this.notice('the recording of this session has stopped');
    }
  }

  /** The session is over: nothing records any more (said by the session's own end notice). */
  clear(): void {
    this.recording = false;
  }

  askAssist(ask: AssistAsk): Promise<boolean> {
    return this.inner.askAssist(this.recording ? { ...ask, technician: { ...ask.technician, name: this.mark(ask.technician.name) } } : ask);
  }

  askRequest(ask: RequestAsk): Promise<boolean> {
    return this.inner.askRequest(this.recording ? { ...ask, from: { ...ask.from, name: this.mark(ask.from.name) } } : ask);
  }

  askFile(ask: FileAsk): Promise<boolean> {
    return this.inner.askFile(this.recording ? { ...ask, from: { ...ask.from, name: this.mark(ask.from.name) } } : ask);
  }

  notice(text: string): void {
    this.inner.notice(this.mark(text));
  }

  onChoice(listener: (choice: CustomerChoice) => void): void {
    this.inner.onChoice(listener);
  }

  close(): void {
    this.inner.close();
  }

  /** The questions are worded by the inner prompt; the mark goes in front of the name they start with. */
  private mark(text: string): string {
    return this.recording ? `${RECORDED_MARK} ${text}` : text;
  }
}
