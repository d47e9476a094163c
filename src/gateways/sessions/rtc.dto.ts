import 'reflect-metadata';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { SessionRef } from '../../protocol/messages/common';

/** The largest SDP accepted (an offer for one video m-line is 3–6 KiB; 64 KiB leaves room for many codecs). */
export const MAX_SDP_BYTES = 64 * 1024;
/** The largest ICE candidate line accepted (real ones are ~100–300 bytes). */
export const MAX_CANDIDATE_BYTES = 2 * 1024;

/**
 * One viewer's peer: `<memberId>~<connectionId>` (one browser tab = one peer). `~` is not an id
 * character, so the member id is everything before it.
 */
export const VIEWER_ID = /^[A-Za-z0-9_.:@-]{1,80}~[A-Za-z0-9]{1,32}$/;
const IsViewerId = (): PropertyDecorator => Matches(VIEWER_ID, { message: '$property must be a viewer id (<memberId>~<connectionId>)' });

/** The member id inside a viewer id. */
export function memberOfViewer(viewerId: string): string {
  return viewerId.slice(0, viewerId.lastIndexOf('~'));
}

/** technician → server: the ICE servers to use and this connection's viewer id, before an offer. */
export class RtcConfigDto extends SessionRef {}

/** technician → server → agent: a viewer's SDP offer (one recvonly video m-line) for a monitor. */
export class RtcOfferDto extends SessionRef {
  @IsString() @MinLength(1) @MaxLength(MAX_SDP_BYTES) sdp!: string;
  @IsOptional() @IsInt() @Min(0) @Max(15) monitor?: number;
}

/** agent → server → viewer: the agent's SDP answer to one viewer's offer. */
export class RtcAnswerDto extends SessionRef {
  @IsViewerId() viewerId!: string;
  @IsString() @MinLength(1) @MaxLength(MAX_SDP_BYTES) sdp!: string;
}

/** Either way: one trickled ICE candidate; `viewerId` is required from the agent and ignored from a viewer. */
export class RtcIceDto extends SessionRef {
  @IsOptional() @IsViewerId() viewerId?: string;
  @IsString() @MaxLength(MAX_CANDIDATE_BYTES) candidate!: string;
  @IsOptional() @IsString() @MaxLength(64) sdpMid?: string;
  @IsOptional() @IsInt() @Min(0) @Max(63) sdpMLineIndex?: number;
}

/** Either way: hang up one peer (a viewer its own; the agent one viewer's, `viewerId` required). */
export class RtcCloseDto extends SessionRef {
  @IsOptional() @IsViewerId() viewerId?: string;
  @IsOptional() @IsString() @MaxLength(200) reason?: string;
}
