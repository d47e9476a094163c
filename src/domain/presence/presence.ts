import { Actor, ActorRef, isRepresentative, toRef } from '../common/actor';
import { Decision, accept, reject } from '../common/decision';

export interface DisplayInfo { index: number; name: string; x: number; y: number; width: number; height: number; primary?: boolean }

/** An agent as the cockpit's online list shows it. */
export interface AgentPresence {
  agentId: string;
  hostname: string;
  osUser: string;
  os: string;
  version: string;
  pin: string;
  displays: DisplayInfo[];
  /** Teams that may see this agent; empty means every representative. */
  teams: string[];
  online: boolean;
  since: number;
  /** When the agent went away; it stays reachable for the grace period after it. */
  offlineSince: number | null;
}

export interface PresenceState { seq: number; agents: Record<string, AgentPresence> }

export type PresenceCommand =
  | { type: 'AgentOnline'; agentId: string; hostname: string; osUser: string; os: string; version: string; pin: string; displays: DisplayInfo[]; teams: string[] }
  | { type: 'AgentOffline'; agentId: string }
  | { type: 'ForgetAgent'; agentId: string };

interface Base { seq: number; actor: ActorRef; at: number }
export type PresenceEvent =
  | (Base & { type: 'AgentCameOnline'; agent: Omit<AgentPresence, 'online' | 'since' | 'offlineSince'> })
  | (Base & { type: 'AgentWentOffline'; agentId: string })
  | (Base & { type: 'AgentForgotten'; agentId: string });

/** How long an agent that dropped its connection keeps its sessions (and PIN) before it counts as gone. */
export const DEFAULT_GRACE_MS = 30 * 1000;

export function initialPresenceState(): PresenceState {
  return { seq: 0, agents: {} };
}

export type AgentStatus = 'online' | 'grace' | 'offline';

/** online, within the grace period after dropping its connection, or offline. A pure function of now. */
export function agentStatus(agent: AgentPresence, now: number, graceMs: number = DEFAULT_GRACE_MS): AgentStatus {
  if (agent.online) return 'online';
  return agent.offlineSince !== null && now < agent.offlineSince + graceMs ? 'grace' : 'offline';
}

/** The agents whose grace period ran out: the caller ends their sessions and forgets them. */
export function graceExpired(state: PresenceState, now: number, graceMs: number = DEFAULT_GRACE_MS): string[] {
  return Object.values(state.agents).filter((a) => agentStatus(a, now, graceMs) === 'offline').map((a) => a.agentId).sort();
}

/** Agents come online (with what agent.hello says), go offline, and are forgotten after the grace period. */
export function decidePresence(state: PresenceState, command: PresenceCommand, actor: Actor, now: number, graceMs: number = DEFAULT_GRACE_MS): Decision<PresenceEvent> {
  const base = { seq: state.seq + 1, actor: toRef(actor), at: now };
  if (actor.kind !== 'system' && actor.kind !== 'customer' && actor.kind !== 'admin') return reject('FORBIDDEN');
  switch (command.type) {
    case 'AgentOnline': {
      const clash = Object.values(state.agents).some((a) => a.agentId !== command.agentId && a.pin === command.pin && agentStatus(a, now, graceMs) !== 'offline');
      if (clash) return reject('PIN_IN_USE');
      const { type: _t, ...agent } = command;
      return accept([{ ...base, type: 'AgentCameOnline', agent }]);
    }
    case 'AgentOffline':
      if (!state.agents[command.agentId]?.online) return reject('UNKNOWN_AGENT');
      return accept([{ ...base, type: 'AgentWentOffline', agentId: command.agentId }]);
    case 'ForgetAgent':
      if (!state.agents[command.agentId]) return reject('UNKNOWN_AGENT');
      return accept([{ ...base, type: 'AgentForgotten', agentId: command.agentId }]);
    default:
      return reject('UNKNOWN_COMMAND');
  }
}

/** Applies a presence event. Total. */
export function evolvePresence(state: PresenceState, event: PresenceEvent): PresenceState {
  const seq = typeof event?.seq === 'number' ? Math.max(state.seq, event.seq) : state.seq;
  switch (event?.type) {
    case 'AgentCameOnline':
      return { seq, agents: { ...state.agents, [event.agent.agentId]: { ...event.agent, online: true, since: event.at, offlineSince: null } } };
    case 'AgentWentOffline': {
      const agent = state.agents[event.agentId];
      return agent ? { seq, agents: { ...state.agents, [event.agentId]: { ...agent, online: false, offlineSince: event.at } } } : { ...state, seq };
    }
    case 'AgentForgotten': {
      const { [event.agentId]: _gone, ...agents } = state.agents;
      return { seq, agents };
    }
    default:
      return state;
  }
}

/** The online agent with this Assist PIN, if any. */
export function findByPin(state: PresenceState, pin: string): AgentPresence | undefined {
  return Object.values(state.agents).find((a) => a.online && a.pin === pin);
}

/** True when the actor may see the agent: admins all, representatives those of their teams (or of no team). */
export function agentVisibleTo(agent: AgentPresence, actor: Actor): boolean {
  if (actor.kind === 'admin') return true;
  if (!isRepresentative(actor.kind)) return false;
  return agent.teams.length === 0 || agent.teams.some((t) => actor.teams.includes(t));
}

/** The cockpit's online list for this actor, by hostname. The Assist PIN is not in it: the customer tells it. */
export function visibleAgents(state: PresenceState, actor: Actor): Array<Omit<AgentPresence, 'pin'>> {
  return Object.values(state.agents)
    .filter((a) => a.online && agentVisibleTo(a, actor))
    .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.agentId.localeCompare(b.agentId))
    .map(({ pin: _pin, ...rest }) => rest);
}
