import 'reflect-metadata';
import { IsNumber, IsOptional, Matches } from 'class-validator';

/** Ids on the wire: short, URL-safe. */
export const ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,80}$/;
export const IsWireId = (): PropertyDecorator => Matches(ID_PATTERN, { message: '$property must be an id (1-80 of A-Z a-z 0-9 _ . : @ -)' });

export class SessionRef {
  @IsWireId() sessionId!: string;
}

/** Any client: round-trip probe; `t` is echoed back. */
export class PingDto {
  @IsOptional() @IsNumber() t?: number;
}
