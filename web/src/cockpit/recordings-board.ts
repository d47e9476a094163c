import { clock, h, replace } from '../shared/dom';
import { toastError } from '../shared/toast';
import { askRecordingReason, recordingFileUrl } from '../player/recording-access';
import { RecordingPlayer } from '../player/recording-player';
import './recordings-board.css';

/** One row of `GET /api/recordings`: a recording this technician may play. */
export interface PlayableRecording {
  sessionId: string; startedAt: number; lastAt: number; durationMs: number; bytes: number; frames: number; events: number; full: boolean; recordingHere: boolean;
  customer?: string | null; ownerId?: string | null; status?: string;
}

function length(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

function when(at: number): string {
  if (!at) return '—';
  const d = new Date(at);
  return d.toDateString() === new Date().toDateString() ? clock(at) : `${d.toLocaleDateString()} ${clock(at)}`;
}

/**
 * The cockpit's Recordings board: the recordings of sessions I may see (my sessions and the ones I
 * was in; my teams' sessions for a supervisor; every one for an admin — the server decides, with
 * `authorizeRecordingAccess`), each played here in the shared RecordingPlayer (1×/2×/4×, seek, jump
 * to an event). Where policy requires it a reason is asked first (docs/recording.md).
 */
export class RecordingsBoard {
  readonly el: HTMLElement;
  recordings: PlayableRecording[] = [];
  private reasonRequired = false;
  private loaded = false;
  private player: RecordingPlayer | null = null;
  private opening: string | null = null;
  private readonly count = h('span', { class: 'badge', 'data-testid': 'recordings-count' }, '0');

  constructor(private readonly token: string, private readonly me: () => string) {
    this.el = h('section', { class: 'board recordings-board', 'aria-labelledby': 'h-recordings' });
    this.render();
  }

  /** Reads the list again (when the tab is shown). */
  async refresh(): Promise<void> {
    try {
      const res = await fetch('/api/recordings', { headers: { authorization: `Bearer ${this.token}` }, cache: 'no-store' });
      const body = (await res.json()) as { recordings?: PlayableRecording[]; reasonRequired?: boolean; message?: string };
      if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`);
      this.recordings = body.recordings ?? [];
      this.reasonRequired = body.reasonRequired === true;
      this.loaded = true;
    } catch (err) {
      toastError(err, 'Recordings');
    }
    this.render();
  }

  render(): void {
    if (this.player) {
      if (this.el.firstChild?.firstChild !== this.player.el) replace(this.el, h('div', { class: 'board-scroll' }, this.player.el));
      return;
    }
    this.count.textContent = String(this.recordings.length);
    const rows = this.recordings.map((r) => h('tr', { 'data-recording': r.sessionId },
      h('td', null, h('div', { class: 'cell-main' }, r.customer || r.sessionId), h('div', { class: 'small muted mono' }, r.sessionId)),
      h('td', null, r.ownerId ? (r.ownerId === this.me() ? 'me' : r.ownerId) : '—'),
      h('td', null, when(r.startedAt)),
      h('td', { class: 'num' }, length(r.durationMs)),
      h('td', null, r.recordingHere || r.status === 'active' ? h('span', { class: 'badge danger' }, '● Recording') : h('span', { class: 'badge ok' }, 'Ended')),
      h('td', { class: 'actions' }, h('button', {
        class: 'primary small', type: 'button', 'data-key': `rec-play-${r.sessionId}`, 'aria-label': `Play the recording of ${r.customer || r.sessionId}`,
        disabled: this.opening === r.sessionId, onclick: () => void this.play(r),
      }, this.opening === r.sessionId ? 'Loading…' : 'Play'))));
    replace(this.el,
      h('header', { class: 'board-head' }, h('h3', { id: 'h-recordings' }, 'Recordings'), this.count, h('span', { class: 'grow' }),
        h('button', { type: 'button', 'data-key': 'recordings-refresh', onclick: () => void this.refresh() }, 'Refresh')),
      h('div', { class: 'board-scroll' },
        h('p', { class: 'hint' }, `Recordings of sessions you own or took part in${this.reasonRequired ? '. Your organisation asks for a reason before a recording is opened' : ''}. Playing one is written to the audit log.`),
        h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'aria-label': 'Recordings' },
          h('thead', null, h('tr', null, ['Customer', 'Owner', 'Started', 'Length', 'State', ''].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', null, rows.length ? rows : h('tr', { class: 'empty-row' }, h('td', { colspan: 6 }, this.loaded ? 'No recording you may play.' : 'Loading…')))))));
  }

  /** Leaves the player (another tab was chosen). */
  closePlayer(): void {
    this.player?.close();
    this.player = null;
  }

  /** The recording as an export (the reason asked as policy says; the audit entry names the format); null when cancelled or refused. */
  private async exportBytes(sessionId: string, format: 'trec' | 'webm'): Promise<Uint8Array | null> {
    const reason = await askRecordingReason(sessionId, 'export', this.reasonRequired);
    if (reason === null) return null;
    try {
      const res = await fetch(`${recordingFileUrl('/api/recordings', sessionId, 'export', reason)}${format === 'webm' ? '&format=webm' : ''}`, { headers: { authorization: `Bearer ${this.token}` }, cache: 'no-store' });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
        if (body.code === 'REASON_REQUIRED') this.reasonRequired = true;
        throw Object.assign(new Error(body.message ?? `HTTP ${res.status}`), { code: body.code });
      }
      return new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      toastError(err, 'Export');
      return null;
    }
  }

  private async play(r: PlayableRecording): Promise<void> {
    const reason = await askRecordingReason(r.sessionId, 'play', this.reasonRequired);
    if (reason === null) return;
    this.opening = r.sessionId;
    this.render();
    try {
      const res = await fetch(recordingFileUrl('/api/recordings', r.sessionId, 'play', reason), { headers: { authorization: `Bearer ${this.token}` }, cache: 'no-store' });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
        if (body.code === 'REASON_REQUIRED') this.reasonRequired = true;
        throw Object.assign(new Error(body.message ?? `HTTP ${res.status}`), { code: body.code });
      }
      const bytes = new Uint8Array(await res.arrayBuffer());
      this.player?.close();
      this.player = new RecordingPlayer(bytes, { title: `Recording · ${r.customer || r.sessionId}`, onClose: () => { this.player = null; this.render(); }, exportBytes: (format) => this.exportBytes(r.sessionId, format) });
    } catch (err) {
      toastError(err, 'Play recording');
    } finally {
      this.opening = null;
    }
    this.render();
  }
}
