import { ask } from '../shared/dialog';

export type RecordingPurpose = 'play' | 'export';

/**
 * Asks for the reason of playing or exporting a recording (policy.reasonRequired.recordingExport,
 * docs/recording.md). Where policy requires it, the dialog asks until a reason is given; an export
 * always asks (the reason is optional then and kept in the audit entry); playing without the
 * policy asks nothing. Resolves with the reason ('' when none was given), null when cancelled,
 * undefined when nothing was asked.
 */
export async function askRecordingReason(sessionId: string, purpose: RecordingPurpose, required: boolean): Promise<string | null | undefined> {
  if (!required && purpose === 'play') return undefined;
  let again = false;
  for (;;) {
    const reason = await ask({
      title: purpose === 'play' ? 'Play this recording' : 'Export this recording',
      body: [
        `The recording of session ${sessionId} shows the customer's screen and everything that happened in the session. Opening it is written to the audit log with your name and the reason.`,
        again ? 'Your organisation requires a reason or ticket number for this.' : required ? 'A reason or ticket number is required.' : 'A reason or ticket number is kept with the audit entry.',
      ],
      confirm: purpose === 'play' ? 'Play' : 'Download',
      input: { label: required ? 'Reason or ticket (required)' : 'Reason or ticket (optional)', maxLength: 200, placeholder: 'e.g. INC-4711 customer complaint review' },
    });
    if (reason === null) return null;
    if (!required || reason) return reason;
    again = true;
  }
}

/** The URL of a recording's file, for `purpose`, with the reason if any. */
export function recordingFileUrl(base: string, sessionId: string, purpose: RecordingPurpose, reason: string | undefined): string {
  const q = new URLSearchParams({ purpose });
  if (reason) q.set('reason', reason);
  return `${base}/${encodeURIComponent(sessionId)}?${q.toString()}`;
}
