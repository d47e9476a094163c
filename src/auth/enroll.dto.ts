import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

export class EnrollDto {
  @IsString() @MinLength(1) @MaxLength(255) hostname!: string;
  @IsOptional() @IsString() @MinLength(1) @MaxLength(256) secret?: string;
  @IsOptional() @Matches(/^[0-9A-Z]{8,16}$/, { message: 'code must be 8-16 characters of 0-9 A-Z' }) code?: string;
  /** `tandem-agent join`: a click-to-chat session's attach code lets a desktop without other credentials enroll. */
  @IsOptional() @Matches(/^[0-9A-Z]{10}$/, { message: 'attachCode must be 10 characters of 0-9 A-Z' }) attachCode?: string;
}

export class EnrollmentCodeDto {
  @IsOptional() @IsArray() @ArrayMaxSize(32) @Matches(/^[a-z0-9][a-z0-9-]*$/, { each: true }) teams?: string[];
  @IsOptional() @IsInt() @Min(60) @Max(30 * 24 * 3600) ttlSeconds?: number;
}
