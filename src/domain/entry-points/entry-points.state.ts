import { QueueRef } from '../common/queue-ref';

/** A Support Button deployed on a remote computer: the customer may open sessions into its queue until it expires. */
export interface SupportButton {
  buttonId: string;
  name: string;
  profile: string;
  queue: QueueRef;
  agentId: string;
  expiresAt: number;
  deployedBy: string;
}

/** Where a Jump Client is pinned: the pinning representative's personal list, or a Jump Group. */
export type JumpLocation = { kind: 'personal'; userId: string } | { kind: 'group'; groupId: string };

/** How a jump session starts: at once with a visible notice, or only after the customer allows it. */
export type JumpConsent = 'notify' | 'ask';

/** A pinned Jump Client: unattended access to one agent. */
export interface JumpClient {
  jumpClientId: string;
  agentId: string;
  location: JumpLocation;
  /** The consent policy of a personal pin; a group pin follows its group's policy. */
  consent: JumpConsent;
  pinnedBy: string;
}

/** A Jump Group: who may jump (users and teams) and with which consent policy. */
export interface JumpGroup {
  groupId: string;
  name: string;
  userIds: string[];
  teams: string[];
  consent: JumpConsent;
}

export interface EntryPointsState {
  seq: number;
  buttons: Record<string, SupportButton>;
  jumpClients: Record<string, JumpClient>;
  jumpGroups: Record<string, JumpGroup>;
}

export function initialEntryPointsState(): EntryPointsState {
  return { seq: 0, buttons: {}, jumpClients: {}, jumpGroups: {} };
}
