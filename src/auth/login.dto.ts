import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  @IsString() @MinLength(1) @MaxLength(64) username!: string;
  @IsString() @MinLength(1) @MaxLength(256) password!: string;
  /** The user database to check against (GET /api/auth/realms); omitted: the first configured realm. */
  @IsOptional() @Matches(/^[a-z0-9][a-z0-9-]{0,31}$/, { message: 'realm must be a realm id' }) realm?: string;
}
