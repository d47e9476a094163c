import 'reflect-metadata';
import { IsBoolean, IsIn, IsString, MaxLength } from 'class-validator';
import { SessionRef } from '../../protocol/messages/common';

/** The largest clipboard text on the wire (characters); the domain checks the byte size too. */
export const MAX_CLIPBOARD_CHARS = 256 * 1024;

/** clipboard: text for the other side's clipboard (the controlling member ↔ the customer's desktop). */
export class ClipboardDto extends SessionRef {
  @IsIn(['text/plain']) mime!: 'text/plain';
  @IsString() @MaxLength(MAX_CLIPBOARD_CHARS) text!: string;
}

/** clipboard.set: the customer turns clipboard sharing off (or on) for the session. */
export class ClipboardSetDto extends SessionRef {
  @IsBoolean() enabled!: boolean;
}
