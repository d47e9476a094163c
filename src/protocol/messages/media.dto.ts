import 'reflect-metadata';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { SessionRef } from './common';

/** technician → server: send me a full frame of this monitor (after a decode error, a resize, a tab brought back). */
export class MediaRefreshDto extends SessionRef {
  @IsOptional() @IsInt() @Min(0) @Max(64) monitor?: number;
}
