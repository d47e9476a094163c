import { h, uid } from '../shared/dom';
import type { SessionEvent, SessionState } from '../shared/protocol';
import { toast } from '../shared/toast';

type Send = (event: string, data: object, what: string) => Promise<unknown>;

/**
 * The session's recording in the Admin tab (docs/recording.md): whether it runs, who started it and why,
 * and for the owner Start (with an optional reason everyone sees, the customer included) and Stop. A
 * recording started by policy is stopped only by an admin; the server answers RECORDING_REQUIRED otherwise.
 */
export class RecordingControl {
  private readonly reason = h('input', { id: uid('rec-reason'), maxlength: 200, placeholder: 'e.g. ticket 4711', autocomplete: 'off' });
  private readonly start = h('button', { type: 'button', class: 'primary', 'data-key': 'rec-start' }, 'Start recording');
  private readonly stop = h('button', { type: 'button', 'data-key': 'rec-stop' }, 'Stop recording');
  private readonly status = h('p', { class: 'hint', role: 'status', 'data-testid': 'recording-status' });
  readonly el = h('fieldset', { 'data-testid': 'recording-control' }, h('legend', null, 'Recording'),
    h('div', { class: 'field' }, h('label', { for: this.reason.id }, 'Reason (shown to everyone in the session)'), this.reason),
    h('div', { class: 'row' }, this.start, this.stop), this.status);

  constructor(send: Send) {
    this.start.addEventListener('click', () => {
      const reason = this.reason.value.trim();
      void send('recording.start', reason ? { reason } : {}, 'Start recording').then((r) => {
        if (!r) return;
        this.reason.value = '';
        toast('Recording started; everyone in the session, the customer included, is told.', 'success');
      });
    });
    this.stop.addEventListener('click', () => void send('recording.stop', {}, 'Stop recording').then((r) => r && toast('Recording stopped.', 'success')));
  }

  update(s: SessionState | null, events: readonly SessionEvent[], live: boolean): void {
    const owner = live && s?.you === 'owner' && s.status === 'active';
    const on = Boolean(s?.recording);
    this.start.disabled = !owner || on;
    this.reason.disabled = !owner || on;
    this.stop.disabled = !owner || !on || Boolean(s?.recordingRequired);
    const started = on ? [...events].reverse().find((e) => e.type === 'RecordingStarted') : undefined;
    this.status.textContent = !on ? (s?.you === 'owner' ? 'Not recorded. What is relayed of the screen and every event are kept; nothing in hold.' : 'Not recorded. Only the owner starts a recording.')
      : `Recording since ${started ? new Date(started.at).toLocaleTimeString() : '—'}${started?.reason ? ` (${String(started.reason)})` : ''}${s?.recordingRequired ? '. Required by policy: only an admin may stop it.' : '.'}`;
  }
}
