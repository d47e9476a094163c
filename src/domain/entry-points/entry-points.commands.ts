import { QueueRef } from '../common/queue-ref';
import { JumpConsent, JumpLocation } from './entry-points.state';

export type EntryPointsCommand =
  | { type: 'DeploySupportButton'; buttonId: string; name: string; profile: string; queue: QueueRef; agentId: string; expiresAt: number }
  | { type: 'RemoveSupportButton'; buttonId: string }
  | { type: 'DefineJumpGroup'; groupId: string; name: string; userIds: string[]; teams: string[]; consent: JumpConsent }
  | { type: 'PinJumpClient'; jumpClientId: string; agentId: string; location: JumpLocation; consent?: JumpConsent }
  | { type: 'UnpinJumpClient'; jumpClientId: string };
