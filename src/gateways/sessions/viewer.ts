import type { ActorRef } from '../../domain';
import type { Connection } from '../connection';

/** Who a connection is, as the domain's views name viewers (an agent is its desktop's customer). */
export function viewerOf(conn: Connection): ActorRef {
  const { identity } = conn;
  if (identity.kind !== 'person' || identity.role === 'customer') return { kind: 'customer', id: identity.id, name: identity.name };
  if (identity.role === 'external') return { kind: 'external', id: identity.id, name: identity.name };
  const kind = identity.role === 'admin' || identity.role === 'supervisor' ? identity.role : 'technician';
  return { kind, id: identity.id, name: identity.name };
}
