import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsWireId, SessionRef } from './common';

export class DisplayInfoDto {
  @IsInt() @Min(0) @Max(64) index!: number;
  @IsString() @MaxLength(64) name!: string;
  @IsInt() @Min(-65535) @Max(65535) x!: number;
  @IsInt() @Min(-65535) @Max(65535) y!: number;
  @IsInt() @Min(1) @Max(65535) width!: number;
  @IsInt() @Min(1) @Max(65535) height!: number;
  @IsBoolean() @IsOptional() primary?: boolean;
}

/** agent → server, first message after connecting. */
export class AgentHelloDto {
  @IsString() @MaxLength(255) hostname!: string;
  @IsString() @MaxLength(128) osUser!: string;
  @IsString() @MaxLength(64) os!: string;
  @IsString() @MaxLength(32) version!: string;
  @Matches(/^\d{4,6}$/, { message: 'pin must be 4 to 6 digits' }) pin!: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => DisplayInfoDto) displays!: DisplayInfoDto[];
  /** Capabilities the agent has (e.g. 'tiles', 'webrtc', 'inject', 'shell'). */
  @IsArray() @IsString({ each: true }) @IsOptional() capabilities?: string[];
  /** `tandem-agent join`: the one-time code of the click-to-chat session this agent joins. */
  @IsOptional() @Matches(/^[0-9A-Z]{10}$/, { message: 'attachCode must be 10 characters of 0-9 A-Z' }) attachCode?: string;
}

/** agent → server: the security code the customer typed into the agent. */
export class CodeEnterDto {
  @Matches(/^[0-9A-Z]{6,12}$/, { message: 'code must be 6-12 characters of 0-9 A-Z' }) code!: string;
}

/** customer → server (agent or panel): answer to an assistance request. */
export class AssistRespondDto extends SessionRef {
  @IsBoolean() allow!: boolean;
}

/** customer → server: choose the mode. */
export class ModeSetDto extends SessionRef {
  @IsIn(['hold', 'observe', 'interact']) mode!: 'hold' | 'observe' | 'interact';
}

/** customer → server: answer a pending request (mode, control or elevation). */
export class RequestAnswerDto extends SessionRef {
  @IsWireId() requestId!: string;
  @IsBoolean() allow!: boolean;
}

/** agent → server: capture became impossible (protected screen, display lost) or possible again. */
export class ScreenStateDto extends SessionRef {
  @IsBoolean() paused!: boolean;
  @IsString() @MaxLength(120) @IsOptional() reason?: string;
}

/** customer → server: answer a file offer. */
export class FileRespondDto extends SessionRef {
  @IsWireId() fileId!: string;
  @IsBoolean() accept!: boolean;
}
