import { Actor, toRef } from '../common/actor';
import { ALLOWED, Authorization, Decision, Rejection, accept, reject } from '../common/decision';
import { hasRight } from '../common/rights';
import { EntryPointsCommand, SessionFacts } from './entry-points.commands';
import { EntryPointsEvent } from './entry-points.events';
import { EntryPointsState, JumpClient, JumpConsent, JumpGroup, SupportButton } from './entry-points.state';

type Body = EntryPointsEvent extends infer E ? (E extends EntryPointsEvent ? Omit<E, 'seq' | 'actor' | 'at'> : never) : never;

/** Deploy/remove Support Buttons, define Jump Groups, pin/unpin Jump Clients. A session's end never unpins. */
export function decideEntryPoints(state: EntryPointsState, command: EntryPointsCommand, actor: Actor, now: number): Decision<EntryPointsEvent> {
  const stamp = (bodies: Body[]): Decision<EntryPointsEvent> =>
    accept(bodies.map((b, i) => ({ ...b, seq: state.seq + i + 1, actor: toRef(actor), at: now }) as EntryPointsEvent));
  switch (command.type) {
    case 'DeploySupportButton': {
      if (!hasRight(actor, 'support-button.deploy')) return reject('FORBIDDEN');
      const refused = fromOwnedSession(command.session, actor);
      if (refused) return refused;
      if (state.buttons[command.buttonId]) return reject('DUPLICATE_ID');
      if (command.expiresAt <= now) return reject('BUTTON_EXPIRED');
      if (!command.knownProfiles.includes(command.profile)) return reject('UNKNOWN_PROFILE');
      const { type: _t, session: _s, knownProfiles: _k, ...rest } = command;
      return stamp([{ type: 'SupportButtonDeployed', button: { ...rest, deployedBy: actor.id } }]);
    }
    case 'RemoveSupportButton': {
      const button = state.buttons[command.buttonId];
      if (!button) return reject('UNKNOWN_BUTTON');
      if (!hasRight(actor, 'support-button.deploy')) return reject('FORBIDDEN');
      if (!mayRemoveButton(button, actor)) return reject('NOT_DEPLOYER');
      return stamp([{ type: 'SupportButtonRemoved', buttonId: button.buttonId }]);
    }
    case 'DefineJumpGroup': {
      if (actor.kind !== 'admin') return reject('FORBIDDEN');
      const { type: _t, ...group } = command;
      return stamp([{ type: 'JumpGroupDefined', group }]);
    }
    case 'PinJumpClient': {
      if (!hasRight(actor, 'jump.pin')) return reject('FORBIDDEN');
      const refused = fromOwnedSession(command.session, actor);
      if (refused) return refused;
      if (state.jumpClients[command.jumpClientId]) return reject('DUPLICATE_ID');
      const loc = command.location;
      if (loc.kind === 'personal' && loc.userId !== actor.id) return reject('INVALID_TARGET');
      if (loc.kind === 'group') {
        const group = state.jumpGroups[loc.groupId];
        if (!group) return reject('UNKNOWN_JUMP_GROUP');
        if (!isInJumpGroup(group, actor)) return reject('FORBIDDEN');
      }
      const consent: JumpConsent = loc.kind === 'group' ? state.jumpGroups[loc.groupId].consent : command.consent ?? 'ask';
      return stamp([{ type: 'JumpClientPinned', jumpClient: { jumpClientId: command.jumpClientId, agentId: command.agentId, location: loc, consent, pinnedBy: actor.id } }]);
    }
    case 'UnpinJumpClient': {
      const jc = state.jumpClients[command.jumpClientId];
      if (!jc) return reject('UNKNOWN_JUMP_CLIENT');
      const group = jc.location.kind === 'group' ? state.jumpGroups[jc.location.groupId] : undefined;
      if (!hasRight(actor, 'jump.pin')) return reject('FORBIDDEN');
      if (!mayUnpin(jc, group, actor)) return reject('NOT_PINNER');
      return stamp([{ type: 'JumpClientUnpinned', jumpClientId: jc.jumpClientId }]);
    }
  }
}

/**
 * A Support Button is deployed, a Jump Client pinned, only from a session that runs now with its customer
 * in it, by its owner: what is installed on a desktop is the business of the one its customer let in.
 * An admin, who may do everything a session's owner does, may too.
 */
function fromOwnedSession(session: SessionFacts, actor: Actor): { rejection: Rejection } | undefined {
  if (session.status === 'ended') return reject('SESSION_ENDED');
  if (actor.kind !== 'admin' && (session.ownerId === null || session.ownerId !== actor.id)) return reject('NOT_OWNER');
  if (session.status !== 'active') return reject('NOT_ACTIVE');
  if (!session.customerConnected) return reject('CUSTOMER_OFFLINE');
  return undefined;
}

/**
 * Who sees the Support Buttons installed on a session's desktop (their names, queues and expiries): who may
 * see that session — its members, a supervisor (session.watch) of one of its teams, an admin. A technician
 * who only knows the session's id learns nothing about that desktop.
 */
export function maySeeSessionButtons(session: SessionFacts, actor: Actor): Authorization {
  if (actor.kind === 'admin' || session.memberIds.includes(actor.id)) return ALLOWED;
  return isSupervisor(actor) && actor.teams.some((t) => session.teams.includes(t)) ? ALLOWED : reject('NOT_MEMBER');
}

/** A supervisor with session.watch: the one who watches and takes over the sessions of their teams. */
const isSupervisor = (actor: Actor): boolean => actor.kind === 'supervisor' && hasRight(actor, 'session.watch');

/**
 * Who removes a Support Button: with support-button.deploy, the representative who deployed it, a supervisor of
 * its queue's team, an admin (the decider refuses the lack of the right as FORBIDDEN first).
 */
export function mayRemoveButton(button: SupportButton, actor: Actor): boolean {
  if (!hasRight(actor, 'support-button.deploy')) return false;
  if (actor.kind === 'admin' || button.deployedBy === actor.id) return true;
  return isSupervisor(actor) && button.queue.kind === 'team' && actor.teams.includes(button.queue.teamId);
}

/**
 * Who unpins a Jump Client: a personal pin, the representative whose list it is on, or an admin; a group
 * pin, the representative who pinned it, a supervisor who is a member of the group, or an admin. The
 * other members of the group jump through it but do not take it away from everyone. Each of them needs
 * jump.pin (the decider refuses its lack as FORBIDDEN first).
 */
export function mayUnpin(jc: JumpClient, group: JumpGroup | undefined, actor: Actor): boolean {
  if (!hasRight(actor, 'jump.pin')) return false;
  if (actor.kind === 'admin') return true;
  if (jc.location.kind === 'personal') return jc.location.userId === actor.id;
  return jc.pinnedBy === actor.id || (isSupervisor(actor) && group !== undefined && isInJumpGroup(group, actor));
}

/** What is installed on one agent as the server knows it: what the agent keeps in its config after a reconnect. */
export function entryPointsOfAgent(state: EntryPointsState, agentId: string): { supportButtons: SupportButton[]; jumpClients: string[] } {
  return {
    supportButtons: Object.values(state.buttons).filter((b) => b.agentId === agentId).sort((a, b) => a.expiresAt - b.expiresAt),
    jumpClients: Object.values(state.jumpClients).filter((j) => j.agentId === agentId).map((j) => j.jumpClientId).sort(),
  };
}

/** Applies an entry-points event. Total: unknown events leave the state as it is. */
export function evolveEntryPoints(state: EntryPointsState, event: EntryPointsEvent): EntryPointsState {
  const next = { ...state, seq: typeof event?.seq === 'number' ? Math.max(state.seq, event.seq) : state.seq };
  switch (event?.type) {
    case 'SupportButtonDeployed':
      return { ...next, buttons: { ...state.buttons, [event.button.buttonId]: event.button } };
    case 'SupportButtonRemoved': {
      const { [event.buttonId]: _gone, ...buttons } = state.buttons;
      return { ...next, buttons };
    }
    case 'JumpGroupDefined':
      return { ...next, jumpGroups: { ...state.jumpGroups, [event.group.groupId]: event.group } };
    case 'JumpClientPinned':
      return { ...next, jumpClients: { ...state.jumpClients, [event.jumpClient.jumpClientId]: event.jumpClient } };
    case 'JumpClientUnpinned': {
      const { [event.jumpClientId]: _gone, ...jumpClients } = state.jumpClients;
      return { ...next, jumpClients };
    }
    default:
      return state;
  }
}

/** True while a customer may open a session with this button. */
export function supportButtonUsable(button: SupportButton, now: number): boolean {
  return now < button.expiresAt;
}

/** True when the actor belongs to the Jump Group, by user or by team. */
export function isInJumpGroup(group: JumpGroup, actor: Actor): boolean {
  return actor.kind === 'admin' || group.userIds.includes(actor.id) || group.teams.some((t) => actor.teams.includes(t));
}

/**
 * May this actor start an unattended session through this Jump Client, and with which consent policy?
 * A personal pin is for its representative only; a group pin for the group's members, under the group's policy.
 */
export function mayStartJump(jc: JumpClient, group: JumpGroup | undefined, actor: Actor): { ok: true; consent: JumpConsent } | { rejection: Rejection } {
  if (!hasRight(actor, 'jump.start')) return reject('FORBIDDEN');
  if (jc.location.kind === 'personal') {
    return jc.location.userId === actor.id || actor.kind === 'admin' ? { ok: true, consent: jc.consent } : reject('FORBIDDEN');
  }
  if (!group || group.groupId !== jc.location.groupId) return reject('UNKNOWN_JUMP_GROUP');
  return isInJumpGroup(group, actor) ? { ok: true, consent: group.consent } : reject('FORBIDDEN');
}
