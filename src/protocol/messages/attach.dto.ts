import 'reflect-metadata';
import { IsIn, IsOptional } from 'class-validator';
import { SessionRef } from './common';

/** customer → server: a one-time code for my agent to join this (click-to-chat, full-client) session, in the mode I choose. */
export class AttachCodeDto extends SessionRef {
  @IsOptional() @IsIn(['hold', 'observe', 'interact']) mode?: 'hold' | 'observe' | 'interact';
}
