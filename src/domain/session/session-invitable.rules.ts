import { Actor, isRepresentative } from '../common/actor';
import { Authorization, ALLOWED } from '../common/decision';
import { hasRight } from '../common/rights';
import { check, firstFailure, isMember, notEnded, owner } from './session.guards';
import { SessionState } from './session.state';

/**
 * What the server knows of a representative when someone wants to invite them: whether they are logged
 * in (a console connection on any node) and whether they have extended availability (they are mailed).
 */
export interface InviteeAvailability {
  online: boolean;
  extendedAvailability: boolean;
}

/** online: logged in now; extended: not logged in, but with extended availability (an email tells them). */
export type Availability = 'online' | 'extended';

/** A person the server could offer as an invitee. */
export interface InviteCandidate extends InviteeAvailability {
  userId: string;
  name: string;
  kind: Actor['kind'];
  teams: string[];
}

/** How a representative may be reached for an invitation, or null when they may not be invited now (seed 003). */
export function availabilityOf(a: InviteeAvailability | undefined): Availability | null {
  if (a?.online) return 'online';
  return a?.extendedAvailability ? 'extended' : null;
}

/** Who may ask for the invitable people of a session: the same as who may invite (the owner, with session.share). */
export function mayListInvitable(s: SessionState, a: Actor): Authorization {
  const failure = firstFailure(notEnded(s), owner(s, a), check(hasRight(a, 'session.share'), 'FORBIDDEN'));
  return failure ?? ALLOWED;
}

/**
 * The representatives the owner may invite now, sorted by name: logged in or with extended availability,
 * not the customer, not already in the session, without a live invitation to it.
 */
export function invitablePeople(s: SessionState, people: InviteCandidate[]): Array<InviteCandidate & { availability: Availability }> {
  const invited = new Set(Object.values(s.invitations).flatMap((i) => (i.target.kind === 'representative' ? [i.target.userId] : [])));
  return people
    .filter((p) => isRepresentative(p.kind) && p.userId !== s.customer?.id && !isMember(s, p.userId) && !invited.has(p.userId))
    .flatMap((p) => {
      const availability = availabilityOf(p);
      return availability ? [{ ...p, availability }] : [];
    })
    .sort((x, y) => x.name.localeCompare(y.name) || x.userId.localeCompare(y.userId));
}
