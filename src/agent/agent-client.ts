import { execFile } from 'node:child_process';
import WebSocket from 'ws';
import { decodeFrame, FrameType } from '../media/frame-codec';
import type { AgentClientOptions } from './agent-client-options';
import { AgentRequests } from './agent-requests';
import { Backoff } from './backoff';
import { CaptureLoop } from './capture-loop';
import { DisplayWatch } from './display-watch';
import { ClipboardFollower } from './clipboard-follower';
import type { AssistAsk, RequestAsk } from './customer-prompt';
import { EntryPoints } from './entry-points';
import { FileTransfers } from './file-transfers';
import { IncomingFiles } from './incoming-files';
import { InputBlockFollower } from './input-block-follower';
import { InputInjection, type ForwardedInput } from './input-injection';
import { RemoteOverlay } from './overlay';
import { RecordingNotice } from './recording-notice';
import { RemoteShells } from './remote-shell';
import { RequestQuestions } from './request-questions';
import { sendCorked } from './send-corked';
import { startSupport } from './support-start';

export type { AgentClientOptions } from './agent-client-options';
export type { ClipboardAccess, ClipboardContent } from './clipboard-follower';
export { sendCorked } from './send-corked';

type Mode = 'hold' | 'observe' | 'interact';
/** How often the agent reports its capture (`media.stats`) while it captures. */
const STATS_EVERY_MS = 2000;
interface Incoming { event: string; data?: Record<string, unknown>; id?: string }
/**
 * The messages that may make their session this desktop's current one while it is in none: the consent
 * prompt, the resume token of the session's stream (it comes first), and the first mode (a Jump Client's
 * "notify" session starts without a prompt). Every other message about a session needs it to be current.
 */
const OPENS_SESSION = new Set(['assist.requested', 'session.resumable', 'session.mode']);

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
    prompt.onChoice((choice) => {
      if (!this.session) return prompt.notice('no session is running');
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
        const r = reply as { sessionId?: string | null; resumeToken?: string | null; limits?: { clipboardBytes?: number; fileBytes?: number }; entryPoints?: { supportButtons?: unknown; jumpClients?: unknown } } | undefined;
        // The PIN finds this desktop only once the node has it online (the hello may be refused: PIN_IN_USE): said then, not before.
        if (r) this.opts.log(`online; Assist PIN ${this.opts.state.pin} (read it to the technician who helps you)`);
        this.clipboard.setMaxBytes(Number(r?.limits?.clipboardBytes));
        this.files.setMaxBytes(Number(r?.limits?.fileBytes));
        // What the server holds is what is installed here: a removal or unpin missed while offline lands now.
        if (r?.entryPoints) this.entryPoints.reconcile(r.entryPoints);
        // The code did its work (or the server did not answer it): never send it again.
        if (r) this.attachCode = undefined;
        if (attachCode && r?.sessionId) this.opts.log(`joined session ${r.sessionId} with the attach code`);
        // The session this desktop was in before it reconnected is not the one the server holds it in (it ended,
        // or the customer was disconnected, while the agent was away): it is over here too, so the next one is heard.
        if (r && before && this.session?.id === before && r.sessionId !== before) {
          this.opts.log(`session ${before} is over: the server no longer has this desktop in it`);
          this.ended({ sessionId: before, reason: 'it ended while this desktop was offline' });
        }
        if (r?.sessionId && this.entryPoints.isDisconnectedFrom(r.sessionId)) {
          this.opts.log(`not rejoining session ${r.sessionId}: a technician disconnected this desktop from it`);
          return this.startSupport();
        }
        if (!r?.sessionId || !r.resumeToken || this.session?.resumeToken) return this.startSupport();
        this.session = { id: r.sessionId, mode: 'hold', resumeToken: r.resumeToken, lastSeq: 0 };
        this.opts.log(`rejoining session ${r.sessionId} (allowed before the restart)`);
        this.send('session.resume', { token: r.resumeToken, lastSeq: 0 });
      });
      if (this.session?.resumeToken) this.send('session.resume', { token: this.session.resumeToken, lastSeq: this.session.lastSeq });
      this.displays.start();
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
    return this.requests.send(event, data);
  }

  private sendInOrder(event: string, data: unknown): void {
    this.requests.sendInOrder(event, data);
  }

  private request(event: string, data: unknown, timeoutMs?: number): Promise<Record<string, unknown>> {
    return this.requests.request(event, data, timeoutMs);
  }

  private attachCode?: string;
  /** The last session whose end was told to the customer. */
  private lastEnded?: string;
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
        if (this.session?.id !== sessionId) this.session = { id: sessionId, mode: 'hold', lastSeq };
        this.opts.onSupportStarted?.(sessionId, queue);
      },
      refused: (code, message) => this.opts.onSupportRefused?.(code, message),
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
    if (msg.event === 'ack' || msg.event === 'error') {
      if (msg.id) this.requests.settle(msg.event, msg.id, d);
      if (msg.event === 'error') this.opts.log(`server refused ${msg.id ?? ''}: ${d.code} ${d.message}`);
      return;
    }
    if (this.entryPoints.onMessage(msg.event, d)) return;
    // Closing shells is always obeyed, a disconnected session's too (the close may arrive after its CustomerDisconnected).
    if (msg.event === 'shell.close') return this.shells.close(d.sessionId);
    // The one check for every message about a session (its data carry the sessionId): only this desktop's.
    if (typeof d.sessionId === 'string' && !this.isOwn(msg.event, d.sessionId)) return this.stray(msg.event, d);
    switch (msg.event) {
      case 'assist.requested': {
        const lastSeq = this.session?.id === d.sessionId ? this.session.lastSeq : 0;
        this.session = { id: d.sessionId, mode: 'hold', lastSeq };
        // Queued now, sent once answered: a choice typed after the answer goes after it.
        const answer = this.prompt.askAssist(d as unknown as AssistAsk);
        this.sendInOrder('assist.respond', answer.then((allow) => ({ sessionId: d.sessionId, allow })));
        return;
      }
      case 'request.pending':
        // Queued now, sent once answered (nothing if withdrawn meanwhile).
        this.questions.ask(d as unknown as RequestAsk);
        return;
      case 'session.resumable': {
        const current = this.session;
        if (current && current.id === d.sessionId) current.resumeToken = d.resumeToken;
        else this.session = { id: d.sessionId, mode: 'hold', resumeToken: d.resumeToken, lastSeq: 0 };
        return;
      }
      case 'session.event': {
        // isOwn let it through: it is the current session's.
        const current = this.session!;
        if (typeof d.seq === 'number') current.lastSeq = Math.max(current.lastSeq, d.seq);
        const type = (d as { type?: string }).type;
        if (type === 'CustomerDisconnected') return this.disconnected(current.id);
        // The customer reads when a technician runs a command shell on this computer, and when it closes.
        if (type === 'ShellOpened' || type === 'ShellClosed') return this.shellNotice(d as unknown as { type: string; actor?: { name?: string }; reason?: string });
        // The customer is told, and every line they read says so until it stops (docs/recording.md).
        if (type === 'RecordingStarted' || type === 'RecordingStopped') return this.prompt.set(type === 'RecordingStarted', String(d.by));
        // A request answered in the panel or whose asker is gone leaves the prompt.
        this.questions.onSessionEvent(d as unknown as { type: string });
        // A technician's file is put to the customer; an answer to the customer's own offer lets it go.
        this.files.onSessionEvent(d.sessionId, d as unknown as { type: string });
        return;
      }
      case 'shell.open':
        // Defence in depth: the server checked elevation; a shell runs only for the session this desktop is in
        // now (isOwn refuses one for another session, and one while in none: shell.open never opens a session).
        this.shells.open(d.sessionId, d.shellId, { cols: d.cols, rows: d.rows });
        return;
      case 'shell.input':
        this.shells.input(d.sessionId, d.shellId, d.data);
        return;
      case 'shell.resize':
        this.shells.resize(d.sessionId, d.shellId, { cols: d.cols, rows: d.rows });
        return;
      case 'file.chunk':
        return this.files.onChunk(d.fileId, d.offset, d.data);
      case 'file.done':
        return this.files.onDone(d.fileId);
      case 'session.mode':
        return this.applyMode(d.sessionId, d.mode);
      case 'session.state': {
        // After a resume the state says which mode the session is in (the agent may have missed the change).
        const st = d as unknown as { sessionId: string; status: string; mode: Mode; recording?: unknown; ended?: { reason?: string; lockDesktop?: boolean } | null; requests?: { requestId?: unknown }[] };
        if (this.session?.id !== st.sessionId) return;
        // The state closes a commit's events: a file offer cancelled in it is withdrawn now if nothing said why.
        this.files.withdrawCancelled();
        if (Array.isArray(st.requests)) this.questions.onState(st.requests);
        if (st.status === 'ended') return this.ended({ sessionId: st.sessionId, ...st.ended });
        if (typeof st.recording === 'boolean') this.prompt.set(st.recording);
        if (st.status === 'active' && st.mode !== this.session.mode) this.applyMode(st.sessionId, st.mode);
        this.applyBlock(st.status === 'active' && st.mode === 'interact' && !!(d as { inputBlock?: unknown }).inputBlock);
        return;
      }
      case 'input':
        return this.applyInput(d as unknown as ForwardedInput);
      case 'clipboard':
        // The technician's text or image: set only while in interact (the server checked the same).
        if (this.session?.mode === 'interact') this.clipboard.set(d);
        return;
      case 'pointer.remote':
        // Only while the screen is shared (the server sends them only then, too).
        if (this.session?.mode !== 'hold') this.overlay?.pointer(d.memberId, d.name, Number(d.monitor) || 0, Number(d.x), Number(d.y), d.visible !== false);
        return;
      case 'annotation.remote':
        if (this.session?.mode !== 'hold') this.overlay?.annotation(d.memberId, d.kind, Number(d.monitor) || 0, Array.isArray(d.points) ? (d.points as number[]).map(Number) : []);
        return;
      case 'rtc.offer':
      case 'rtc.ice':
      case 'rtc.close':
        this.opts.rtc?.signal(msg.event, d);
        return;
      case 'media.feedback':
        // The rung the slowest viewer allows (docs/media.md); never above what this agent was configured for.
        this.loop?.tune({ fps: Math.min(this.opts.fps, Number(d.maxFps) || this.opts.fps), quality: Math.min(this.opts.quality, Number(d.quality) || this.opts.quality) });
        this.qualityLevel = Number.isInteger(Number(d.level)) ? Number(d.level) : -1;
        return;
      case 'session.ended':
        // Only this desktop's session's end (isOwn) stops its work (capture, shells) or locks the desktop.
        return this.ended(d as unknown as { sessionId: string; reason?: string; lockDesktop?: boolean });
      default:
        return;
    }
  }

  /**
   * Whether a message about `sessionId` is for this desktop: its current session's; or, while it is in none,
   * one that opens a session (OPENS_SESSION) — never for a session it was disconnected from or that ended here.
   * A stray message (the server should never send one) must not move the desktop into another session: a mode
   * for s2 while in s1 would capture for s2, its input would be injected, its shell run.
   */
  private isOwn(event: string, sessionId: string): boolean {
    if (this.entryPoints.isDisconnectedFrom(sessionId)) return false;
    if (this.session) return this.session.id === sessionId;
    return OPENS_SESSION.has(event) && sessionId !== this.lastEnded;
  }

  /**
   * A message isOwn refused: logged (a session this desktop left still sends late ones: those are expected) and
   * otherwise ignored, but a command shell or a WebRTC viewer asked for is told no, so it does not wait.
   */
  private stray(event: string, d: Record<string, unknown>): void {
    const sessionId = String(d.sessionId);
    if (sessionId === this.lastEnded || this.entryPoints.isDisconnectedFrom(sessionId)) return;
    this.opts.log(`${event} for session ${sessionId} ignored: this desktop's session is ${this.session?.id ?? 'none'}`);
    if (event === 'shell.open') this.shells.refuse(sessionId, String(d.shellId), 'this desktop is not in that session');
    if (event === 'rtc.offer' && this.opts.rtc) this.send('rtc.close', { sessionId, viewerId: d.viewerId, reason: 'not sharing' });
  }

  private applyMode(sessionId: string, mode: Mode): void {
    if (!this.session) this.session = { id: sessionId, mode, lastSeq: 0 };
    this.session.mode = mode;
    this.prompt.notice(`mode is now ${mode}${mode === 'hold' ? ' (nobody sees your screen)' : mode === 'observe' ? ' (your screen is shared, no control)' : ' (shared, with control)'}`);
    this.clipboard.follow(mode === 'interact');
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
      this.injection.inject(inj, d);
    } catch (err) {
      // A display that went away or a keysym nobody can type: tell the log, keep the session.
      this.stats.inputsRefused += 1;
      this.opts.log(`input ${d.kind} not injected: ${(err as Error).message}`);
      return;
    }
    this.stats.inputsInjected += 1;
  }

  /** A link to this desktop's customer panel (answer requests, see who is connected, unblock), valid for a working day. */
  async customerPanel(): Promise<{ path: string; url: string | null }> {
    return (await this.request('customer.panel', {}, 5000)) as unknown as { path: string; url: string | null };
  }

  /** Whether the customer's keyboard and mouse are held now (tests and the status line). */
  get inputBlocked(): boolean {
    return this.inputBlock.blocked;
  }

  /** Holds the customer's keyboard and mouse as the session state says (only in interact). */
  private applyBlock(want: boolean): void {
    this.inputBlock.apply(want, this.session?.id);
  }

  /**
   * `customer.disconnect`: the owner ended this desktop's part of the session (it stays open for the
   * technicians' notes and chat). Capture stops, command shells are killed, the input block is released, and the agent never rejoins it.
   */
  private disconnected(sessionId: string): void {
    this.entryPoints.disconnectedFrom(sessionId);
    this.leave();
    this.prompt.notice('the technician disconnected you from the session: your screen is no longer shared and nobody controls this computer');
    this.opts.onDisconnected?.(sessionId);
  }

  private shellNotice(e: { type: string; actor?: { name?: string }; reason?: string }): void {
    if (e.type === 'ShellOpened') this.prompt.notice(`${e.actor?.name ?? 'a technician'} opened a command shell on this computer (administrator rights; its output is kept in the session's audit)`);
    else this.prompt.notice(`the command shell closed${e.reason && e.reason !== 'exit' ? ` (${e.reason.replace('-', ' ')})` : ''}`);
  }

  /** Everything this desktop did for its session stops: command shells, input block, capture, clipboard, files, overlay. */
  private leave(): void {
    this.shells.close();
    this.applyBlock(false);
    this.loop?.stop();
    // The next session starts at the top of the ladder again.
    this.loop?.tune({ fps: this.opts.fps, quality: this.opts.quality });
    this.qualityLevel = -1;
    this.clipboard.follow(false);
    this.files.clear();
    this.questions.clear();
    this.opts.rtc?.closeAll('session ended');
    this.overlay?.clear();
    this.prompt.clear();
    this.session = undefined;
  }

  /** The session's end, said once: the final session.state and session.ended both announce it. */
  private ended(d: { sessionId: string; reason?: string; lockDesktop?: boolean }): void {
    if (this.lastEnded === d.sessionId) return;
    this.lastEnded = d.sessionId;
    this.leave();
    this.prompt.notice(`the session has ended${d.reason ? ` (${d.reason})` : ''}`);
    this.opts.onSessionEnded?.(d.sessionId);
    if (d.lockDesktop && this.opts.lockCommand.length > 0) {
      const [cmd, ...args] = this.opts.lockCommand;
      this.opts.log(`elevated session ended by the customer: locking the desktop (${this.opts.lockCommand.join(' ')})`);
      execFile(cmd, args, (err) => err && this.opts.log(`lock command failed: ${err.message}`));
    }
  }
}
