import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, MaxLength, MinLength, ValidateIf, ValidateNested } from 'class-validator';
import { IsWireId, SessionRef } from './common';
import { TransferTargetDto } from './console.dto';

/** The owner deploys a Support Button on the session's agent. */
export class SupportButtonDeployDto extends SessionRef {
  @IsString() @MinLength(1) @MaxLength(80) name!: string;
  @IsString() @MaxLength(40) profile: string = 'default';
  @ValidateNested() @Type(() => TransferTargetDto) queue!: TransferTargetDto;
  /** ISO time. */
  @IsString() @MaxLength(40) expiresAt!: string;
}

export class ButtonRefDto {
  @IsWireId() buttonId!: string;
}

export class JumpGroupDefineDto {
  @IsWireId() groupId!: string;
  @IsString() @MinLength(1) @MaxLength(80) name!: string;
  @IsArray() @ArrayMaxSize(500) @IsString({ each: true }) userIds: string[] = [];
  @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) teams: string[] = [];
  @IsIn(['notify', 'ask']) consent!: 'notify' | 'ask';
}

export class JumpLocationDto {
  @IsIn(['personal', 'group']) kind!: 'personal' | 'group';
  @ValidateIf((o: JumpLocationDto) => o.kind === 'group') @IsWireId() groupId?: string;
}

export class JumpPinDto extends SessionRef {
  @ValidateNested() @Type(() => JumpLocationDto) location!: JumpLocationDto;
  @IsOptional() @IsIn(['notify', 'ask']) consent?: 'notify' | 'ask';
}

export class JumpRefDto {
  @IsWireId() jumpClientId!: string;
}

export class JumpStartDto extends JumpRefDto {
  /** A reason or ticket number (required where policy says so). */
  @IsOptional() @IsString() @MaxLength(200) reason?: string;
}

/** Support Buttons I may see: those on one session's desktop, or (without sessionId) every live one I deployed (an admin: all). */
export class SupportButtonListDto {
  @IsOptional() @IsWireId() sessionId?: string;
}
