import { ActorKind } from './actor';

/** Every named right. Granted to roles and teams in config; the domain checks them with hasRight. */
export const RIGHTS = [
  'session.assist',
  'session.share',
  'session.transfer',
  'session.elevate',
  'session.watch',
  'code.create',
  'jump.pin',
  'jump.start',
  'support-button.deploy',
  'request.create',
  'request.edit',
  'request.view',
  'request.delete',
] as const;

export type Right = (typeof RIGHTS)[number];

/** role → rights and team → rights, as read from config. */
export interface RightsTable {
  roles: Partial<Record<ActorKind, readonly string[]>>;
  teams: Record<string, readonly string[]>;
}

/** Rights that an external (one-time) representative never has, whatever the config says. */
export const EXTERNAL_DENIED: readonly Right[] = ['session.share', 'session.transfer', 'session.elevate', 'jump.pin', 'jump.start', 'support-button.deploy', 'code.create'];

/** A sensible default table: technicians assist, share, transfer and elevate; supervisors also watch. */
export const DEFAULT_RIGHTS_TABLE: RightsTable = {
  roles: {
    technician: ['session.assist', 'session.share', 'session.transfer', 'session.elevate', 'code.create', 'jump.pin', 'jump.start', 'support-button.deploy', 'request.view'],
    supervisor: ['session.assist', 'session.share', 'session.transfer', 'session.elevate', 'session.watch', 'code.create', 'jump.pin', 'jump.start', 'support-button.deploy', 'request.create', 'request.edit', 'request.view', 'request.delete'],
    external: [],
    customer: [],
    system: [],
  },
  teams: {},
};

/**
 * The rights of a role in some teams: the role's rights plus every team's, sorted and without duplicates.
 * An admin has every right. An external representative never gets share, transfer or elevation.
 */
export function resolveRights(table: RightsTable, role: ActorKind, teams: string[]): string[] {
  if (role === 'admin') return [...RIGHTS].sort();
  const granted = new Set<string>(table.roles[role] ?? []);
  for (const team of teams) for (const right of table.teams[team] ?? []) granted.add(right);
  if (role === 'external') for (const right of EXTERNAL_DENIED) granted.delete(right);
  if (role === 'customer' || role === 'system') return [...granted].filter((r) => r.startsWith('request.')).sort();
  return [...granted].sort();
}

/** True when the actor holds the right. Admins hold every right; externals never hold the denied ones. */
export function hasRight(actor: { kind: ActorKind; rights: readonly string[] }, right: Right): boolean {
  if (actor.kind === 'admin') return true;
  if (actor.kind === 'external' && EXTERNAL_DENIED.includes(right)) return false;
  return actor.rights.includes(right);
}
