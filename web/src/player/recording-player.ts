import { decodeFrame, FrameType } from '../../../src/media/frame-codec';
import { decodeRecording, recordJson, RecordKind, type RecordingRecord } from '../../../src/recording/recording-format';
import { keyframeAtOrBefore, keyframeIndex } from '../../../src/recording/seek-index';
import { h, saveBlob } from '../shared/dom';
import { describeEvent, eventKind } from '../shared/event-text';
import type { SessionEvent } from '../shared/protocol';
import { ScreenRenderer } from '../shared/screen-renderer';
import { toastError } from '../shared/toast';
import './player.css';
import { canMakeVideo, recordingToWebm } from './video-export';

/** Tiles fed to the renderer before waiting for it to draw them (its backlog drops beyond 400). */
const FEED_BATCH = 300;
const TICK_MS = 16;
const SPEEDS = [1, 2, 4] as const;
/** A laser stroke shows this long (playback time); pen strokes stay until cleared. */
const LASER_MS = 2000;
const BLANK = { width: 640, height: 360 };

type PlayerState = 'paused' | 'playing' | 'seeking' | 'ended';

export interface PlayerOptions {
  title?: string;
  onClose?: () => void;
  fileName?: string;
  /** The monitor shown first (default: the first one recorded). */
  monitor?: number;
  /** The recording's bytes for an export in a format, asked for as an export (reason, audit); null: cancelled. */
  exportBytes?: (format: 'trec' | 'webm') => Promise<Uint8Array | null>;
}

interface Stroke { memberId: string; points: number[]; laser: boolean; at: number }
interface Pointer { name: string; x: number; y: number }

const RECORDING_TEXT: Record<string, (e: SessionEvent, who: string) => string> = {
  RecordingStarted: (e, who) => (e.by === 'policy' ? `Recording started by policy${e.reason ? ` (${String(e.reason)})` : ''}` : `${who} started recording${e.reason ? ` — “${String(e.reason)}”` : ''}`),
  RecordingStopped: (e, who) => (e.by === 'limit' ? 'Recording stopped: the size limit was reached' : `${who} stopped recording`),
};

/** The event line in words (as the timelines say it), recording events included. */
function eventText(e: SessionEvent): string {
  const who = e.actor?.name || e.actor?.id || 'Someone';
  return RECORDING_TEXT[e.type]?.(e, who) ?? describeEvent(e, (id) => id);
}

function mmss(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** Resolves when the renderer has drawn every tile fed so far (its decode chain is private; read at runtime). */
function drawn(renderer: ScreenRenderer): Promise<void> {
  return (renderer as unknown as { chain: Promise<void> }).chain;
}

/**
 * Plays one session recording (docs/recording.md) in the browser: the screen with the pages' own
 * ScreenRenderer, pointers and annotations on an overlay, at 1×, 2× or 4×, a seek bar, and the
 * session's events, each of which jumps to its moment (every record up to and including the event is
 * applied: the screen then is exactly what viewers saw when it happened). Seeking back replays from
 * the start, drawing without delay.
 */
export class RecordingPlayer {
  readonly el: HTMLElement;
  readonly sessionId: string;
  private readonly records: RecordingRecord[];
  private readonly t0: number;
  readonly durationMs: number;
  private readonly canvas = h('canvas', { 'data-testid': 'player-canvas', width: BLANK.width, height: BLANK.height, 'aria-label': 'Recorded screen' });
  private readonly overlay = h('canvas', { class: 'player-overlay', width: BLANK.width, height: BLANK.height, 'aria-hidden': 'true' });
  private readonly renderer: ScreenRenderer;
  private readonly events: Array<{ index: number; event: SessionEvent; li: HTMLLIElement }> = [];
  private readonly playBtn = h('button', { type: 'button', class: 'primary', 'data-key': 'player-play', onclick: () => this.toggle() }, 'Play');
  private readonly speedBtns: HTMLButtonElement[];
  private readonly seek: HTMLInputElement;
  private readonly time = h('span', { class: 'player-time', 'aria-live': 'off' });
  private readonly pointers = new Map<string, Pointer>();
  private strokes: Stroke[] = [];
  private state: PlayerState = 'paused';
  private speed: number = 1;
  /** Records [0, applied) are on the screen. */
  private applied = 0;
  /** Playback position, ms after the first record. */
  private position = 0;
  private lastTick = 0;
  private timer: number | undefined;
  private ops: Promise<void> = Promise.resolve();
  private generation = 0;
  private monitor = 0;
  /** Records where a whole screen starts (src/recording/seek-index.ts): a seek draws from the last one before its target. */
  private readonly keyframes: number[];

  private readonly exportStatus = h('span', { class: 'small muted player-export-status', role: 'status', 'data-testid': 'player-export-status' });
  private exporting: AbortController | null = null;

  /**
   * Throws when the bytes are not a recording. `exportBytes` hands out the recording for an export (it asks
   * the reason policy wants and fetches it as an export, so the audit has it); without it there is no export.
   */
  constructor(bytes: Uint8Array, private readonly opts: PlayerOptions = {}) {
    const parsed = decodeRecording(bytes);
    if (!parsed.ok) throw new Error(`not a playable recording: ${parsed.message}`);
    this.sessionId = parsed.header.sessionId;
    this.records = parsed.records;
    this.t0 = this.records[0]?.time ?? parsed.header.startedAt;
    this.durationMs = Math.max(0, (this.records[this.records.length - 1]?.time ?? this.t0) - this.t0);
    this.monitor = opts.monitor ?? this.firstMonitor();
    this.keyframes = keyframeIndex(this.records, this.monitor);
    this.renderer = new ScreenRenderer(this.canvas);
    this.renderer.show(this.sessionId, this.monitor);
    this.seek = h('input', {
      type: 'range', min: 0, max: Math.max(1, Math.round(this.durationMs)), step: 1, value: 0, 'aria-label': 'Position', 'data-key': 'player-seek',
      oninput: () => this.seekTo(Number(this.seek.value)),
    });
    this.speedBtns = SPEEDS.map((s) => h('button', {
      type: 'button', class: 'small', 'aria-pressed': String(s === this.speed), 'data-key': `player-speed-${s}`, onclick: () => this.setSpeed(s),
    }, `${s}×`));
    this.el = this.build(parsed.truncated);
    this.sync();
  }

  /** Stops playback for good (the page leaves the player). */
  close(): void {
    this.exporting?.abort();
    this.state = 'paused';
    this.generation++;
    window.clearTimeout(this.timer);
  }

  play(): void {
    if (this.state === 'playing') return;
    if (this.state === 'ended' || this.position >= this.durationMs) this.seekTo(0);
    this.run(async () => {
      this.state = 'playing';
      this.lastTick = performance.now();
      this.sync();
      this.schedule(this.generation);
    });
  }

  pause(): void {
    if (this.state !== 'playing') return;
    this.generation++;
    window.clearTimeout(this.timer);
    this.run(async () => {
      await drawn(this.renderer);
      this.state = 'paused';
      this.sync();
    });
  }

  setSpeed(speed: number): void {
    this.speed = speed;
    this.speedBtns.forEach((b, i) => b.setAttribute('aria-pressed', String(SPEEDS[i] === speed)));
  }

  /** Shows the screen at `ms` after the start (paused). */
  seekTo(ms: number): void {
    const target = Math.max(0, Math.min(this.durationMs, ms));
    this.jump(this.indexAfter(target), target);
  }

  /** Shows the screen at the moment of the record `index` (it and everything before it applied; paused). */
  jumpToRecord(index: number): void {
    this.jump(index + 1, this.records[index].time - this.t0);
  }

  private jump(end: number, position: number): void {
    this.generation++;
    window.clearTimeout(this.timer);
    this.state = 'seeking';
    this.position = position;
    this.sync();
    this.run(async () => {
      // From the last whole screen before the target: backwards always, forwards when it skips records not yet drawn.
      const key = keyframeAtOrBefore(this.keyframes, end - 1);
      if (end < this.applied || key > this.applied) {
        this.reset();
        if (key > 0) this.skipTo(key);
      }
      await this.applyTo(end);
      await drawn(this.renderer);
      this.state = this.applied >= this.records.length && position >= this.durationMs ? 'ended' : 'paused';
      this.sync();
    });
  }

  /**
   * For a video export, on a player of its own: applies every record up to `ms` (forward only) and
   * resolves when the screen and the overlay (cursor, pointers, annotations) show that moment.
   */
  stepTo(ms: number): Promise<{ screen: HTMLCanvasElement; overlay: HTMLCanvasElement }> {
    return new Promise((resolve, reject) => {
      this.run(async () => {
        try {
          this.position = Math.max(this.position, Math.min(this.durationMs, ms));
          await this.applyTo(this.indexAfter(this.position));
          await drawn(this.renderer);
          this.drawOverlay();
          resolve({ screen: this.canvas, overlay: this.overlay });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
  }

  /** The size of the recorded screen (the monitor shown): its first screen info record; the blank stage's size without one. */
  get screenSize(): { width: number; height: number } {
    for (const r of this.records) {
      if (r.kind !== RecordKind.Media || r.payload[2] !== FrameType.ScreenInfo) continue;
      const p = decodeFrame(r.payload);
      if (p.ok && p.frame.type === FrameType.ScreenInfo && p.frame.monitor === this.monitor) return { width: p.frame.width, height: p.frame.height };
    }
    return BLANK;
  }

  private async exportFile(): Promise<void> {
    const bytes = await this.opts.exportBytes?.('trec');
    if (!bytes) return;
    saveBlob(new Blob([bytes as BlobPart], { type: 'application/vnd.tandem.recording' }), this.opts.fileName ?? `tandem-${this.sessionId}.trec`);
  }

  /** Renders the recording (the monitor shown now) into a WebM video on a player of its own, with progress. */
  private async exportVideo(button: HTMLButtonElement): Promise<void> {
    if (this.exporting) {
      this.exporting.abort();
      return;
    }
    const bytes = await this.opts.exportBytes?.('webm');
    if (!bytes) return;
    const stop = new AbortController();
    this.exporting = stop;
    button.textContent = 'Stop video';
    this.exportStatus.textContent = 'Making the video… 0 %';
    try {
      const source = new RecordingPlayer(bytes, { monitor: this.monitor });
      const started = performance.now();
      const video = await recordingToWebm(source, {
        signal: stop.signal,
        onProgress: (done) => { this.exportStatus.textContent = `Making the video… ${Math.floor(done * 100)} %`; },
      });
      source.close();
      saveBlob(video, `tandem-${this.sessionId}.webm`);
      const seconds = (performance.now() - started) / 1000;
      this.exportStatus.textContent = `Video saved: ${mmss(this.durationMs)} of recording, ${(video.size / 1024 / 1024).toFixed(1)} MiB, made in ${seconds.toFixed(1)} s.`;
      this.el.dataset.videoBytes = String(video.size);
    } catch (err) {
      if ((err as { name?: string }).name === 'AbortError') this.exportStatus.textContent = 'The video was stopped.';
      else {
        this.exportStatus.textContent = 'The video could not be made.';
        toastError(err instanceof Error ? err : new Error(String(err)), 'Export video');
      }
    } finally {
      this.exporting = null;
      button.textContent = 'Export video';
    }
  }

  private toggle(): void {
    if (this.state === 'playing') this.pause();
    else this.play();
  }

  /** Operations on the screen run one at a time. */
  private run(op: () => Promise<void>): void {
    this.ops = this.ops.then(op).catch(() => undefined);
  }

  private schedule(gen: number): void {
    this.timer = window.setTimeout(() => this.run(() => this.tick(gen)), TICK_MS);
  }

  private async tick(gen: number): Promise<void> {
    if (gen !== this.generation || this.state !== 'playing') return;
    const now = performance.now();
    this.position = Math.min(this.durationMs, this.position + (now - this.lastTick) * this.speed);
    this.lastTick = now;
    await this.applyTo(this.indexAfter(this.position));
    if (gen !== this.generation) return;
    if (this.applied >= this.records.length) {
      await drawn(this.renderer);
      this.position = this.durationMs;
      this.state = 'ended';
      this.sync();
      return;
    }
    this.sync();
    this.schedule(gen);
  }

  /** The index of the first record after `ms` (records are in time order). */
  private indexAfter(ms: number): number {
    let lo = 0;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.records[mid].time - this.t0 <= ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private reset(): void {
    this.applied = 0;
    this.canvas.width = BLANK.width;
    this.canvas.height = BLANK.height;
    this.renderer.clear();
    this.pointers.clear();
    this.strokes = [];
  }

  /**
   * Moves to record `key` (a key frame) without drawing a tile before it: the pointers, annotations,
   * cursor and screen size of that moment are applied (they are not in the key frame), tiles skipped.
   */
  private skipTo(key: number): void {
    for (let i = 0; i < key; i++) {
      const r = this.records[i];
      if (r.kind === RecordKind.Live) this.live(r);
      else if (r.kind === RecordKind.Media) {
        const type = r.payload[2]; // The frame's type (docs/protocol.md, Binary frames).
        if (type === FrameType.Cursor || type === FrameType.ScreenInfo) this.renderer.feed(r.payload);
      }
    }
    this.applied = key;
  }

  private async applyTo(end: number): Promise<void> {
    let fed = 0;
    while (this.applied < end && this.applied < this.records.length) {
      const r = this.records[this.applied++];
      if (r.kind === RecordKind.Media) {
        this.renderer.feed(r.payload);
        if (++fed >= FEED_BATCH) {
          await drawn(this.renderer);
          fed = 0;
        }
      } else if (r.kind === RecordKind.Live) this.live(r);
    }
  }

  private live(r: RecordingRecord): void {
    const msg = recordJson<{ event: string; data: Record<string, unknown> }>(r);
    if (!msg?.data || Number(msg.data.monitor ?? 0) !== this.monitor) return;
    const memberId = String(msg.data.memberId ?? '');
    const at = r.time - this.t0;
    if (msg.event === 'pointer.remote') {
      if (msg.data.visible === false) this.pointers.delete(memberId);
      else this.pointers.set(memberId, { name: String(msg.data.name ?? memberId), x: Number(msg.data.x), y: Number(msg.data.y) });
    } else if (msg.event === 'annotation.remote') {
      if (msg.data.kind === 'clear') this.strokes = this.strokes.filter((s) => s.memberId !== memberId);
      else if (Array.isArray(msg.data.points)) this.strokes.push({ memberId, points: (msg.data.points as unknown[]).map(Number), laser: msg.data.kind === 'laser', at });
    }
  }

  private drawOverlay(): void {
    const { width, height } = this.canvas;
    if (this.overlay.width !== width || this.overlay.height !== height) {
      this.overlay.width = width;
      this.overlay.height = height;
    }
    const ctx = this.overlay.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, width, height);
    ctx.lineWidth = Math.max(2, width / 400);
    ctx.lineCap = 'round';
    for (const s of this.strokes) {
      if (s.laser && this.position - s.at > LASER_MS) continue;
      ctx.strokeStyle = s.laser ? '#ff2020' : '#2f6fed';
      ctx.beginPath();
      for (let i = 0; i + 1 < s.points.length; i += 2) {
        const x = s.points[i] * width;
        const y = s.points[i + 1] * height;
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
      ctx.stroke();
    }
    const cursor = this.renderer.cursor;
    if (cursor) {
      ctx.fillStyle = '#fff';
      ctx.strokeStyle = '#000';
      ctx.beginPath();
      ctx.moveTo(cursor.x, cursor.y);
      ctx.lineTo(cursor.x, cursor.y + 16);
      ctx.lineTo(cursor.x + 11, cursor.y + 11);
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
    }
    ctx.font = '12px system-ui, sans-serif';
    for (const p of this.pointers.values()) {
      const x = p.x * width;
      const y = p.y * height;
      ctx.fillStyle = '#e0a100';
      ctx.beginPath();
      ctx.arc(x, y, 6, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillText(p.name, x + 9, y - 6);
    }
  }

  /** Reflects the state in the page: buttons, seek bar, time, the current event, test hooks. */
  private sync(): void {
    this.el.dataset.state = this.state;
    this.el.dataset.frames = String(this.renderer.framesDrawn);
    this.playBtn.textContent = this.state === 'playing' ? 'Pause' : 'Play';
    this.seek.value = String(Math.round(this.position));
    this.time.textContent = `${mmss(this.position)} / ${mmss(this.durationMs)}`;
    let current: HTMLLIElement | null = null;
    for (const e of this.events) if (e.index < this.applied) current = e.li;
    for (const e of this.events) {
      if (e.li === current) e.li.setAttribute('aria-current', 'true');
      else e.li.removeAttribute('aria-current');
    }
    if (current && this.state !== 'playing') current.scrollIntoView({ block: 'nearest' });
    this.drawOverlay();
  }

  private firstMonitor(): number {
    for (const r of this.records) {
      if (r.kind !== RecordKind.Media) continue;
      const p = decodeFrame(r.payload);
      if (p.ok && p.frame.type !== FrameType.RefreshRequest) return p.frame.monitor;
    }
    return 0;
  }

  private monitors(): number[] {
    const seen = new Set<number>();
    for (const r of this.records) {
      if (r.kind !== RecordKind.Media) continue;
      const p = decodeFrame(r.payload);
      if (p.ok) seen.add(p.frame.monitor);
      if (seen.size >= 16) break;
    }
    return [...seen].sort((a, b) => a - b);
  }

  private build(truncated: boolean): HTMLElement {
    const list = h('ol', { class: 'timeline player-events', 'aria-label': 'Recorded events' });
    this.records.forEach((r, index) => {
      if (r.kind !== RecordKind.Event) return;
      const event = recordJson<SessionEvent>(r);
      if (!event?.type) return;
      const li = h('li', {
        class: `k-${eventKind(event.type)} clickable`, 'data-type': event.type, 'data-seq': event.seq, tabindex: 0, role: 'button',
        title: 'Show the screen at this moment',
        onclick: () => this.jumpToRecord(index),
        onkeydown: (ev: KeyboardEvent) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); this.jumpToRecord(index); } },
      }, h('time', null, mmss(r.time - this.t0)), h('span', { class: 'text' }, eventText(event)));
      this.events.push({ index, event, li });
      list.appendChild(li);
    });
    if (this.events.length === 0) list.appendChild(h('li', { class: 'empty' }, 'No events were recorded.'));
    const frames = this.records.filter((r) => r.kind === RecordKind.Media).length;
    const monitors = this.monitors();
    const monitorPick = monitors.length > 1 ? h('select', {
      'aria-label': 'Monitor', onchange: (ev: Event) => {
        this.monitor = Number((ev.target as HTMLSelectElement).value);
        this.renderer.show(this.sessionId, this.monitor);
        const at = this.position;
        this.applied = Number.MAX_SAFE_INTEGER;
        this.seekTo(at);
      },
    }, monitors.map((m) => h('option', { value: m, selected: m === this.monitor }, `Monitor ${m + 1}`))) : null;
    const download = this.opts.exportBytes ? h('button', { type: 'button', 'data-key': 'player-export', title: 'The recording as one .trec file (screen and events)', onclick: () => void this.exportFile() }, 'Export file') : null;
    const video = this.opts.exportBytes ? h('button', { type: 'button', 'data-key': 'player-video', title: 'The screen as a WebM video, made in this browser', disabled: true }, 'Export video') as HTMLButtonElement : null;
    if (video) {
      video.addEventListener('click', () => void this.exportVideo(video));
      void canMakeVideo().then((ok) => {
        video.disabled = !ok;
        if (!ok) video.title = 'This browser cannot encode video (WebCodecs with VP8)';
      });
    }
    const close = this.opts.onClose ? h('button', { type: 'button', 'data-key': 'player-close', onclick: () => { this.close(); this.opts.onClose?.(); } }, 'Back to the list') : null;
    const root = h('section', { class: 'card admin-card player', 'data-testid': 'player', 'aria-label': 'Recording player' },
      h('header', { class: 'admin-card-head' },
        h('div', null, h('h3', null, this.opts.title ?? 'Recording'),
          h('p', { class: 'small muted' }, `Session ${this.sessionId} · ${mmss(this.durationMs)} · ${frames} frames · ${this.events.length} events${truncated ? ' · the file ends in a cut record (the recording node stopped while writing)' : ''}`)),
        h('div', { class: 'row' }, this.exportStatus, monitorPick, download, video, close)),
      h('div', { class: 'player-body' },
        h('div', { class: 'player-screen' },
          h('div', { class: 'player-stage' }, h('div', { class: 'player-frame' }, this.canvas, this.overlay)),
          h('div', { class: 'player-controls' }, this.playBtn, h('div', { class: 'player-speeds', role: 'group', 'aria-label': 'Speed' }, this.speedBtns), this.seek, this.time)),
        h('aside', { class: 'player-side' }, h('h2', null, `Timeline (${this.events.length} events)`), list)));
    return root;
  }
}
