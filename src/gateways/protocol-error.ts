/**
 * A command refused with a stable code (a domain rejection or a protocol error). Handlers throw it;
 * the dispatcher turns it into `{event:'error', id, data:{code, message}}`. Anything else thrown
 * becomes INTERNAL.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(readonly code: string, message: string, readonly extra?: Record<string, unknown>) {
    super(message);
  }
}
