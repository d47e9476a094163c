import 'reflect-metadata';
import { ArrayMaxSize, IsArray, IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';
import { SessionRef } from './common';

/** technician → server: send me a full frame of this monitor (after a decode error, a resize, a tab brought back). */
export class MediaRefreshDto extends SessionRef {
  @IsOptional() @IsInt() @Min(0) @Max(64) monitor?: number;
}

/** technician → server: the monitors this connection shows (every monitor when omitted); frames of the others are not sent to it. */
export class MediaMonitorsDto extends SessionRef {
  @IsOptional() @IsArray() @ArrayMaxSize(16) @IsInt({ each: true }) @Min(0, { each: true }) @Max(64, { each: true }) monitors?: number[];
}

/** agent → server, every couple of seconds while it captures: what its capture loop produces (docs/media.md, "Quality and adaptation"). */
export class MediaStatsDto extends SessionRef {
  /** Captures with changes sent per second. */
  @IsNumber() @Min(0) @Max(1000) fps!: number;
  /** Bits per second of frames sent. */
  @IsNumber() @Min(0) @Max(10_000_000_000) bitsPerSecond!: number;
  /** Mean time of one capture (grab + diff + encode) and of its encode stage, ms. */
  @IsNumber() @Min(0) @Max(600_000) captureMs!: number;
  @IsNumber() @Min(0) @Max(600_000) encodeMs!: number;
  @IsInt() @Min(1) @Max(100) quality!: number;
  @IsNumber() @Min(0) @Max(1000) maxFps!: number;
  /** The ladder rung of the last media.feedback applied (-1: none yet). */
  @IsInt() @Min(-1) @Max(64) level!: number;
}
