import 'reflect-metadata';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { SessionRef } from '../../protocol/messages/common';

/** recording.start: the owner (or an admin) records the session; the reason is shown in the event. */
export class RecordingStartDto extends SessionRef {
  @IsOptional() @IsString() @MaxLength(200) reason?: string;
}

/** recording.stop: the owner (or an admin; only an admin for a recording by policy) stops it. */
export class RecordingStopDto extends SessionRef {}
