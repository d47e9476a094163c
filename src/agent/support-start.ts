import { readAgentState, writeAgentState, type AgentState, type InstalledButton } from './agent-config';
import type { Refusal } from './agent-requests';
import { describeButtons, EntryPoints, titleOf } from './entry-points';

export interface SupportStart {
  /** The installed Support Button the customer asks for help through. */
  buttonId: string;
  request: (event: string, data: unknown) => Promise<Record<string, unknown>>;
  entryPoints: EntryPoints;
  notice: (text: string) => void;
  /** The session is open and waits in the button's queue (`seq`: its version, `queue`: as the server says). */
  started: (sessionId: string, seq: number, queue: unknown) => void;
  refused: (code: string, message: string) => void;
}

/**
 * `support.start` with the button given to `tandem-agent support`: the session waits in the button's
 * queue, on hold, until a technician takes it. A button the server no longer has (expired, removed) is
 * uninstalled here too, and the customer is told why.
 */
export function startSupport(o: SupportStart): void {
  const button = o.entryPoints.find(o.buttonId);
  o.request('support.start', { buttonId: o.buttonId }).then((ack) => {
    // What the customer chose, in the words of its profile, and whom it now waits for.
    if (button) o.notice(`${titleOf(button)} — waiting for ${button.queue || 'a technician'}…`);
    o.notice('your request for help is waiting for a technician; the session starts on hold (type observe or interact to share your screen once one has taken it)');
    o.started(String(ack.sessionId), Number(ack.seq) || 0, ack.queue);
  }, (err: Partial<Refusal> & { message: string }) => {
    const code = err.code ?? 'INTERNAL';
    if (code === 'BUTTON_EXPIRED' || code === 'UNKNOWN_BUTTON') o.entryPoints.forget(o.buttonId);
    o.notice(code === 'BUTTON_EXPIRED' ? 'this support button has expired: ask your technician for a new one'
      : code === 'UNKNOWN_BUTTON' ? 'this support button was removed: ask your technician for a new one'
        : `the support session could not start (${code}: ${err.message})`);
    o.refused(code, err.message);
  });
}

/**
 * What `tandem-agent support [--button NAME|ID]` does before it connects: reads the agent's config file and
 * picks the installed Support Button (the only one, or the one named), dropping expired ones from the file.
 * Null when the agent is not enrolled there; throws ButtonError (NO_SUPPORT_BUTTON, UNKNOWN_BUTTON,
 * BUTTON_EXPIRED, AMBIGUOUS_BUTTON) when there is no button to use.
 */
export function pickSupportButton(file: string, nameOrId: string | undefined, log: (line: string) => void): { state: AgentState; button: InstalledButton } | null {
  const entries = entryPointsIn(file, log);
  return entries && { state: entries.state, button: entries.points.pick(nameOrId) };
}

/**
 * `tandem-agent support --list`: the Support Buttons installed on this computer as the config file says
 * (expired ones dropped from it), one per entry with its title, queue and expiry. Null when not enrolled there.
 */
export function listSupportButtons(file: string, log: (line: string) => void): string | null {
  const entries = entryPointsIn(file, log);
  return entries && describeButtons(entries.points.buttons());
}

function entryPointsIn(file: string, log: (line: string) => void): { state: AgentState; points: EntryPoints } | null {
  const state = readAgentState(file);
  if (!state) return null;
  return { state, points: new EntryPoints({ state, save: (s) => writeAgentState(file, s), notice: () => undefined, log }) };
}
