/** What a clipboard holds: text, or an image as a PNG file. */
export type ClipboardContent = { mime: 'text/plain'; text: string } | { mime: 'image/png'; data: Buffer };

/** Watches the desktop's clipboard (reporting what another application copied) and sets it. */
export interface ClipboardAccess {
  /** `maxBytes`: the server's clipboard.maxBytes (from the hello reply); larger contents are not read. */
  watch(onChange: (content: ClipboardContent) => void, maxBytes: number): { set(content: ClipboardContent): void; stop(): void };
}

export interface ClipboardFollowerOptions {
  access?: ClipboardAccess;
  /** The desktop's clipboard changed while followed: sent to the session. */
  copied: (content: ClipboardContent) => void;
  notice: (text: string) => void;
  log: (line: string) => void;
}

/**
 * The desktop's clipboard, followed in interact only: what the customer copies goes to the session,
 * what a technician sends is set. Leaving interact stops it at once.
 */
export class ClipboardFollower {
  private watch?: { set(content: ClipboardContent): void; stop(): void };
  /** The server's clipboard limit, from the hello reply. */
  private maxBytes = 512 * 1024;

  constructor(private readonly o: ClipboardFollowerOptions) {}

  setMaxBytes(bytes: number): void {
    if (bytes > 0) this.maxBytes = bytes;
  }

  follow(on: boolean): void {
    if (!on) {
      this.watch?.stop();
      this.watch = undefined;
      return;
    }
    if (this.watch || !this.o.access) return;
    try {
      this.watch = this.o.access.watch((c) => this.o.copied(c), this.maxBytes);
    } catch (err) {
      this.o.log(`clipboard unavailable: ${(err as Error).message}`);
    }
  }

  /** The technician's text or image (`clipboard`): set only while followed. */
  set(d: { mime?: unknown; data?: unknown; text?: unknown }): void {
    if (!this.watch) return;
    try {
      const content: ClipboardContent = d.mime === 'image/png'
        ? { mime: 'image/png', data: Buffer.from(String(d.data), 'base64') }
        : { mime: 'text/plain', text: String(d.text) };
      this.watch.set(content);
      this.o.notice(content.mime === 'image/png'
        ? `the technician put an image (${content.data.length} bytes) in your clipboard`
        : `the technician put ${Buffer.byteLength(content.text)} bytes of text in your clipboard`);
    } catch (err) {
      this.o.log(`clipboard not set: ${(err as Error).message}`);
    }
  }
}
