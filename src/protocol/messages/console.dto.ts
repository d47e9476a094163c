import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, Equals, IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf, ValidateNested,
} from 'class-validator';
import { IsWireId, SessionRef } from './common';

export class EmptyDto {}

/** console → server: ask assistance for an agent (by selection, PIN or security code session). */
export class AssistRequestDto {
  @ValidateIf((o: AssistRequestDto) => o.pin === undefined) @IsWireId() agentId?: string;
  @ValidateIf((o: AssistRequestDto) => o.agentId === undefined) @Matches(/^\d{4,6}$/, { message: 'pin must be 4 to 6 digits' }) pin?: string;
  @IsIn(['view', 'control']) action: 'view' | 'control' = 'view';
}

export class ModeRequestDto extends SessionRef {
  @IsIn(['hold', 'observe', 'interact']) mode!: 'hold' | 'observe' | 'interact';
}

export class ControlHandDto extends SessionRef {
  @IsWireId() memberId!: string;
}

export class ChatSendDto extends SessionRef {
  @IsString() @MinLength(1) @MaxLength(4000) text!: string;
}

export class FileOfferDto extends SessionRef {
  @IsString() @MinLength(1) @MaxLength(255) name!: string;
  @IsInt() @Min(0) size!: number;
  @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be 64 lowercase hex digits' }) sha256!: string;
}

export class InviteTargetDto {
  @IsIn(['representative', 'team', 'external']) kind!: 'representative' | 'team' | 'external';
  @ValidateIf((o: InviteTargetDto) => o.kind === 'representative') @IsWireId() userId?: string;
  @ValidateIf((o: InviteTargetDto) => o.kind === 'team') @IsWireId() teamId?: string;
  @ValidateIf((o: InviteTargetDto) => o.kind === 'external') @IsString() @MinLength(1) @MaxLength(80) name?: string;
}

export class SessionInviteDto extends SessionRef {
  @ValidateNested() @Type(() => InviteTargetDto) target!: InviteTargetDto;
}

export class InviteRespondDto extends SessionRef {
  @IsWireId() inviteId!: string;
  @IsBoolean() accept!: boolean;
}

export class InviteCancelDto extends SessionRef {
  @IsWireId() inviteId!: string;
}

export class MemberRemoveDto extends SessionRef {
  @IsWireId() memberId!: string;
}

export class TransferTargetDto {
  @IsIn(['team', 'representative']) kind!: 'team' | 'representative';
  @ValidateIf((o: TransferTargetDto) => o.kind === 'team') @IsWireId() teamId?: string;
  @ValidateIf((o: TransferTargetDto) => o.kind === 'representative') @IsWireId() userId?: string;
}

export class SessionTransferDto extends SessionRef {
  @ValidateNested() @Type(() => TransferTargetDto) to!: TransferTargetDto;
}

export class ResumeDto {
  @IsString() @MinLength(10) @MaxLength(2000) token!: string;
  @IsInt() @Min(0) lastSeq!: number;
}

export class CredentialsDto {
  @IsString() @MinLength(1) @MaxLength(256) username!: string;
  @IsString() @MinLength(1) @MaxLength(1024) password!: string;
}

export class ElevationRequestDto extends SessionRef {
  @IsIn(['prompt', 'credentials']) method!: 'prompt' | 'credentials';
  /** A reason or ticket number (required where policy says so). */
  @IsOptional() @IsString() @MaxLength(200) reason?: string;
  @ValidateIf((o: ElevationRequestDto) => o.method === 'credentials') @ValidateNested() @Type(() => CredentialsDto) credentials?: CredentialsDto;
}

export class AdminActionDto extends SessionRef {
  @IsIn(['restart', 'process-list', 'command-shell', 'protected-window']) action!: 'restart' | 'process-list' | 'command-shell' | 'protected-window';
}

export class PointerDto extends SessionRef {
  @IsInt() @Min(0) @Max(64) monitor = 0;
  @IsNumber() @Min(0) @Max(1) x!: number;
  @IsNumber() @Min(0) @Max(1) y!: number;
  @IsBoolean() @IsOptional() visible?: boolean;
}

export class AnnotationDto extends SessionRef {
  @IsIn(['laser', 'pen', 'clear']) kind!: 'laser' | 'pen' | 'clear';
  @IsInt() @Min(0) @Max(64) monitor = 0;
  /** Pen strokes are flattened x,y pairs in 0..1; 2000 numbers keeps one frame small. */
  @IsArray() @ArrayMaxSize(2000) @IsNumber({}, { each: true }) points: number[] = [];
}

/** Remote input: pointer moves/buttons/wheel, keys by keysym, or typed text. Coordinates are 0..1 of the monitor. */
export class InputDto extends SessionRef {
  @IsIn(['move', 'button', 'wheel', 'key', 'text']) kind!: 'move' | 'button' | 'wheel' | 'key' | 'text';
  @IsInt() @Min(0) @Max(64) monitor = 0;
  @ValidateIf((o: InputDto) => o.kind === 'move' || o.kind === 'button') @IsNumber() @Min(0) @Max(1) x?: number;
  @ValidateIf((o: InputDto) => o.kind === 'move' || o.kind === 'button') @IsNumber() @Min(0) @Max(1) y?: number;
  @ValidateIf((o: InputDto) => o.kind === 'button') @IsInt() @Min(1) @Max(3) button?: number;
  @ValidateIf((o: InputDto) => o.kind === 'button' || o.kind === 'key') @IsBoolean() down?: boolean;
  @ValidateIf((o: InputDto) => o.kind === 'wheel') @IsInt() @Min(-20) @Max(20) dx?: number;
  @ValidateIf((o: InputDto) => o.kind === 'wheel') @IsInt() @Min(-20) @Max(20) dy?: number;
  @ValidateIf((o: InputDto) => o.kind === 'key') @IsInt() @Min(0) @Max(0x1ffffff) keysym?: number;
  @ValidateIf((o: InputDto) => o.kind === 'text') @IsString() @MinLength(1) @MaxLength(1000) text?: string;
}

export class QueueTakeDto extends SessionRef {}

export class SessionJoinDto extends SessionRef {
  @Equals('observer') @IsOptional() as?: 'observer';
}

/** A piece of an accepted file, base64, at most 512 KiB decoded (the frame limit is 1 MiB). */
export class FileChunkDto extends SessionRef {
  @IsWireId() fileId!: string;
  @IsInt() @Min(0) offset!: number;
  @IsString() @MaxLength(700_000) @Matches(/^[A-Za-z0-9+/]*={0,2}$/, { message: 'data must be base64' }) data!: string;
}

export class FileDoneDto extends SessionRef {
  @IsWireId() fileId!: string;
}

/**
 * The receiver's report on an accepted file, after `file.done`: saved (`savedAs`: the name the customer's
 * desktop gave it in Downloads, a plain file name), or failed and why.
 */
export class FileResultDto extends SessionRef {
  @IsWireId() fileId!: string;
  @IsBoolean() ok!: boolean;
  @ValidateIf((o: FileResultDto) => o.ok === false) @IsIn(['HASH_MISMATCH', 'SIZE_MISMATCH', 'WRITE_FAILED', 'CANCELLED']) code?: 'HASH_MISMATCH' | 'SIZE_MISMATCH' | 'WRITE_FAILED' | 'CANCELLED';
  // eslint-disable-next-line no-control-regex -- control characters and path separators are what a plain name lacks.
  @IsOptional() @IsString() @MaxLength(255) @Matches(/^[^/\\\u0000-\u001f]+$/, { message: 'savedAs must be a plain file name' }) savedAs?: string;
}

export class ShellRefDto extends SessionRef {
  @IsWireId() shellId!: string;
}

/** Open a command shell; the technician's terminal size (character cells) when it has one. */
export class ShellOpenDto extends SessionRef {
  @IsOptional() @IsInt() @Min(2) @Max(500) cols?: number;
  @IsOptional() @IsInt() @Min(2) @Max(500) rows?: number;
}

/** The technician's terminal changed size: the shell's pseudo-terminal follows. */
export class ShellResizeDto extends ShellRefDto {
  @IsInt() @Min(2) @Max(500) cols!: number;
  @IsInt() @Min(2) @Max(500) rows!: number;
}

/** Keystrokes / lines for the remote shell, or its output (from the agent). */
export class ShellDataDto extends ShellRefDto {
  @IsString() @MaxLength(65_536) data!: string;
}

export class ShellExitDto extends ShellRefDto {
  @IsInt() code!: number;
}
