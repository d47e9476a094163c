import { QueueRef } from '../common/queue-ref';
import { SessionStatus } from '../session/session.state';
import { JumpConsent, JumpLocation } from './entry-points.state';

/**
 * The facts of the session a Support Button is deployed or a Jump Client pinned from, as its journal says
 * (the gateway reads them; the entry-points decider judges them): who owns it, whether it still runs,
 * whether its customer is still in it, who is in it and which teams it belongs to.
 */
export interface SessionFacts {
  sessionId: string;
  status: SessionStatus;
  ownerId: string | null;
  /** False once the owner disconnected the customer (customer.disconnect), or when the session has none. */
  customerConnected: boolean;
  /** Its members now (owner, participants, watching supervisors, externals); a removed member is not one. */
  memberIds: string[];
  /** The teams it belongs to: their supervisors may watch it. */
  teams: string[];
}

export type EntryPointsCommand =
  /** `knownProfiles`: the Support Button profile ids configured now (the gateway reads them from config). */
  | { type: 'DeploySupportButton'; buttonId: string; name: string; profile: string; queue: QueueRef; agentId: string; expiresAt: number; session: SessionFacts; knownProfiles: string[] }
  | { type: 'RemoveSupportButton'; buttonId: string }
  | { type: 'DefineJumpGroup'; groupId: string; name: string; userIds: string[]; teams: string[]; consent: JumpConsent }
  | { type: 'PinJumpClient'; jumpClientId: string; agentId: string; location: JumpLocation; consent?: JumpConsent; session: SessionFacts }
  | { type: 'UnpinJumpClient'; jumpClientId: string };
