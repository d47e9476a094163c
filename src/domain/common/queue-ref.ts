import { Actor } from './actor';

/** A queue: a team's queue ("any representative") or one representative's personal queue. */
export type QueueRef = { kind: 'team'; teamId: string } | { kind: 'personal'; userId: string };

/** A stable key for a queue, e.g. `team:helpdesk` or `personal:u1`. */
export function queueKey(queue: QueueRef): string {
  return queue.kind === 'team' ? `team:${queue.teamId}` : `personal:${queue.userId}`;
}

/**
 * Who may see and take from a queue: a team queue by the team's technicians and supervisors, a personal
 * queue by its representative only; an admin sees every queue. Customers, externals and the system see none.
 */
export function queueVisibleTo(queue: QueueRef, actor: Actor): boolean {
  if (actor.kind === 'admin') return true;
  if (actor.kind !== 'technician' && actor.kind !== 'supervisor') return false;
  return queue.kind === 'team' ? actor.teams.includes(queue.teamId) : queue.userId === actor.id;
}
