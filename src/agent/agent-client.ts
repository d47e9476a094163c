import WebSocket from 'ws';
import { decodeFrame, FrameType } from '../media/frame-codec';
import type { AgentClientOptions } from './agent-client-options';
import { AgentRequests } from './agent-requests';
import { Backoff } from './backoff';
import { CaptureLoop } from './capture-loop';
import { DisplayWatch } from './display-watch';
import { ClipboardFollower } from './clipboard-follower';
import { EntryPoints } from './entry-points';
import { FileTransfers } from './file-transfers';
import { IncomingFiles } from './incoming-files';
import { InputBlockFollower } from './input-block-follower';
import { InputInjection } from './input-injection';
import { RemoteOverlay } from './overlay';
import { RecordingNotice } from './recording-notice';
import { RemoteShells } from './remote-shell';
import { RequestQuestions } from './request-questions';
import { sendCorked } from './send-corked';
import { SessionMessages, type CurrentSession } from './session-messages';
import { startSupport } from './support-start';

export type { AgentClientOptions } from './agent-client-options';
export type { ClipboardAccess, ClipboardContent } from './clipboard-follower';
export { sendCorked } from './send-corked';

/** How often the agent reports its capture (`media.stats`) while it captures. */
const STATS_EVERY_MS = 2000;
interface Incoming { event: string; data?: Record<string, unknown>; id?: string }

/**
 * The desktop agent's connection: announces itself, relays the customer's answers, and obeys the
 * mode it is told — as defence in depth it captures nothing in hold and injects only in interact.
 */
export class AgentClient {
  private ws?: WebSocket;
  private readonly backoff = new Backoff();
  private stopped = false;
  private readonly loop?: CaptureLoop;
  /** Requests to the server and the replies they wait for. */
  private readonly requests = new AgentRequests(() => this.ws);
  /** The technicians' input, turned into X events (only in interact). */
  private readonly injection: InputInjection;
  private readonly clipboard: ClipboardFollower;
  private readonly displays: DisplayWatch;
  /** The customer's prompt, marked "[recorded]" while the session is recorded. */
  private readonly prompt: RecordingNotice;
  /** The technicians' requests put to the customer, withdrawn when they are over without the customer's answer here. */
  private readonly questions: RequestQuestions;
  /** The server's messages about this desktop's session, and that session. */
  private readonly messages: SessionMessages;
  /** Counters the tests and the operator can read. */
  readonly stats = { inputsInjected: 0, inputsRefused: 0, connects: 0 };
  private statsTimer?: NodeJS.Timeout;

  /** Technicians' pointers and pen/laser strokes over the customer's screen. */
  readonly overlay?: RemoteOverlay;

  /** The customer's keyboard and mouse, held while the session says so. */
  private readonly inputBlock: InputBlockFollower;

  constructor(private readonly opts: AgentClientOptions) {
    const prompt = new RecordingNotice(opts.prompt);
    this.prompt = prompt;
    this.files = new FileTransfers({
      request: (event, data) => this.request(event, data),
      answer: (event, data) => this.sendInOrder(event, data),
      prompt,
      log: opts.log,
    }, new IncomingFiles(opts.downloadsDir));
    this.questions = new RequestQuestions({ prompt, answer: (event, data) => this.sendInOrder(event, data) });
    this.attachCode = opts.attachCode;
    this.supportButton = opts.supportButton;
    this.injection = new InputInjection(opts.screen);
    // A monitor plugged in or out (XRandR) is announced with a new hello while connected.
    this.displays = new DisplayWatch(opts.screen, () => this.ws?.readyState === WebSocket.OPEN, (displays) => {
      this.injection.setMonitors(displays);
      opts.log(`displays changed: ${displays.map((d) => `${d.name} ${d.width}x${d.height}+${d.x}+${d.y}`).join(', ')}`);
      this.send('agent.hello', { ...opts.hello, pin: opts.state.pin, displays });
      this.loop?.setMonitors(displays.map((d) => d.index));
    });
    this.clipboard = new ClipboardFollower({
      access: opts.clipboard, notice: (text) => prompt.notice(text), log: opts.log,
      copied: (c) => {
        if (!this.session || this.session.mode !== 'interact') return;
        if (c.mime === 'image/png') this.send('clipboard', { sessionId: this.session.id, mime: c.mime, data: c.data.toString('base64') });
        else this.send('clipboard', { sessionId: this.session.id, mime: c.mime, text: c.text });
      },
    });
    this.entryPoints = new EntryPoints({ state: opts.state, save: opts.saveState, notice: (text) => prompt.notice(text), log: opts.log });
    this.inputBlock = new InputBlockFollower({
      access: opts.inputBlock, notice: (text) => prompt.notice(text), log: opts.log,
      released: (sessionId, reason) => this.sendInOrder('input-block.release', { sessionId, reason }),
    });
    if (opts.overlay) {
      this.overlay = new RemoteOverlay(opts.overlay, (m) => this.injection.monitorSize(m), () => this.loop?.monitor ?? 0, opts.log);
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
    this.messages = new SessionMessages({
      opts, prompt, questions: this.questions, files: this.files, shells: this.shells, entryPoints: this.entryPoints, clipboard: this.clipboard,
      inputBlock: this.inputBlock, injection: this.injection, loop: this.loop, overlay: this.overlay, stats: this.stats,
      send: (event, data) => this.send(event, data), sendInOrder: (event, data) => this.sendInOrder(event, data),
    });
    prompt.onChoice((choice) => {
      if (!this.session) return prompt.notice('no session is running');
      if (choice.kind === 'close') this.sendInOrder('session.end', { sessionId: this.session.id });
      else if (choice.kind === 'clipboard') this.sendInOrder('clipboard.set', { sessionId: this.session.id, enabled: choice.enabled });
      else if (choice.kind === 'unblock') this.sendInOrder('input-block.release', { sessionId: this.session.id });
      else if (choice.kind === 'send-file') void this.files.send(this.session.id, choice.path);
      else this.sendInOrder('mode.set', { sessionId: this.session.id, mode: choice.mode });
    });
  }

  /** The ladder rung of the last media.feedback applied (-1: none yet; docs/media.md). */
  get qualityLevel(): number {
    return this.messages.qualityLevel;
  }

  /** This desktop's session, if it is in one (the server's messages about it move it: SessionMessages). */
  private get session(): CurrentSession | undefined {
    return this.messages.session;
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
    this.clipboard.follow(false);
    this.inputBlock.stop();
    this.overlay?.clear();
    this.displays.stop();
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
      this.opts.log(`connected to ${url.origin} as ${this.opts.state.agentId}`);
      const displays = this.displays.current();
      this.injection.setMonitors(displays);
      if (displays.length > 0) this.loop?.setMonitors(displays.map((d) => d.index));
      const attachCode = this.attachCode;
      const before = this.session?.id;
      const hello = this.send('agent.hello', { ...this.opts.hello, pin: this.opts.state.pin, displays, ...(attachCode ? { attachCode } : {}) });
      if (attachCode) {
        this.requests.onRefused(hello, (err) => {
          this.attachCode = undefined;
          this.opts.log(`the attach code was refused: ${err.code} ${err.message}`);
          this.opts.onAttachRefused?.(err.code, err.message);
        });
      }
      // The node tells a restarted agent the session it was in (within the grace period): it joins
      // it again without asking the customer twice, in the mode the session is in.
      this.requests.onReply(hello, (reply) => {
        const r = reply as { sessionId?: string | null; resumeToken?: string | null; limits?: { clipboardBytes?: number; fileBytes?: number; messagesPerSecond?: number }; entryPoints?: { supportButtons?: unknown; jumpClients?: unknown } } | undefined;
        // The PIN finds this desktop only once the node has it online (the hello may be refused: PIN_IN_USE): said then, not before.
        if (r) this.opts.log(`online; Assist PIN ${this.opts.state.pin} (read it to the technician who helps you)`);
        this.clipboard.setMaxBytes(Number(r?.limits?.clipboardBytes));
        this.files.setMaxBytes(Number(r?.limits?.fileBytes));
        this.shells.output.setServerRate(Number(r?.limits?.messagesPerSecond));
        // What the server holds is what is installed here: a removal or unpin missed while offline lands now.
        if (r?.entryPoints) this.entryPoints.reconcile(r.entryPoints);
        // The code did its work (or the server did not answer it): never send it again.
        if (r) this.attachCode = undefined;
        if (attachCode && r?.sessionId) this.opts.log(`joined session ${r.sessionId} with the attach code`);
        // The session this desktop was in before it reconnected is not the one the server holds it in (it ended,
        // or the customer was disconnected, while the agent was away): it is over here too, so the next one is heard.
        if (r && before && this.session?.id === before && r.sessionId !== before) {
          this.opts.log(`session ${before} is over: the server no longer has this desktop in it`);
          this.messages.ended({ sessionId: before, reason: 'it ended while this desktop was offline' });
        }
        if (r?.sessionId && this.entryPoints.isDisconnectedFrom(r.sessionId)) {
          this.opts.log(`not rejoining session ${r.sessionId}: a technician disconnected this desktop from it`);
          return this.startSupport();
        }
        if (!r?.sessionId || !r.resumeToken || this.session?.resumeToken) return this.startSupport();
        this.messages.session = { id: r.sessionId, mode: 'hold', resumeToken: r.resumeToken, lastSeq: 0 };
        this.opts.log(`rejoining session ${r.sessionId} (allowed before the restart)`);
        this.send('session.resume', { token: r.resumeToken, lastSeq: 0 });
      });
      if (this.session?.resumeToken) this.send('session.resume', { token: this.session.resumeToken, lastSeq: this.session.lastSeq });
      this.displays.start();
      // Shell output that waited while offline goes out now.
      this.shells.output.connected();
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
      // Shell output in flight is lost with the socket; what is still to send waits for the next one.
      this.shells.output.disconnected();
      // Offline, the session counts the block as released (agent-exit): never hold the customer unseen.
      this.messages.applyBlock(false);
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
    return this.requests.send(event, data);
  }

  private sendInOrder(event: string, data: unknown): void {
    this.requests.sendInOrder(event, data);
  }

  private request(event: string, data: unknown, timeoutMs?: number): Promise<Record<string, unknown>> {
    return this.requests.request(event, data, timeoutMs);
  }

  private attachCode?: string;
  /** `tandem-agent support`: the button still to start a session with (sent once, after the first hello). */
  private supportButton?: string;
  /** Support Buttons, Jump Client enrolments, disconnected sessions: kept in the config file. */
  readonly entryPoints: EntryPoints;

  /** `tandem-agent support`: once connected, the session is asked for through the installed button (once). */
  private startSupport(): void {
    const buttonId = this.supportButton;
    if (!buttonId) return;
    this.supportButton = undefined;
    startSupport({
      buttonId, request: (event, data) => this.request(event, data), entryPoints: this.entryPoints, notice: (text) => this.prompt.notice(text),
      started: (sessionId, lastSeq, queue) => {
        if (this.session?.id !== sessionId) this.messages.session = { id: sessionId, mode: 'hold', lastSeq };
        this.opts.onSupportStarted?.(sessionId, queue);
      },
      refused: (code, message) => this.opts.onSupportRefused?.(code, message),
    });
  }

  /** Files both ways: offers put to the customer, received into the Downloads folder, `send PATH`. */
  private readonly files: FileTransfers;
  /** Command shells of elevated sessions (the server opens and closes them). */
  readonly shells = new RemoteShells({
    isOpen: () => this.ws?.readyState === WebSocket.OPEN,
    send: (event, data, answered) => {
      const id = this.send(event, data);
      if (answered) this.requests.onReply(id, () => answered());
    },
    buffered: () => this.ws?.bufferedAmount ?? 0,
  });

  private onBinary(raw: Buffer): void {
    const parsed = decodeFrame(raw);
    if (parsed.ok && parsed.frame.type === FrameType.RefreshRequest) this.loop?.refresh(parsed.frame.monitor);
  }

  private onMessage(msg: Incoming): void {
    // The server's pushes are trusted for shape (it validated what it forwards); fields are read as documented in docs/protocol.md.
    const d = (msg.data ?? {}) as Record<string, never>;
    if (msg.event === 'ack' || msg.event === 'error') {
      if (msg.id) this.requests.settle(msg.event, msg.id, d);
      if (msg.event === 'error') this.opts.log(`server refused ${msg.id ?? ''}: ${d.code} ${d.message}`);
      return;
    }
    if (this.entryPoints.onMessage(msg.event, d)) return;
    this.messages.handle(msg.event, d);
  }

  /** A link to this desktop's customer panel (answer requests, see who is connected, unblock), valid for a working day. */
  async customerPanel(): Promise<{ path: string; url: string | null }> {
    return (await this.request('customer.panel', {}, 5000)) as unknown as { path: string; url: string | null };
  }

  /** Whether the customer's keyboard and mouse are held now (tests and the status line). */
  get inputBlocked(): boolean {
    return this.inputBlock.blocked;
  }
}
