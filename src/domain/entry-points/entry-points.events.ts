import { ActorRef } from '../common/actor';
import { JumpClient, JumpGroup, SupportButton } from './entry-points.state';

interface Base { seq: number; actor: ActorRef; at: number }

export type EntryPointsEvent =
  | (Base & { type: 'SupportButtonDeployed'; button: SupportButton })
  | (Base & { type: 'SupportButtonRemoved'; buttonId: string })
  | (Base & { type: 'JumpGroupDefined'; group: JumpGroup })
  | (Base & { type: 'JumpClientPinned'; jumpClient: JumpClient })
  | (Base & { type: 'JumpClientUnpinned'; jumpClientId: string });
