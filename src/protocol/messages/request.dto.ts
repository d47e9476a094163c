import 'reflect-metadata';
import { IsBoolean, IsEmail, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { IsWireId } from './common';

/** A user files a request for their own desktop; an assistant (request.create) names the agent. */
export class RequestFileDto {
  @IsOptional() @IsWireId() agentId?: string;
  @IsString() @MinLength(1) @MaxLength(2000) description!: string;
  /** An ISO time, or `*` for any time. */
  @IsString() @MaxLength(40) availableFrom: string = '*';
  @IsBoolean() oneTime: boolean = false;
  @IsOptional() @IsEmail() email?: string;
  /** The user the request is for (an assistant picks from a realm's users, `directory.users`); mail goes to their address. */
  @IsOptional() @IsWireId() userId?: string;
}

/** `realm`: only requests whose owner belongs to this user database (docs/realms.md). */
export class RequestListDto {
  @IsOptional() @Matches(/^[a-z0-9][a-z0-9-]{0,31}$/, { message: 'realm must be a realm id' }) realm?: string;
}

export class DirectoryUsersDto {
  @Matches(/^[a-z0-9][a-z0-9-]{0,31}$/, { message: 'realm must be a realm id' }) realm!: string;
}

export class RequestRefDto {
  @IsWireId() requestId!: string;
}

export class RequestEditDto extends RequestRefDto {
  /** A representative's username, or null to unassign. */
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsWireId() assignee?: string | null;
  /** An ISO time, or null. */
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsString() @MaxLength(40) scheduledAt?: string | null;
  @IsOptional() @IsIn(['open', 'inactive']) status?: 'open' | 'inactive';
}
