import type { TandemConfig } from '../../config/config.schema';
import { type Actor, type ActorKind, resolveRights, type RightsTable } from '../../domain';
import type { TokenClaims } from '../../auth/token.service';
import type { Identity } from '../identity';

/** The rights table from config: role rights plus team rights. */
export function rightsTableOf(config: TandemConfig): RightsTable {
  return {
    roles: { technician: config.roles.technician, supervisor: config.roles.supervisor, admin: config.roles.admin, customer: config.roles.customer, external: [], system: [] },
    teams: Object.fromEntries(config.teams.map((t) => [t.id, t.rights])),
  };
}

/**
 * The domain actor behind a connection. An agent (and the customer panel of its desktop) acts as the
 * customer of that desktop, whose id is the agent id.
 */
export function actorOf(identity: Identity, table: RightsTable): Actor {
  if (identity.kind !== 'person' || identity.role === 'customer') {
    return { kind: 'customer', id: identity.id, name: identity.name, teams: [], rights: resolveRights(table, 'customer', []) };
  }
  if (identity.role === 'external') return { kind: 'external', id: identity.id, name: identity.name, teams: [], rights: resolveRights(table, 'external', []) };
  const kind: ActorKind = identity.role === 'admin' || identity.role === 'supervisor' ? identity.role : 'technician';
  return { kind, id: identity.id, name: identity.name, teams: [...identity.teams], rights: resolveRights(table, kind, identity.teams) };
}

/** The domain actor of a person's bearer token on an HTTP endpoint (recordings, transcripts). */
export function actorOfClaims(claims: TokenClaims, config: TandemConfig): Actor {
  return actorOf({ kind: 'person', id: claims.sub, name: claims.name, role: claims.role, teams: claims.teams ?? [], exp: claims.exp }, rightsTableOf(config));
}

/** The server itself, for what it does on its own (an agent's grace period running out). */
export const SYSTEM_ACTOR: Actor = { kind: 'system', id: 'system', name: 'Tandem', teams: [], rights: [] };
