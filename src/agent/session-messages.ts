import { execFile } from 'node:child_process';
import type { AgentClientOptions } from './agent-client-options';
import type { CaptureLoop } from './capture-loop';
import { ConsentQuestion } from './consent-question';
import type { ClipboardFollower } from './clipboard-follower';
import type { AssistAsk, RequestAsk } from './customer-prompt';
import type { EntryPoints } from './entry-points';
import type { FileTransfers } from './file-transfers';
import type { InputBlockFollower } from './input-block-follower';
import type { ForwardedInput, InputInjection } from './input-injection';
import type { RemoteOverlay } from './overlay';
import type { RecordingNotice } from './recording-notice';
import type { RemoteShells } from './remote-shell';
import type { RequestQuestions } from './request-questions';

export type Mode = 'hold' | 'observe' | 'interact';

/** The session this desktop is in: its id, the mode it obeys, its stream's resume token and the last seq heard. */
export interface CurrentSession { id: string; mode: Mode; resumeToken?: string; lastSeq: number }

/**
 * The messages that may make their session this desktop's current one while it is in none: the consent
 * prompt, the resume token of the session's stream (it comes first), and the first mode (a Jump Client's
 * "notify" session starts without a prompt). Every other message about a session needs it to be current.
 */
const OPENS_SESSION = new Set(['assist.requested', 'session.resumable', 'session.mode']);

/** What the session's messages drive: the desktop's parts, the customer's prompt, and the way back to the server. */
export interface SessionMessagePorts {
  opts: Pick<AgentClientOptions, 'rtc' | 'injector' | 'fps' | 'quality' | 'lockCommand' | 'log' | 'onSessionEnded' | 'onDisconnected'>;
  /** The customer's prompt, marked "[recorded]" while the session is recorded. */
  prompt: RecordingNotice;
  questions: RequestQuestions;
  files: FileTransfers;
  shells: RemoteShells;
  entryPoints: EntryPoints;
  clipboard: ClipboardFollower;
  inputBlock: InputBlockFollower;
  injection: InputInjection;
  loop?: CaptureLoop;
  overlay?: RemoteOverlay;
  /** The agent's counters of input injected and refused. */
  stats: { inputsInjected: number; inputsRefused: number };
  send(event: string, data: unknown): string;
  /** Queued after the customer's earlier answers and choices; a payload resolving to undefined sends nothing. */
  sendInOrder(event: string, data: unknown): void;
}

/**
 * The server's messages about this desktop's session (docs/protocol.md, "agent"), and the session they are
 * about: the one check that a message is this desktop's (isOwn), then what each one does here — the consent
 * prompt, the mode obeyed (capture only out of hold, injection only in interact), requests and files put to the
 * customer, command shells, the overlay, the end (everything the desktop did for the session stops).
 */
export class SessionMessages {
  /** This desktop's session, if it is in one. */
  session?: CurrentSession;
  /** The ladder rung of the last media.feedback applied (-1: none yet; docs/media.md). */
  qualityLevel = -1;
  /** The last session whose end was told to the customer. */
  private lastEnded?: string;
  /** The customer's consent to the assist request, withdrawn when it is over without their answer here. */
  private readonly consent: ConsentQuestion;

  constructor(private readonly ports: SessionMessagePorts) {
    this.consent = new ConsentQuestion({ prompt: ports.prompt, answer: (event, data) => ports.sendInOrder(event, data) });
  }

  /** A message from the server that is neither a reply nor about entry points; `d` is its data. */
  handle(event: string, d: Record<string, never>): void {
    const { prompt, questions, files, shells, opts } = this.ports;
    // Closing shells is always obeyed, a disconnected session's too (the close may arrive after its CustomerDisconnected).
    if (event === 'shell.close') return shells.close(d.sessionId);
    // The one check for every message about a session (its data carry the sessionId): only this desktop's.
    if (typeof d.sessionId === 'string' && !this.isOwn(event, d.sessionId)) return this.stray(event, d);
    switch (event) {
      case 'assist.requested': {
        const lastSeq = this.session?.id === d.sessionId ? this.session.lastSeq : 0;
        this.session = { id: d.sessionId, mode: 'hold', lastSeq };
        // Queued now, sent once answered: a choice typed after the answer goes after it (nothing if withdrawn meanwhile).
        this.consent.ask(d as unknown as AssistAsk);
        return;
      }
      case 'request.pending':
        // Queued now, sent once answered (nothing if withdrawn meanwhile).
        questions.ask(d as unknown as RequestAsk);
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
        if (type === 'RecordingStarted' || type === 'RecordingStopped') return prompt.set(type === 'RecordingStarted', String(d.by));
        // The consent or a request answered in the panel, or a request whose asker is gone, leaves the prompt.
        this.consent.onSessionEvent(d as unknown as { type: string });
        questions.onSessionEvent(d as unknown as { type: string });
        // A technician's file is put to the customer; an answer to the customer's own offer lets it go.
        files.onSessionEvent(d.sessionId, d as unknown as { type: string });
        return;
      }
      case 'shell.open':
        // Defence in depth: the server checked elevation; a shell runs only for the session this desktop is in
        // now (isOwn refuses one for another session, and one while in none: shell.open never opens a session).
        shells.open(d.sessionId, d.shellId, { cols: d.cols, rows: d.rows });
        return;
      case 'shell.input':
        shells.input(d.sessionId, d.shellId, d.data);
        return;
      case 'shell.resize':
        shells.resize(d.sessionId, d.shellId, { cols: d.cols, rows: d.rows });
        return;
      case 'file.chunk':
        return files.onChunk(d.fileId, d.offset, d.data);
      case 'file.done':
        return files.onDone(d.fileId);
      case 'session.mode':
        return this.applyMode(d.sessionId, d.mode);
      case 'session.state': {
        // After a resume the state says which mode the session is in (the agent may have missed the change).
        const st = d as unknown as { sessionId: string; status: string; mode: Mode; recording?: unknown; ended?: { reason?: string; lockDesktop?: boolean } | null; requests?: { requestId?: unknown }[] };
        if (this.session?.id !== st.sessionId) return;
        // The state closes a commit's events: a file offer cancelled in it is withdrawn now if nothing said why.
        files.withdrawCancelled();
        if (Array.isArray(st.requests)) questions.onState(st.requests);
        if (st.status === 'ended') return this.ended({ sessionId: st.sessionId, ...st.ended });
        if (typeof st.recording === 'boolean') prompt.set(st.recording);
        if (st.status === 'active' && st.mode !== this.session.mode) this.applyMode(st.sessionId, st.mode);
        this.applyBlock(st.status === 'active' && st.mode === 'interact' && !!(d as { inputBlock?: unknown }).inputBlock);
        return;
      }
      case 'input':
        return this.applyInput(d as unknown as ForwardedInput);
      case 'clipboard':
        // The technician's text or image: set only while in interact (the server checked the same).
        if (this.session?.mode === 'interact') this.ports.clipboard.set(d);
        return;
      case 'pointer.remote':
        // Only while the screen is shared (the server sends them only then, too).
        if (this.session?.mode !== 'hold') this.ports.overlay?.pointer(d.memberId, d.name, Number(d.monitor) || 0, Number(d.x), Number(d.y), d.visible !== false);
        return;
      case 'annotation.remote':
        if (this.session?.mode !== 'hold') this.ports.overlay?.annotation(d.memberId, d.kind, Number(d.monitor) || 0, Array.isArray(d.points) ? (d.points as number[]).map(Number) : []);
        return;
      case 'rtc.offer':
      case 'rtc.ice':
      case 'rtc.close':
        opts.rtc?.signal(event, d);
        return;
      case 'media.feedback':
        // The rung the slowest viewer allows (docs/media.md); never above what this agent was configured for.
        this.ports.loop?.tune({ fps: Math.min(opts.fps, Number(d.maxFps) || opts.fps), quality: Math.min(opts.quality, Number(d.quality) || opts.quality) });
        this.qualityLevel = Number.isInteger(Number(d.level)) ? Number(d.level) : -1;
        return;
      case 'session.ended':
        // Only this desktop's session's end (isOwn) stops its work (capture, shells) or locks the desktop.
        return this.ended(d as unknown as { sessionId: string; reason?: string; lockDesktop?: boolean });
      default:
        return;
    }
  }

  /** Holds the customer's keyboard and mouse as the session state says (only in interact). */
  applyBlock(want: boolean): void {
    this.ports.inputBlock.apply(want, this.session?.id);
  }

  /** The session's end, said once: the final session.state and session.ended both announce it. */
  ended(d: { sessionId: string; reason?: string; lockDesktop?: boolean }): void {
    if (this.lastEnded === d.sessionId) return;
    const { opts } = this.ports;
    this.lastEnded = d.sessionId;
    // A consent still asked: the technician cancelled the request (or it ended otherwise) before the customer answered.
    this.consent.ended(d.reason);
    this.leave();
    this.ports.prompt.notice(`the session has ended${d.reason ? ` (${d.reason})` : ''}`);
    opts.onSessionEnded?.(d.sessionId);
    if (d.lockDesktop && opts.lockCommand.length > 0) {
      const [cmd, ...args] = opts.lockCommand;
      opts.log(`elevated session ended by the customer: locking the desktop (${opts.lockCommand.join(' ')})`);
      execFile(cmd, args, (err) => err && opts.log(`lock command failed: ${err.message}`));
    }
  }

  /**
   * Whether a message about `sessionId` is for this desktop: its current session's; or, while it is in none,
   * one that opens a session (OPENS_SESSION) — never for a session it was disconnected from or that ended here.
   * A stray message (the server should never send one) must not move the desktop into another session: a mode
   * for s2 while in s1 would capture for s2, its input would be injected, its shell run.
   */
  private isOwn(event: string, sessionId: string): boolean {
    if (this.ports.entryPoints.isDisconnectedFrom(sessionId)) return false;
    if (this.session) return this.session.id === sessionId;
    return OPENS_SESSION.has(event) && sessionId !== this.lastEnded;
  }

  /**
   * A message isOwn refused: logged (a session this desktop left still sends late ones: those are expected) and
   * otherwise ignored, but a command shell or a WebRTC viewer asked for is told no, so it does not wait.
   */
  private stray(event: string, d: Record<string, unknown>): void {
    const sessionId = String(d.sessionId);
    if (sessionId === this.lastEnded || this.ports.entryPoints.isDisconnectedFrom(sessionId)) return;
    this.ports.opts.log(`${event} for session ${sessionId} ignored: this desktop's session is ${this.session?.id ?? 'none'}`);
    if (event === 'shell.open') this.ports.shells.refuse(sessionId, String(d.shellId), 'this desktop is not in that session');
    if (event === 'rtc.offer' && this.ports.opts.rtc) this.ports.send('rtc.close', { sessionId, viewerId: d.viewerId, reason: 'not sharing' });
  }

  private applyMode(sessionId: string, mode: Mode): void {
    const { loop, opts } = this.ports;
    if (!this.session) this.session = { id: sessionId, mode, lastSeq: 0 };
    this.session.mode = mode;
    this.ports.prompt.notice(`mode is now ${mode}${mode === 'hold' ? ' (nobody sees your screen)' : mode === 'observe' ? ' (your screen is shared, no control)' : ' (shared, with control)'}`);
    this.ports.clipboard.follow(mode === 'interact');
    if (mode !== 'interact') this.applyBlock(false);
    if (mode === 'hold') {
      loop?.stop();
      opts.rtc?.closeAll('hold');
      this.ports.overlay?.clear();
    } else {
      loop?.start(sessionId);
    }
  }

  private applyInput(d: ForwardedInput): void {
    const { stats, opts } = this.ports;
    // Defence in depth: the server already checked mode and control; refuse anyway if we disagree.
    if (!this.session || this.session.id !== d.sessionId || this.session.mode !== 'interact' || !opts.injector) {
      stats.inputsRefused += 1;
      return;
    }
    try {
      this.ports.injection.inject(opts.injector, d);
    } catch (err) {
      // A display that went away or a keysym nobody can type: tell the log, keep the session.
      stats.inputsRefused += 1;
      opts.log(`input ${d.kind} not injected: ${(err as Error).message}`);
      return;
    }
    stats.inputsInjected += 1;
  }

  /**
   * `customer.disconnect`: the owner ended this desktop's part of the session (it stays open for the
   * technicians' notes and chat). Capture stops, command shells are killed, the input block is released, and the agent never rejoins it.
   */
  private disconnected(sessionId: string): void {
    this.ports.entryPoints.disconnectedFrom(sessionId);
    this.consent.ended('the technician disconnected you from the session');
    this.leave();
    this.ports.prompt.notice('the technician disconnected you from the session: your screen is no longer shared and nobody controls this computer');
    this.ports.opts.onDisconnected?.(sessionId);
  }

  private shellNotice(e: { type: string; actor?: { name?: string }; reason?: string }): void {
    if (e.type === 'ShellOpened') this.ports.prompt.notice(`${e.actor?.name ?? 'a technician'} opened a command shell on this computer (administrator rights; its output is kept in the session's audit)`);
    else this.ports.prompt.notice(`the command shell closed${e.reason && e.reason !== 'exit' ? ` (${e.reason.replace('-', ' ')})` : ''}`);
  }

  /** Everything this desktop did for its session stops: command shells, input block, capture, clipboard, files, overlay. */
  private leave(): void {
    const { loop, opts } = this.ports;
    this.ports.shells.close();
    this.applyBlock(false);
    loop?.stop();
    // The next session starts at the top of the ladder again.
    loop?.tune({ fps: opts.fps, quality: opts.quality });
    this.qualityLevel = -1;
    this.ports.clipboard.follow(false);
    this.ports.files.clear();
    this.ports.questions.clear();
    opts.rtc?.closeAll('session ended');
    this.ports.overlay?.clear();
    this.ports.prompt.clear();
    this.session = undefined;
  }
}
