import { execFile } from 'node:child_process';
import WebSocket from 'ws';
import { decodeFrame, FrameType } from '../media/frame-codec';
import type { AgentState } from './agent-config';
import { FileTransfers } from './file-transfers';
import { IncomingFiles } from './incoming-files';
import { InputBlockFollower, type InputBlockAccess } from './input-block-follower';
import { RemoteShells } from './remote-shell';
import { Backoff } from './backoff';
import { CaptureLoop } from './capture-loop';
import type { AssistAsk, CustomerPrompt, RequestAsk } from './customer-prompt';
import { RemoteOverlay, type OverlaySurface } from './overlay';
import type { RtcPublisher } from './rtc-publisher';
import type { InputInjector, ScreenSource } from './screen-source';

/** What a clipboard holds: text, or an image as a PNG file. */
export type ClipboardContent = { mime: 'text/plain'; text: string } | { mime: 'image/png'; data: Buffer };

/** Watches the desktop's clipboard (reporting what another application copied) and sets it. */
export interface ClipboardAccess {
  /** `maxBytes`: the server's clipboard.maxBytes (from the hello reply); larger contents are not read. */
  watch(onChange: (content: ClipboardContent) => void, maxBytes: number): { set(content: ClipboardContent): void; stop(): void };
}

export interface AgentClientOptions {
  state: AgentState;
  hello: { hostname: string; osUser: string; os: string; version: string; capabilities: string[] };
  prompt: CustomerPrompt;
  screen?: ScreenSource;
  injector?: InputInjector;
  /** Where technicians' pointers and annotations are drawn on the customer's screen (the X11 overlay). */
  overlay?: OverlaySurface;
  fps: number;
  quality: number;
  /** The desktop's clipboard (X11): followed and set only while the session is in interact. */
  clipboard?: ClipboardAccess;
  /** The WebRTC screen path (rtc.* events; docs/media.md, "WebRTC"); tiles only when absent. */
  rtc?: RtcPublisher;
  /** Blocking the customer's input (X11): applied as the session state says, only in interact. */
  inputBlock?: InputBlockAccess;
  /** Where accepted files are saved (default: $XDG_DOWNLOAD_DIR, else ~/Downloads). */
  downloadsDir?: string;
  /** Run when an elevated session is ended by the customer (sign-out / lock protects admin credentials). */
  lockCommand: string[];
  log: (line: string) => void;
  /** `tandem-agent join`: the click-to-chat session's one-time code, sent in the first hello only. */
  attachCode?: string;
  /** The server refused the attach code (its error code and message): the join is over. */
  onAttachRefused?: (code: string, message: string) => void;
  /** The session this agent was in has ended. */
  onSessionEnded?: (sessionId: string) => void;
}

type Mode = 'hold' | 'observe' | 'interact';
/** How often the agent looks for monitors plugged in or out. */
const DISPLAY_CHECK_MS = 2000;
/** How often the agent reports its capture (`media.stats`) while it captures. */
const STATS_EVERY_MS = 2000;
interface Incoming { event: string; data?: Record<string, unknown>; id?: string }
interface ForwardedInput { sessionId: string; kind: string; monitor?: number; x: number; y: number; button: number; down: boolean; dx?: number; dy?: number; keysym: number; text: string }

/**
 * The desktop agent's connection: announces itself, relays the customer's answers, and obeys the
 * mode it is told — as defence in depth it captures nothing in hold and injects only in interact.
 */
export class AgentClient {
  private ws?: WebSocket;
  private readonly backoff = new Backoff();
  private stopped = false;
  private session?: { id: string; mode: Mode; resumeToken?: string; lastSeq: number };
  private readonly loop?: CaptureLoop;
  private nextId = 1;
  /** Monitor sizes by index, to turn the protocol's 0..1 positions into pixels. */
  private readonly monitorSizes = new Map<number, { width: number; height: number }>();
  /** Counters the tests and the operator can read. */
  readonly stats = { inputsInjected: 0, inputsRefused: 0, connects: 0 };
  /** The ladder rung of the last media.feedback applied (-1: none yet; docs/media.md). */
  qualityLevel = -1;
  private statsTimer?: NodeJS.Timeout;

  /** Technicians' pointers and pen/laser strokes over the customer's screen. */
  readonly overlay?: RemoteOverlay;

  /** The customer's keyboard and mouse, held while the session says so. */
  private readonly inputBlock: InputBlockFollower;

  constructor(private readonly opts: AgentClientOptions) {
    this.files = new FileTransfers({
      request: (event, data) => this.request(event, data),
      answer: (event, data) => this.sendInOrder(event, data),
      prompt: opts.prompt,
      log: opts.log,
    }, new IncomingFiles(opts.downloadsDir));
    this.attachCode = opts.attachCode;
    this.inputBlock = new InputBlockFollower({
      access: opts.inputBlock, notice: (text) => opts.prompt.notice(text), log: opts.log,
      released: (sessionId, reason) => this.sendInOrder('input-block.release', { sessionId, reason }),
    });
    if (opts.overlay) {
      this.overlay = new RemoteOverlay(opts.overlay, (m) => this.monitorSize(m), () => this.loop?.monitor ?? 0, opts.log);
    }
    if (opts.screen) {
      this.loop = new CaptureLoop(opts.rtc ? opts.rtc.tap(opts.screen) : opts.screen, {
        fps: opts.fps, quality: opts.quality, monitor: 0,
        send: (f) => this.ws?.readyState === WebSocket.OPEN && this.ws.send(f, { binary: true }),
        sendAll: (frames) => sendCorked(this.ws, frames),
        buffered: () => this.ws?.bufferedAmount ?? 0,
        maxBufferedBytes: 4 * 1024 * 1024,
        onPaused: (paused) => this.session && this.send('screen.state', { sessionId: this.session.id, paused, reason: paused ? 'capture impossible (protected or locked screen)' : undefined }),
        onError: (err) => opts.log(`capture failed: ${String(err)}`),
      });
    }
    if (this.loop) {
      this.statsTimer = setInterval(() => this.reportStats(), STATS_EVERY_MS);
      this.statsTimer.unref();
    }
    opts.rtc?.attach({
      send: (event, data) => void this.send(event, data),
      refresh: (monitor) => this.loop?.refresh(monitor),
      session: () => (this.session ? { id: this.session.id, mode: this.session.mode } : undefined),
    });
    opts.prompt.onChoice((choice) => {
      if (!this.session) return opts.prompt.notice('no session is running');
      if (choice.kind === 'close') this.sendInOrder('session.end', { sessionId: this.session.id });
      else if (choice.kind === 'clipboard') this.sendInOrder('clipboard.set', { sessionId: this.session.id, enabled: choice.enabled });
      else if (choice.kind === 'unblock') this.sendInOrder('input-block.release', { sessionId: this.session.id });
      else if (choice.kind === 'send-file') void this.files.send(this.session.id, choice.path);
      else this.sendInOrder('mode.set', { sessionId: this.session.id, mode: choice.mode });
    });
  }

  get captureLoop(): CaptureLoop | undefined {
    return this.loop;
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.shells.close();
    this.loop?.stop();
    this.opts.rtc?.stop();
    this.followClipboard(false);
    this.inputBlock.stop();
    this.overlay?.clear();
    if (this.displayTimer) clearInterval(this.displayTimer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.ws?.close(1000, 'agent stopping');
    this.opts.screen?.close();
  }

  private connect(): void {
    if (this.stopped) return;
    const url = new URL('/ws/agent', this.opts.state.server.replace(/^http/, 'ws'));
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${this.opts.state.token}` } });
    this.ws = ws;
    ws.on('open', () => {
      this.stats.connects += 1;
      this.backoff.reset();
      this.opts.log(`connected to ${url.origin} as ${this.opts.state.agentId}; Assist PIN ${this.opts.state.pin}`);
      const displays = this.opts.screen?.monitors() ?? [];
      this.monitorSizes.clear();
      for (const d of displays) this.monitorSizes.set(d.index, { width: d.width, height: d.height });
      this.displaysSaid = JSON.stringify(displays);
      if (displays.length > 0) this.loop?.setMonitors(displays.map((d) => d.index));
      const attachCode = this.attachCode;
      const hello = this.send('agent.hello', { ...this.opts.hello, pin: this.opts.state.pin, displays, ...(attachCode ? { attachCode } : {}) });
      if (attachCode) {
        this.refusals.set(hello, (err) => {
          this.attachCode = undefined;
          this.opts.log(`the attach code was refused: ${err.code} ${err.message}`);
          this.opts.onAttachRefused?.(err.code, err.message);
        });
      }
      // The node tells a restarted agent the session it was in (within the grace period): it joins
      // it again without asking the customer twice, in the mode the session is in.
      this.replies.set(hello, (reply) => {
        const r = reply as { sessionId?: string | null; resumeToken?: string | null; limits?: { clipboardBytes?: number; fileBytes?: number } } | undefined;
        if (Number(r?.limits?.clipboardBytes) > 0) this.clipboardBytes = Number(r?.limits?.clipboardBytes);
        this.files.setMaxBytes(Number(r?.limits?.fileBytes));
        // The code did its work (or the server did not answer it): never send it again.
        if (r) this.attachCode = undefined;
        if (attachCode && r?.sessionId) this.opts.log(`joined session ${r.sessionId} with the attach code`);
        if (!r?.sessionId || !r.resumeToken || this.session?.resumeToken) return;
        this.session = { id: r.sessionId, mode: 'hold', resumeToken: r.resumeToken, lastSeq: 0 };
        this.opts.log(`rejoining session ${r.sessionId} (allowed before the restart)`);
        this.send('session.resume', { token: r.resumeToken, lastSeq: 0 });
      });
      if (this.session?.resumeToken) this.send('session.resume', { token: this.session.resumeToken, lastSeq: this.session.lastSeq });
      this.watchDisplays();
    });
    ws.on('message', (raw, isBinary) => {
      if (isBinary) return this.onBinary(raw as Buffer);
      try {
        this.onMessage(JSON.parse(raw.toString()) as Incoming);
      } catch (err) {
        this.opts.log(`bad message from server: ${String(err)}`);
      }
    });
    ws.on('unexpected-response', (_req, res) => {
      this.opts.log(`server refused the connection: HTTP ${res.statusCode}${res.statusCode === 401 ? ' (re-enroll this agent)' : ''}`);
    });
    ws.on('error', (err) => this.opts.log(`connection error: ${err.message}`));
    ws.on('close', (code) => {
      this.loop?.stop();
      // Offline, the session counts the block as released (agent-exit): never hold the customer unseen.
      this.applyBlock(false);
      this.opts.rtc?.closeAll('disconnected from the node');
      if (this.stopped) return;
      const delay = this.backoff.next();
      this.opts.log(`disconnected (${code}); reconnecting in ${delay} ms`);
      setTimeout(() => this.connect(), delay);
    });
  }

  /** While capturing for a session: what the capture loop produced since the last report. */
  private reportStats(): void {
    const loop = this.loop;
    if (!loop) return;
    const stats = loop.takeStats();
    if (!loop.isRunning || !this.session || this.ws?.readyState !== WebSocket.OPEN) return;
    this.send('media.stats', { sessionId: this.session.id, ...stats, level: this.qualityLevel });
  }

  private send(event: string, data: unknown): string {
    const id = `a${this.nextId++}`;
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ event, data, id }));
    return id;
  }

  /** Replies (ack or error) the customer's commands wait for, by request id. */
  private readonly replies = new Map<string, (data?: unknown) => void>();
  /** Errors a request waits for (the attach code's hello), by request id. */
  private readonly refusals = new Map<string, (err: { code: string; message: string }) => void>();
  private attachCode?: string;
  private displaysSaid = '';
  private displayTimer?: NodeJS.Timeout;

  /** A monitor plugged in or out (XRandR) is announced with a new hello while connected. */
  private watchDisplays(): void {
    if (this.displayTimer || !this.opts.screen) return;
    this.displayTimer = setInterval(() => {
      if (this.ws?.readyState !== WebSocket.OPEN) return;
      let displays: ReturnType<ScreenSource['monitors']>;
      try {
        displays = this.opts.screen!.monitors();
      } catch {
        return;
      }
      const said = JSON.stringify(displays);
      if (said === this.displaysSaid) return;
      this.displaysSaid = said;
      this.monitorSizes.clear();
      for (const d of displays) this.monitorSizes.set(d.index, { width: d.width, height: d.height });
      this.opts.log(`displays changed: ${displays.map((d) => `${d.name} ${d.width}x${d.height}+${d.x}+${d.y}`).join(', ')}`);
      this.send('agent.hello', { ...this.opts.hello, pin: this.opts.state.pin, displays });
      this.loop?.setMonitors(displays.map((d) => d.index));
    }, DISPLAY_CHECK_MS);
    this.displayTimer.unref();
  }
  private inOrder: Promise<void> = Promise.resolve();

  /**
   * The customer's answers and choices go one at a time, each after the server answered the one
   * before: "y" then "observe" typed together must not reach the session in the other order.
   */
  private sendInOrder(event: string, data: unknown): void {
    this.inOrder = this.inOrder.then(async () => {
      const payload: unknown = await data;
      await new Promise<void>((resolve) => {
        const id = this.send(event, payload);
        const timer = setTimeout(() => { this.replies.delete(id); resolve(); }, 5000);
        this.replies.set(id, () => { clearTimeout(timer); resolve(); });
      });
    });
  }

  /** A command whose ack the caller needs: resolves with the ack's data, rejects with the error's `{code, message}`. */
  private request(event: string, data: unknown, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const id = this.send(event, data);
      const timer = setTimeout(() => {
        this.replies.delete(id);
        this.refusals.delete(id);
        reject(Object.assign(new Error(`no answer to ${event}`), { code: 'TIMEOUT' }));
      }, timeoutMs);
      this.refusals.set(id, (err) => { clearTimeout(timer); reject(Object.assign(new Error(err.message), err)); });
      this.replies.set(id, (ack) => { if (ack !== undefined) { clearTimeout(timer); resolve(ack as Record<string, unknown>); } });
    });
  }

  /** Files both ways: offers put to the customer, received into the Downloads folder, `send PATH`. */
  private readonly files: FileTransfers;
  /** Command shells of elevated sessions (the server opens and closes them). */
  readonly shells = new RemoteShells((event, data) => this.send(event, data));

  private onBinary(raw: Buffer): void {
    const parsed = decodeFrame(raw);
    if (parsed.ok && parsed.frame.type === FrameType.RefreshRequest) this.loop?.refresh(parsed.frame.monitor);
  }

  private onMessage(msg: Incoming): void {
    // The server's pushes are trusted for shape (it validated what it forwards); fields are read as documented in docs/protocol.md.
    const d = (msg.data ?? {}) as Record<string, never>;
    if ((msg.event === 'ack' || msg.event === 'error') && msg.id) {
      this.replies.get(msg.id)?.(msg.event === 'ack' ? (msg.data ?? {}) : undefined);
      this.replies.delete(msg.id);
      if (msg.event === 'error') this.refusals.get(msg.id)?.({ code: String(d.code), message: String(d.message) });
      this.refusals.delete(msg.id);
    }
    switch (msg.event) {
      case 'assist.requested': {
        const lastSeq = this.session?.id === d.sessionId ? this.session.lastSeq : 0;
        this.session = { id: d.sessionId, mode: 'hold', lastSeq };
        // Queued now, sent once answered: a choice typed after the answer goes after it.
        const answer = this.opts.prompt.askAssist(d as unknown as AssistAsk);
        this.sendInOrder('assist.respond', answer.then((allow) => ({ sessionId: d.sessionId, allow })));
        return;
      }
      case 'request.pending':
        this.sendInOrder(`${d.kind}.respond`, this.opts.prompt.askRequest(d as unknown as RequestAsk).then((allow) => ({ sessionId: d.sessionId, requestId: d.requestId, allow })));
        return;
      case 'session.resumable': {
        const current = this.session;
        if (current && current.id === d.sessionId) current.resumeToken = d.resumeToken;
        else this.session = { id: d.sessionId, mode: 'hold', resumeToken: d.resumeToken, lastSeq: 0 };
        return;
      }
      case 'session.event': {
        const current = this.session;
        if (current && current.id === d.sessionId && typeof d.seq === 'number') current.lastSeq = Math.max(current.lastSeq, d.seq);
        // A technician's file is put to the customer; an answer to the customer's own offer lets it go.
        if (current && current.id === d.sessionId) this.files.onSessionEvent(d.sessionId, d as unknown as { type: string });
        return;
      }
      case 'shell.open':
        this.shells.open(d.sessionId, d.shellId);
        return;
      case 'shell.input':
        this.shells.input(d.shellId, d.data);
        return;
      case 'shell.close':
        this.shells.close(d.sessionId);
        return;
      case 'file.chunk':
        return this.files.onChunk(d.fileId, d.offset, d.data);
      case 'file.done':
        return this.files.onDone(d.fileId);
      case 'session.mode':
        return this.applyMode(d.sessionId, d.mode);
      case 'session.state': {
        // After a resume the state says which mode the session is in (the agent may have missed the change).
        const st = d as unknown as { sessionId: string; status: string; mode: Mode };
        if (this.session?.id !== st.sessionId) return;
        if (st.status === 'ended') return this.ended({ sessionId: st.sessionId });
        if (st.status === 'active' && st.mode !== this.session.mode) this.applyMode(st.sessionId, st.mode);
        this.applyBlock(st.status === 'active' && st.mode === 'interact' && !!(d as { inputBlock?: unknown }).inputBlock);
        return;
      }
      case 'input':
        return this.applyInput(d as unknown as ForwardedInput);
      case 'clipboard':
        // The technician's text or image: set only while in interact (the server checked the same).
        if (this.session?.id === d.sessionId && this.session.mode === 'interact' && this.clipboardWatch) {
          try {
            const content: ClipboardContent = d.mime === 'image/png'
              ? { mime: 'image/png', data: Buffer.from(String(d.data), 'base64') }
              : { mime: 'text/plain', text: String(d.text) };
            this.clipboardWatch.set(content);
            this.opts.prompt.notice(content.mime === 'image/png'
              ? `the technician put an image (${content.data.length} bytes) in your clipboard`
              : `the technician put ${Buffer.byteLength(content.text)} bytes of text in your clipboard`);
          } catch (err) {
            this.opts.log(`clipboard not set: ${(err as Error).message}`);
          }
        }
        return;
      case 'pointer.remote':
        // Only while the screen is shared (the server sends them only then, too).
        if (this.session?.id === d.sessionId && this.session.mode !== 'hold') this.overlay?.pointer(d.memberId, d.name, Number(d.monitor) || 0, Number(d.x), Number(d.y), d.visible !== false);
        return;
      case 'annotation.remote':
        if (this.session?.id === d.sessionId && this.session.mode !== 'hold') this.overlay?.annotation(d.memberId, d.kind, Number(d.monitor) || 0, Array.isArray(d.points) ? (d.points as number[]).map(Number) : []);
        return;
      case 'rtc.offer':
      case 'rtc.ice':
      case 'rtc.close':
        this.opts.rtc?.signal(msg.event, d);
        return;
      case 'media.feedback':
        // The rung the slowest viewer allows (docs/media.md); never above what this agent was configured for.
        if (this.session?.id === d.sessionId) {
          this.loop?.tune({ fps: Math.min(this.opts.fps, Number(d.maxFps) || this.opts.fps), quality: Math.min(this.opts.quality, Number(d.quality) || this.opts.quality) });
          const level = Number(d.level);
          this.qualityLevel = Number.isInteger(level) ? level : -1;
        }
        return;
      case 'session.ended':
        return this.ended(d as unknown as { sessionId: string; reason?: string; lockDesktop?: boolean });
      case 'error':
        this.opts.log(`server refused ${msg.id ?? ''}: ${d.code} ${d.message}`);
        return;
      default:
        return;
    }
  }

  private clipboardWatch?: { set(content: ClipboardContent): void; stop(): void };
  /** The server's clipboard limit, from the hello reply. */
  private clipboardBytes = 512 * 1024;

  /** The clipboard is followed in interact only; leaving interact stops it at once. */
  private followClipboard(on: boolean): void {
    if (!on) {
      this.clipboardWatch?.stop();
      this.clipboardWatch = undefined;
      return;
    }
    if (this.clipboardWatch || !this.opts.clipboard) return;
    try {
      this.clipboardWatch = this.opts.clipboard.watch((c) => {
        if (!this.session || this.session.mode !== 'interact') return;
        if (c.mime === 'image/png') this.send('clipboard', { sessionId: this.session.id, mime: c.mime, data: c.data.toString('base64') });
        else this.send('clipboard', { sessionId: this.session.id, mime: c.mime, text: c.text });
      }, this.clipboardBytes);
    } catch (err) {
      this.opts.log(`clipboard unavailable: ${(err as Error).message}`);
    }
  }

  private applyMode(sessionId: string, mode: Mode): void {
    if (!this.session || this.session.id !== sessionId) this.session = { id: sessionId, mode, lastSeq: 0 };
    this.session.mode = mode;
    this.opts.prompt.notice(`mode is now ${mode}${mode === 'hold' ? ' (nobody sees your screen)' : mode === 'observe' ? ' (your screen is shared, no control)' : ' (shared, with control)'}`);
    this.followClipboard(mode === 'interact');
    if (mode !== 'interact') this.applyBlock(false);
    if (mode === 'hold') {
      this.loop?.stop();
      this.opts.rtc?.closeAll('hold');
      this.overlay?.clear();
    } else {
      this.loop?.start(sessionId);
    }
  }

  private applyInput(d: ForwardedInput): void {
    // Defence in depth: the server already checked mode and control; refuse anyway if we disagree.
    if (!this.session || this.session.id !== d.sessionId || this.session.mode !== 'interact' || !this.opts.injector) {
      this.stats.inputsRefused += 1;
      return;
    }
    const inj = this.opts.injector;
    try {
      this.inject(inj, d);
    } catch (err) {
      // A display that went away or a keysym nobody can type: tell the log, keep the session.
      this.stats.inputsRefused += 1;
      this.opts.log(`input ${d.kind} not injected: ${(err as Error).message}`);
      return;
    }
    this.stats.inputsInjected += 1;
  }

  private monitorSize(monitor: number): { width: number; height: number } {
    let m = this.monitorSizes.get(monitor);
    if (!m) {
      for (const d of this.opts.screen?.monitors() ?? []) this.monitorSizes.set(d.index, { width: d.width, height: d.height });
      m = this.monitorSizes.get(monitor) ?? { width: 1, height: 1 };
    }
    return m;
  }

  /** Pixel position of a 0..1 position on a monitor (the protocol's coordinates are fractions). */
  private toPixels(monitor: number, x: number, y: number): [number, number] {
    const m = this.monitorSize(monitor);
    const clamp = (v: number): number => Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0));
    return [Math.round(clamp(x) * (m.width - 1)), Math.round(clamp(y) * (m.height - 1))];
  }

  private inject(inj: InputInjector, d: ForwardedInput): void {
    const monitor = d.monitor ?? 0;
    switch (d.kind) {
      case 'move': inj.move(monitor, ...this.toPixels(monitor, d.x, d.y)); break;
      case 'button': inj.move(monitor, ...this.toPixels(monitor, d.x, d.y)); inj.button(d.button, d.down); break;
      case 'wheel': inj.wheel(d.dx ?? 0, d.dy ?? 0); break;
      case 'key': inj.key(d.keysym, d.down); break;
      case 'text': inj.text(d.text); break;
      default: throw new Error(`unknown input kind '${String(d.kind)}'`);
    }
  }

  /** A link to this desktop's customer panel (answer requests, see who is connected, unblock), valid for a working day. */
  customerPanel(): Promise<{ path: string; url: string | null }> {
    return new Promise((resolve, reject) => {
      const id = this.send('customer.panel', {});
      const timer = setTimeout(() => { this.replies.delete(id); reject(new Error('the server did not answer customer.panel')); }, 5000);
      this.replies.set(id, (data) => {
        clearTimeout(timer);
        if (data) resolve(data as { path: string; url: string | null });
        else reject(new Error('the server refused customer.panel'));
      });
    });
  }

  /** Whether the customer's keyboard and mouse are held now (tests and the status line). */
  get inputBlocked(): boolean {
    return this.inputBlock.blocked;
  }

  /** Holds the customer's keyboard and mouse as the session state says (only in interact). */
  private applyBlock(want: boolean): void {
    this.inputBlock.apply(want, this.session?.id);
  }

  private ended(d: { sessionId: string; reason?: string; lockDesktop?: boolean }): void {
    this.applyBlock(false);
    this.loop?.stop();
    // The next session starts at the top of the ladder again.
    this.loop?.tune({ fps: this.opts.fps, quality: this.opts.quality });
    this.qualityLevel = -1;
    this.followClipboard(false);
    this.files.clear();
    this.opts.rtc?.closeAll('session ended');
    this.overlay?.clear();
    this.session = undefined;
    this.opts.prompt.notice(`the session has ended${d.reason ? ` (${d.reason})` : ''}`);
    this.opts.onSessionEnded?.(d.sessionId);
    if (d.lockDesktop && this.opts.lockCommand.length > 0) {
      const [cmd, ...args] = this.opts.lockCommand;
      this.opts.log(`elevated session ended by the customer: locking the desktop (${this.opts.lockCommand.join(' ')})`);
      execFile(cmd, args, (err) => err && this.opts.log(`lock command failed: ${err.message}`));
    }
  }
}

/**
 * Sends a capture's frames as one socket write: the socket is corked while ws frames them and
 * uncorked on the next tick (one syscall instead of one per tile).
 */
export function sendCorked(ws: WebSocket | undefined, frames: Uint8Array[]): void {
  if (!ws || ws.readyState !== WebSocket.OPEN) return;
  const socket = (ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  socket?.cork();
  for (const f of frames) ws.send(f, { binary: true });
  if (socket) process.nextTick(() => socket.uncork());
}
