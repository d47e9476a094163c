import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit, Optional } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { Metrics } from '../admin/metrics';
import { SESSION } from '../actors/aggregates/session.aggregate';
import type { Store, Unsubscribe } from '../cluster/ports';
import type { TandemConfig } from '../config/config.schema';
import { CONFIG } from '../config/config.token';
import { recordingByPolicy, type SessionEvent, type SessionState } from '../domain';
import { ConnectionRegistry } from '../gateways/connection-registry';
import { SYSTEM_ACTOR } from '../gateways/sessions/actor-of';
import { type CommitMessage, SessionFanout } from '../gateways/sessions/session-fanout';
import { SessionRouter } from '../gateways/sessions/session-router';
import { STORE } from '../gateways/sessions/tokens';
import type { MediaFrame } from '../media/frame-codec';
import { MediaRelay } from '../media/relay';
import { ScreenAudience } from '../media/screen-audience';
import { NodeInfo } from '../node/node-info';
import { RecordKind, type RecordingMarker } from './recording-format';
import { RECORDING_STORE, type RecordingStore } from './recording-store';
import { RecordingWriter } from './recording-writer';

/** Queued records are written this often. */
const FLUSH_MS = 100;
/** The retention sweep runs this often (and once shortly after start). */
const SWEEP_MS = 3600_000;
const DAY_MS = 86_400_000;
/** Live messages worth recording (annotations and shown pointers), as the Messenger sends them. */
const LIVE_EVENTS = new Set(['annotation.remote', 'pointer.remote']);

const utf8 = new TextEncoder();

export interface RecorderCounters {
  framesRecorded: number;
  /** Frames dropped because a recording's queue was over recording.maxQueueBytes (the store was behind). */
  framesDropped: number;
  /** Gaps closed (a gap marker written and a full frame asked for). */
  gaps: number;
  eventsRecorded: number;
  liveRecorded: number;
  recordingsFull: number;
  writeErrors: number;
}

/**
 * Records sessions whose state says `recording` (docs/recording.md). The writer of a session is the
 * node that holds its agent connection: it taps the relay for the agent's frames (only frames that
 * someone may see: never in hold) and appends the session's events as it hears their commits (every
 * node hears every commit) and the annotations and pointers as the bus carries them, all in the order
 * this node saw them. After a failover the node the agent reconnects to continues the same recording.
 */
@Injectable()
export class SessionRecorder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('recording');
  private readonly writers = new Map<string, RecordingWriter>();
  /** Writers being closed: a new writer of the same session opens after its predecessor finished. */
  private readonly closing = new Map<string, Promise<void>>();
  /** Per session, whether it was recording at the last commit this node heard. */
  private readonly isOn = new Map<string, boolean>();
  private flushTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private firstSweep?: NodeJS.Timeout;
  private unsubscribe: Unsubscribe | null = null;
  readonly counters: RecorderCounters = { framesRecorded: 0, framesDropped: 0, gaps: 0, eventsRecorded: 0, liveRecorded: 0, recordingsFull: 0, writeErrors: 0 };

  constructor(
    @Inject(RECORDING_STORE) readonly store: RecordingStore,
    @Inject(CONFIG) private readonly config: TandemConfig,
    @Inject(STORE) private readonly cluster: Store,
    private readonly relay: MediaRelay,
    private readonly audience: ScreenAudience,
    private readonly fanout: SessionFanout,
    private readonly router: SessionRouter,
    private readonly connections: ConnectionRegistry,
    private readonly node: NodeInfo,
    @Optional() private readonly metrics?: Metrics,
  ) {
  }

  async onModuleInit(): Promise<void> {
    this.relay.onRelayed((frame, bytes) => this.onFrame(frame, bytes));
    this.fanout.on('session', (msg) => this.onCommit(msg));
    this.audience.onChange((change) => {
      // The screen became visible again while recording: the recording needs a full frame.
      if (change.added.length > 0 && change.state.recording && this.isWriter(change.state)) this.relay.refresh(change.sessionId);
    });
    this.registerMetrics();
    this.unsubscribe = await this.cluster.bus.subscribe('direct', (raw) => this.onDirect(raw));
    this.flushTimer = setInterval(() => this.flushAll(), FLUSH_MS);
    this.flushTimer.unref();
    if (this.config.recording.retentionDays > 0) {
      this.firstSweep = setTimeout(() => void this.sweep(), 5000);
      this.firstSweep.unref();
      this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_MS);
      this.sweepTimer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    for (const t of [this.flushTimer, this.sweepTimer]) if (t) clearInterval(t);
    if (this.firstSweep) clearTimeout(this.firstSweep);
    await this.unsubscribe?.().catch(() => undefined);
    await Promise.all([...this.writers.values()].map((w) => w.close()));
    this.writers.clear();
    await Promise.all([...this.closing.values()]);
  }

  /** Writes every queued record now (tests and the export of a live recording). */
  async flush(sessionId?: string): Promise<void> {
    const writers = sessionId ? [this.writers.get(sessionId)].filter((w): w is RecordingWriter => !!w) : [...this.writers.values()];
    await Promise.all(writers.map((w) => w.flush()));
    await Promise.all(sessionId ? [this.closing.get(sessionId)] : [...this.closing.values()]);
  }

  /** True while this node writes the session's recording. */
  isRecordingHere(sessionId: string): boolean {
    return this.writers.has(sessionId);
  }

  /** Deletes recordings whose last record is older than recording.retentionDays; returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    const days = this.config.recording.retentionDays;
    if (days <= 0) return 0;
    let deleted = 0;
    try {
      for (const meta of await this.store.list()) {
        const last = meta.lastAt || meta.startedAt;
        if (this.writers.has(meta.sessionId) || last === 0 || now - last < days * DAY_MS) continue;
        await this.store.delete(meta.sessionId);
        deleted++;
        this.logger.log(`recording deleted after ${days} days [session:${meta.sessionId}]`);
      }
    } catch (err) {
      this.logger.error({ err }, 'recording retention sweep failed');
    }
    return deleted;
  }

  /** The recorder's counters on /metrics (no label per session: bounded cardinality). */
  private registerMetrics(): void {
    const r = this.metrics?.registry;
    if (!r) return;
    const c = this.counters;
    const counter = (name: string, help: string, read: () => number): void => {
      new Counter({ name, help, registers: [r], collect() { this.reset(); this.inc(read()); } });
    };
    counter('tandem_recording_frames_total', 'media frames appended to recordings on this node', () => c.framesRecorded);
    counter('tandem_recording_frames_dropped_total', 'media frames not recorded because a recording queue was over recording.maxQueueBytes (the store was behind)', () => c.framesDropped);
    counter('tandem_recording_gaps_total', 'gaps in recordings closed by a gap marker and a full frame', () => c.gaps);
    counter('tandem_recording_write_errors_total', 'failed writes to the recording store', () => c.writeErrors);
    const writers = this.writers;
    new Gauge({
      name: 'tandem_recording_queued_bytes', help: 'bytes of recordings queued in memory on this node, not yet written', registers: [r],
      collect() { this.set([...writers.values()].reduce((n, w) => n + w.queuedBytes, 0)); },
    });
  }

  /** A frame the relay lets out (someone may see the screen now): appended when the session is recorded. */
  private onFrame(frame: MediaFrame, bytes: Uint8Array): void {
    const state = this.audience.cached(frame.sessionId);
    if (!state || !state.recording || state.status !== 'active') return;
    // The relay only taps frames that have an audience; this check keeps that true if it ever changes.
    if (this.audience.audienceOf(frame.sessionId).size === 0) return;
    const writer = this.writerFor(state, 'resume');
    if (!writer) return;
    const dropped = writer.droppedFrames;
    if (writer.add(RecordKind.Media, bytes)) this.counters.framesRecorded++;
    else if (writer.droppedFrames > dropped) this.counters.framesDropped++;
  }

  private onCommit(msg: CommitMessage): void {
    const state = msg.state as SessionState;
    const events = msg.events as SessionEvent[];
    const sessionId = msg.id;
    let on = this.isOn.get(sessionId) ?? wasRecordingBefore(events, state);
    // A writer opened by this commit starts the recording, or continues one another node (or an earlier run) wrote.
    const why = events.some((e) => e.type === 'RecordingStarted') ? 'start' : 'resume';
    const writer = () => (this.isWriter(state) ? this.writerFor(state, why) : undefined);
    for (const e of events) {
      if (e.type === 'RecordingStarted') {
        on = true;
        // Whatever this node wrote before is continued; the first frame after a start is a full one.
        if (this.isWriter(state)) this.relay.refresh(sessionId);
      }
      if (on) {
        if (writer()?.add(RecordKind.Event, utf8.encode(JSON.stringify(e)))) this.counters.eventsRecorded++;
      }
      if (e.type === 'RecordingStopped' || e.type === 'SessionEnded') on = false;
    }
    this.isOn.set(sessionId, on && state.status !== 'ended');
    if (!state.recording || state.status === 'ended') {
      this.isOn.delete(sessionId);
      this.closeWriter(sessionId);
    }
    if (msg.node === this.node.id) this.applyPolicy(state, events);
  }

  /** On the node that made the commit: a session that policy records (a team, a Jump Group) and that just became active is recorded. */
  private applyPolicy(state: SessionState, events: SessionEvent[]): void {
    const reason = recordingByPolicy(state, events, this.config.recording.policy);
    if (!reason) return;
    this.router.ask(SESSION, state.sessionId, { type: 'StartRecording', reason }, SYSTEM_ACTOR)
      .catch((err: unknown) => {
        if ((err as { code?: string }).code !== 'ALREADY_RECORDING') this.logger.warn({ err }, `recording by policy failed [session:${state.sessionId}]`);
      });
  }

  /** Annotations and shown pointers, as the Messenger publishes them on the bus. */
  private onDirect(raw: string): void {
    if (!raw.includes('.remote"')) return;
    let msg: { event?: string; data?: { sessionId?: unknown } };
    try {
      msg = JSON.parse(raw) as typeof msg;
    } catch {
      return;
    }
    if (!msg.event || !LIVE_EVENTS.has(msg.event) || typeof msg.data?.sessionId !== 'string') return;
    const state = this.audience.cached(msg.data.sessionId);
    if (!state || !state.recording || state.status !== 'active' || this.audience.audienceOf(state.sessionId).size === 0) return;
    if (!this.isWriter(state)) return;
    if (this.writerFor(state, 'resume')?.add(RecordKind.Live, utf8.encode(JSON.stringify({ event: msg.event, data: msg.data })))) this.counters.liveRecorded++;
  }

  /** This node writes a session's recording when its agent is connected here. */
  private isWriter(state: SessionState): boolean {
    if (!state.agentId) return false;
    return this.connections.ofIdentity('agent', state.agentId).some((c) => c.endpoint === 'agent');
  }

  /** The session's writer, opened (with a marker) when this node starts or resumes writing it. */
  private writerFor(state: SessionState, why: RecordingMarker['kind']): RecordingWriter | undefined {
    const sessionId = state.sessionId;
    let writer = this.writers.get(sessionId);
    if (writer) return writer.full ? undefined : writer;
    writer = new RecordingWriter(sessionId, this.store, {
      maxBytes: this.config.recording.maxBytes,
      maxQueueBytes: this.config.recording.maxQueueBytes,
      node: this.node.id,
      now: () => Date.now(),
      onGap: (dropped) => {
        // The frames after a gap are differences to a screen the recording does not have: ask for a whole one.
        this.counters.gaps++;
        this.logger.warn(`recording store fell behind: ${dropped} frames dropped [session:${sessionId}]`);
        this.relay.refresh(sessionId);
      },
      onFull: () => this.onFull(sessionId),
      onError: (err) => {
        this.counters.writeErrors++;
        this.logger.error({ err }, `recording write failed [session:${sessionId}]`);
      },
    });
    this.writers.set(sessionId, writer);
    const opened = writer;
    void writer.open(this.closing.get(sessionId)).then(() => {
      if (opened.tornBytes > 0) this.logger.warn(`recording continued after a torn last record: ${opened.tornBytes} bytes cut off [session:${sessionId}]`);
    });
    const marker: RecordingMarker = { kind: why, node: this.node.id, mode: state.mode };
    writer.add(RecordKind.Marker, utf8.encode(JSON.stringify(marker)));
    // A resumed recording (another node wrote it before, or this node restarted) starts from a full frame.
    if (why === 'resume') this.relay.refresh(sessionId);
    return writer;
  }

  /** recording.maxBytes reached: nothing more is written, a log line, and the recording is stopped (an event everyone sees). */
  private onFull(sessionId: string): void {
    this.counters.recordingsFull++;
    this.logger.warn(`recording reached recording.maxBytes (${this.config.recording.maxBytes}); stopped [session:${sessionId}]`);
    this.router.ask(SESSION, sessionId, { type: 'StopRecording' }, SYSTEM_ACTOR)
      .catch((err: unknown) => this.logger.warn({ err }, `stopping a full recording failed [session:${sessionId}]`));
  }

  private closeWriter(sessionId: string): void {
    const writer = this.writers.get(sessionId);
    if (!writer) return;
    this.writers.delete(sessionId);
    const done = writer.close().finally(() => {
      if (this.closing.get(sessionId) === done) this.closing.delete(sessionId);
    });
    this.closing.set(sessionId, done);
  }

  private flushAll(): void {
    for (const w of this.writers.values()) void w.flush();
  }
}

/** Whether a session was recording before these events (walked back from the state after them). */
function wasRecordingBefore(events: readonly SessionEvent[], state: SessionState): boolean {
  let on = state.recording;
  for (let i = events.length - 1; i >= 0; i--) {
    if (events[i].type === 'RecordingStarted') on = false;
    else if (events[i].type === 'RecordingStopped') on = true;
  }
  return on;
}
