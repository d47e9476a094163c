/** Who acts. `system` is the server itself (timers, agent reports relayed by the node). */
export type ActorKind = 'customer' | 'technician' | 'supervisor' | 'admin' | 'external' | 'system';

/** The authenticated caller of a command, with the rights resolved from config (see resolveRights). */
export interface Actor {
  kind: ActorKind;
  id: string;
  name: string;
  teams: string[];
  rights: string[];
}

/** What events carry about an actor: no teams, no rights. */
export interface ActorRef {
  kind: ActorKind;
  id: string;
  name: string;
}

/** The reference an event records for an actor. */
export function toRef(actor: ActorRef): ActorRef {
  return { kind: actor.kind, id: actor.id, name: actor.name };
}

/** Technicians, supervisors and admins are representatives: they can be session members with full rights. */
export function isRepresentative(kind: ActorKind): boolean {
  return kind === 'technician' || kind === 'supervisor' || kind === 'admin';
}
