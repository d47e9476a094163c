import { clock, h, replace, saveBlob } from '../shared/dom';
import { toast, toastError } from '../shared/toast';
import { askRecordingReason, recordingFileUrl } from '../player/recording-access';
import { RecordingPlayer } from '../player/recording-player';
import { AdminApi, ApiError } from './api';

/** One row of GET /api/admin/recordings. */
export interface RecordingInfo {
  sessionId: string; startedAt: number; lastAt: number; durationMs: number; bytes: number; frames: number; events: number; full: boolean; recordingHere: boolean;
}

function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function length(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function when(at: number): string {
  if (!at) return '—';
  const d = new Date(at);
  return d.toDateString() === new Date().toDateString() ? clock(at) : `${d.toLocaleDateString()} ${clock(at)}`;
}

/**
 * The admin console's Recordings tab (docs/recording.md): every recording in the store, each played in
 * the browser (RecordingPlayer) or downloaded as its single file. Its element stays the same across the
 * console's refreshes, so a playing recording is never interrupted.
 */
export class RecordingsTab {
  readonly el = h('div', { class: 'stack recordings-tab' });
  recordings: RecordingInfo[] = [];
  /** policy.reasonRequired.recordingExport: playing or downloading needs a reason. */
  reasonRequired = false;
  private loaded = false;
  private player: RecordingPlayer | null = null;
  private opening: string | null = null;

  constructor(private readonly api: AdminApi, private readonly handleAuth: (err: unknown) => boolean) {}

  /** Reads the list (every console refresh); errors go to the caller. */
  async load(): Promise<void> {
    const list = await this.api.get<{ recordings: RecordingInfo[]; reasonRequired?: boolean }>('/api/admin/recordings');
    this.recordings = list.recordings;
    this.reasonRequired = list.reasonRequired === true;
    this.loaded = true;
  }

  has(sessionId: string): boolean {
    return this.recordings.some((r) => r.sessionId === sessionId);
  }

  /** The tab's content, re-rendered unless a recording is open in the player. */
  view(): HTMLElement {
    if (this.player) {
      if (this.el.firstChild !== this.player.el) replace(this.el, this.player.el);
      return this.el;
    }
    const rows = this.recordings.map((r) => h('tr', { 'data-recording': r.sessionId },
      h('td', null, h('div', { class: 'cell-main mono' }, r.sessionId), h('div', { class: 'small muted' }, `${r.frames} frames · ${r.events} events`)),
      h('td', null, when(r.startedAt)),
      h('td', { class: 'num' }, length(r.durationMs)),
      h('td', { class: 'num' }, size(r.bytes)),
      h('td', null, r.recordingHere ? h('span', { class: 'badge danger' }, '● Recording') : r.full ? h('span', { class: 'badge warn' }, 'Size limit reached') : h('span', { class: 'badge ok' }, 'Complete')),
      h('td', { class: 'actions' },
        h('button', { class: 'primary small', type: 'button', 'data-key': `play-${r.sessionId}`, 'aria-label': 'Play', disabled: this.opening === r.sessionId, onclick: () => void this.open(r.sessionId) }, this.opening === r.sessionId ? 'Loading…' : 'Play'),
        ' ',
        h('button', { class: 'small', type: 'button', 'data-key': `dl-${r.sessionId}`, 'aria-label': `Download the recording of ${r.sessionId}`, onclick: () => void this.download(r.sessionId) }, 'Download'))));
    const total = this.recordings.reduce((n, r) => n + r.bytes, 0);
    replace(this.el, h('section', { class: 'card admin-card' },
      h('header', { class: 'admin-card-head' }, h('div', null, h('h3', null, 'Recordings'),
        h('p', { class: 'small muted' }, this.loaded
          ? `${this.recordings.length} recording${this.recordings.length === 1 ? '' : 's'}, ${size(total)}. Sessions are recorded on the owner's request or by team policy, and every customer is told. Play one here or download it as a single file.`
          : 'Loading…'))),
      h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'aria-label': 'Recordings' },
        h('thead', null, h('tr', null, ['Session', 'Started', 'Length', 'Size', 'State', ''].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null, rows.length ? rows : h('tr', { class: 'empty-row' }, h('td', { colspan: 6 }, this.loaded ? 'No session has been recorded yet.' : 'Loading…')))))));
    return this.el;
  }

  /** Loads a recording and opens it in the player. */
  async open(sessionId: string): Promise<void> {
    const reason = await askRecordingReason(sessionId, 'play', this.reasonRequired);
    if (reason === null) return;
    this.opening = sessionId;
    this.view();
    try {
      const bytes = new Uint8Array(await (await this.api.raw(recordingFileUrl('/api/admin/recordings', sessionId, 'play', reason))).arrayBuffer());
      this.player?.close();
      this.player = new RecordingPlayer(bytes, { title: `Recording of session ${sessionId}`, onClose: () => { this.player = null; this.view(); }, exportBytes: (format) => this.exportBytes(sessionId, format) });
    } catch (err) {
      if (!this.handleAuth(err)) toastError(err instanceof ApiError || err instanceof Error ? err : new Error(String(err)), 'Play recording');
    } finally {
      this.opening = null;
    }
    this.view();
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
      const url = `${recordingFileUrl('/api/admin/recordings', sessionId, 'export', reason)}${format === 'webm' ? '&format=webm' : ''}`;
      return new Uint8Array(await (await this.api.raw(url)).arrayBuffer());
    } catch (err) {
      if (!this.handleAuth(err)) toastError(err, 'Export');
      return null;
    }
  }

  private async download(sessionId: string): Promise<void> {
    const bytes = await this.exportBytes(sessionId, 'trec');
    if (!bytes) return;
    saveBlob(new Blob([bytes as BlobPart], { type: 'application/vnd.tandem.recording' }), `tandem-${sessionId}.trec`);
    toast('Recording downloaded.', 'success', 1500);
  }

}
