import 'reflect-metadata';
import { IsIn, IsOptional } from 'class-validator';
import { SessionRef } from '../../protocol/messages/common';

/**
 * input-block.release: let the customer's keyboard and mouse go. A technician sends no reason; the
 * agent says `emergency-key` after the customer's emergency keys and `unavailable` when it cannot hold
 * the devices.
 */
export class InputBlockReleaseDto extends SessionRef {
  @IsOptional() @IsIn(['emergency-key', 'unavailable']) reason?: 'emergency-key' | 'unavailable';
}
