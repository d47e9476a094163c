import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** A Support Button a technician installed on this desktop (`support-button.installed`). */
export interface InstalledButton {
  buttonId: string;
  name: string;
  profile: string;
  /** The profile's title, what the customer sees (the server's supportButtons.profiles); absent in older files: the name. */
  title?: string;
  /** The profile's description (may be empty). */
  description?: string;
  /** Whom a session started with it waits for, as the customer reads it: `the Helpdesk team`, or a representative's name. */
  queue?: string;
  /** Epoch ms: after it the server refuses `support.start` (BUTTON_EXPIRED). */
  expiresAt: number;
}

/** What the agent remembers between runs: where it enrolled, its credentials, its entry points. */
export interface AgentState {
  server: string;
  agentId: string;
  token: string;
  pin: string;
  /** Support Buttons installed here and not expired (`tandem-agent support` starts a session with one). */
  supportButtons?: InstalledButton[];
  /** The Jump Clients this desktop is enrolled as (`jump.pinned`, until `jump.unpinned`). */
  jumpClients?: string[];
  /** Sessions a technician disconnected this desktop from (`customer.disconnect`): never rejoined. */
  disconnectedSessions?: string[];
}

/** `$XDG_CONFIG_HOME/tandem/agent.json` (or ~/.config/…), overridable with --config. */
export function defaultConfigPath(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'tandem', 'agent.json');
}

export function readAgentState(file: string): AgentState | null {
  if (!existsSync(file)) return null;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<AgentState>;
  if (!parsed.server || !parsed.agentId || !parsed.token || !parsed.pin) return null;
  return parsed as AgentState;
}

/** Writes the state readable by the user only (mode 0600, directory 0700): it holds the agent token. */
export function writeAgentState(file: string, state: AgentState): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
}
