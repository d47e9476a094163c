import 'reflect-metadata';
import { IsBase64, IsBoolean, IsIn, IsString, MaxLength, ValidateIf } from 'class-validator';
import { SessionRef } from '../../protocol/messages/common';

/** The largest clipboard text on the wire (characters); the domain checks the byte size against config. */
export const MAX_CLIPBOARD_CHARS = 16 * 1024 * 1024;
/** The largest clipboard image on the wire (base64 characters of 16 MiB). */
export const MAX_CLIPBOARD_BASE64 = Math.ceil((16 * 1024 * 1024) / 3) * 4;

/**
 * clipboard: content for the other side's clipboard (the controlling member ↔ the customer's desktop):
 * `text` for text/plain, `data` (base64 of the PNG file) for image/png.
 */
export class ClipboardDto extends SessionRef {
  @IsIn(['text/plain', 'image/png']) mime!: 'text/plain' | 'image/png';
  @ValidateIf((o: ClipboardDto) => o.mime !== 'image/png') @IsString() @MaxLength(MAX_CLIPBOARD_CHARS) text?: string;
  @ValidateIf((o: ClipboardDto) => o.mime === 'image/png') @IsString() @IsBase64() @MaxLength(MAX_CLIPBOARD_BASE64) data?: string;
}

/** clipboard.set: the customer turns clipboard sharing off (or on) for the session. */
export class ClipboardSetDto extends SessionRef {
  @IsBoolean() enabled!: boolean;
}
