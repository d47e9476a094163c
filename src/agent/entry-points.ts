import type { AgentState, InstalledButton } from './agent-config';

/** How many disconnected session ids the agent remembers (the newest; a session id never comes back). */
const DISCONNECTED_KEPT = 50;

/** A Support Button the customer cannot use, with a stable code for the CLI's message. */
export class ButtonError extends Error {
  constructor(readonly code: 'NO_SUPPORT_BUTTON' | 'UNKNOWN_BUTTON' | 'BUTTON_EXPIRED' | 'AMBIGUOUS_BUTTON', message: string) {
    super(message);
  }
}

export interface EntryPointsOptions {
  /** The agent's state: its lists are updated in place, then saved. */
  state: AgentState;
  /** Writes the state to the config file (absent: kept in memory only). */
  save?: (state: AgentState) => void;
  notice: (text: string) => void;
  log: (line: string) => void;
  now?: () => number;
}

const when = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

/** A button as the server sends it (`support-button.installed`, the hello ack's `entryPoints`), as the agent keeps it. */
function fromServer(d: Record<string, unknown>): InstalledButton {
  const name = String(d.name);
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  const q = d.queue as { kind?: string } | undefined;
  const queueName = text(d.queueName);
  return {
    buttonId: String(d.buttonId), name, profile: String(d.profile ?? ''), title: text(d.title) || name, description: text(d.description),
    queue: !queueName ? '' : q?.kind === 'team' ? `the ${queueName} team` : queueName, expiresAt: Number(d.expiresAt),
  };
}

/** What the customer reads first about a button: its profile's title (its name when the file has none). */
export const titleOf = (b: InstalledButton): string => b.title || b.name;

/** `'Payroll' (Payroll questions)`: how messages name a button, with its title when that says more. */
const label = (b: InstalledButton): string => (titleOf(b) === b.name ? `'${b.name}'` : `'${b.name}' (${titleOf(b)})`);

/**
 * `tandem-agent support --list`: each installed button's name, title, queue and expiry (the description
 * under it), or a line saying there is none.
 */
export function describeButtons(buttons: InstalledButton[]): string {
  if (buttons.length === 0) return 'no support button is installed on this computer: a technician installs one from a session';
  return buttons.map((b) => [
    `${b.name}: ${titleOf(b)}`,
    ...(b.description ? [`    ${b.description}`] : []),
    `    ${b.queue ? `waits for ${b.queue}, ` : ''}valid until ${when(b.expiresAt)} (--button '${b.name}')`,
  ].join('\n')).join('\n');
}

/**
 * The entry points installed on this desktop (docs/protocol.md, "Entry points"): Support Buttons the
 * customer starts a session with (`tandem-agent support`), the Jump Client enrolments that let allowed
 * technicians start unattended sessions, and the sessions a technician disconnected the customer from.
 * Every change is saved in the agent's config file and told to the customer.
 */
export class EntryPoints {
  private readonly now: () => number;

  constructor(private readonly o: EntryPointsOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Handles an entry-point push from the server; false when `event` is not one. */
  onMessage(event: string, d: Record<string, unknown>): boolean {
    switch (event) {
      case 'support-button.installed': {
        const button = fromServer(d);
        this.change(() => {
          this.o.state.supportButtons = [...this.live().filter((b) => b.buttonId !== button.buttonId), button];
        });
        this.o.notice(`a support button ${label(button)} was installed, valid until ${when(button.expiresAt)}; run \`tandem-agent support${this.live().length > 1 ? ` --button '${button.name}'` : ''}\` to ask for help through it`);
        return true;
      }
      case 'support-button.removed': {
        const gone = (this.o.state.supportButtons ?? []).find((b) => b.buttonId === d.buttonId);
        // Removals go to every agent when the server does not know whose button it was: only ours count.
        if (!gone) return true;
        this.change(() => { this.o.state.supportButtons = this.live().filter((b) => b.buttonId !== gone.buttonId); });
        this.o.notice(`the support button '${gone.name}' was removed from this computer`);
        return true;
      }
      case 'jump.pinned': {
        const id = String(d.jumpClientId);
        this.change(() => { this.o.state.jumpClients = [...new Set([...(this.o.state.jumpClients ?? []), id])]; });
        this.o.notice('this computer is now a Jump Client: allowed technicians may start sessions on it while you are away (as their Jump Group\'s consent policy says); it stays one after a restart');
        return true;
      }
      case 'jump.unpinned': {
        const id = String(d.jumpClientId);
        if (!(this.o.state.jumpClients ?? []).includes(id)) return true;
        this.change(() => { this.o.state.jumpClients = (this.o.state.jumpClients ?? []).filter((j) => j !== id); });
        this.o.notice(`this computer is no longer a Jump Client${this.o.state.jumpClients!.length ? ` (still ${this.o.state.jumpClients!.length} other enrolment(s))` : ''}`);
        return true;
      }
      case 'jump.notice': {
        const who = (d.technician as { name?: string } | undefined)?.name ?? 'a technician';
        const line = '!'.repeat(72);
        this.o.notice(`\n${line}\n!! ${who} started an unattended session on this computer (Jump Client).\n!! Type 'close' to end it, 'hold' to hide your screen.\n${line}`);
        return true;
      }
      default:
        return false;
    }
  }

  /** The installed buttons not expired yet (expired ones are dropped from the config as they are seen). */
  buttons(): InstalledButton[] {
    const all = this.o.state.supportButtons ?? [];
    const live = this.live();
    if (live.length !== all.length) this.change(() => { this.o.state.supportButtons = live; });
    return live;
  }

  get jumpClients(): string[] {
    return [...(this.o.state.jumpClients ?? [])];
  }

  /**
   * The button `tandem-agent support [--button NAME|ID]` uses: the only one, or the one named. Throws
   * NO_SUPPORT_BUTTON, UNKNOWN_BUTTON, BUTTON_EXPIRED (installed, but past its expiry) or AMBIGUOUS_BUTTON.
   */
  pick(nameOrId?: string): InstalledButton {
    const all = this.o.state.supportButtons ?? [];
    const matches = (b: InstalledButton): boolean => nameOrId === undefined || b.buttonId === nameOrId || b.name.toLowerCase() === nameOrId.toLowerCase();
    const expired = all.find((b) => matches(b) && b.expiresAt <= this.now());
    const live = this.buttons();
    if (live.length === 0 && !expired) throw new ButtonError('NO_SUPPORT_BUTTON', 'no support button is installed on this computer: a technician installs one from a session');
    const found = live.filter(matches);
    if (found.length === 1) return found[0]!;
    if (found.length === 0 && expired) throw new ButtonError('BUTTON_EXPIRED', `the support button '${expired.name}' expired at ${when(expired.expiresAt)}`);
    if (found.length === 0) throw new ButtonError('UNKNOWN_BUTTON', `no support button '${nameOrId}' here; installed: ${live.map(label).join(', ')}`);
    throw new ButtonError('AMBIGUOUS_BUTTON', `${found.length} support buttons are installed (${found.map(label).join(', ')}): choose one with --button NAME (tandem-agent support --list shows them)`);
  }

  /**
   * The server's list of what is installed on this desktop (the `agent.hello` ack's `entryPoints`): the
   * store is the truth, so a button removed or a pin unpinned while the agent was offline is dropped here,
   * and one the agent missed is added. The customer is told what changed; nothing is saved when nothing did.
   */
  reconcile(server: { supportButtons?: unknown; jumpClients?: unknown }): void {
    if (!Array.isArray(server.supportButtons) || !Array.isArray(server.jumpClients)) return;
    const buttons: InstalledButton[] = (server.supportButtons as Record<string, unknown>[]).map(fromServer);
    const pins = [...new Set((server.jumpClients as unknown[]).map(String))];
    const had = this.o.state.supportButtons ?? [];
    const hadPins = this.o.state.jumpClients ?? [];
    const removed = had.filter((b) => !buttons.some((x) => x.buttonId === b.buttonId));
    const added = buttons.filter((b) => !had.some((x) => x.buttonId === b.buttonId));
    const unpinned = hadPins.filter((j) => !pins.includes(j));
    const pinned = pins.filter((j) => !hadPins.includes(j));
    // The server sends both lists sorted; a mere reordering rewrites the file, which does no harm.
    const changed = JSON.stringify(had) !== JSON.stringify(buttons) || JSON.stringify(hadPins) !== JSON.stringify(pins);
    if (!changed) return;
    this.change(() => {
      this.o.state.supportButtons = buttons;
      this.o.state.jumpClients = pins;
    });
    this.o.log(`entry points from the server: ${buttons.length} support button(s), ${pins.length} jump client enrolment(s)`);
    for (const b of removed) this.o.notice(`the support button '${b.name}' was removed from this computer while it was offline`);
    for (const b of added.filter((x) => x.expiresAt > this.now())) this.o.notice(`a support button ${label(b)} is installed, valid until ${when(b.expiresAt)}`);
    if (unpinned.length > 0) this.o.notice(`this computer was unpinned as a Jump Client while it was offline${pins.length ? ` (still ${pins.length} enrolment(s))` : ''}`);
    if (pinned.length > 0 && hadPins.length === 0) this.o.notice('this computer is now a Jump Client: allowed technicians may start sessions on it while you are away');
  }

  /** The installed button with this id (expired or not), if any. */
  find(buttonId: string): InstalledButton | undefined {
    return (this.o.state.supportButtons ?? []).find((b) => b.buttonId === buttonId);
  }

  /** The server refused a button as expired or unknown: it is uninstalled here too. */
  forget(buttonId: string): void {
    this.change(() => { this.o.state.supportButtons = (this.o.state.supportButtons ?? []).filter((b) => b.buttonId !== buttonId); });
  }

  /** A technician disconnected the customer from this session: the agent never joins it again. */
  disconnectedFrom(sessionId: string): void {
    this.change(() => { this.o.state.disconnectedSessions = [...(this.o.state.disconnectedSessions ?? []).filter((s) => s !== sessionId), sessionId].slice(-DISCONNECTED_KEPT); });
  }

  isDisconnectedFrom(sessionId: string): boolean {
    return (this.o.state.disconnectedSessions ?? []).includes(sessionId);
  }

  private live(): InstalledButton[] {
    const now = this.now();
    return (this.o.state.supportButtons ?? []).filter((b) => b.expiresAt > now);
  }

  private change(apply: () => void): void {
    apply();
    try {
      this.o.save?.(this.o.state);
    } catch (err) {
      this.o.log(`could not save the agent's config: ${(err as Error).message}`);
    }
  }
}
