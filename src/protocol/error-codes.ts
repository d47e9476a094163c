/**
 * The one registry of protocol error codes that are not domain rejections. Domain rejection codes
 * (NOT_OWNER, MODE_FORBIDS_INPUT, …) live in src/domain/common/rejection-codes.ts and pass through
 * unchanged. A code is never renamed or reused once shipped.
 */
export const ERROR_CODES = {
  BAD_JSON: 'the text frame is not valid JSON or not an {event, data, id} envelope',
  UNKNOWN_EVENT: 'no such event on this endpoint',
  INVALID_DATA: 'the data does not match the event schema; the message names the field',
  PAYLOAD_TOO_LARGE: 'the frame is larger than ws.maxPayloadBytes',
  FORBIDDEN: 'this connection may not send this event',
  UNAUTHORIZED: 'no valid token',
  TOKEN_EXPIRED: 'the token expired during the connection',
  UNKNOWN_SESSION: 'no such session, or not visible to you',
  UNKNOWN_AGENT: 'no such agent online',
  FENCED: 'another node took over this session; reconnect',
  VERSION_CONFLICT: 'the session changed concurrently; retry',
  BUSY: 'the session mailbox is full; retry later',
  RATE_LIMITED: 'too many messages',
  PIN_UNKNOWN: 'no online agent has this Assist PIN',
  AGENT_BUSY: 'the desktop is already in a session',
  UNKNOWN_TEAM: 'no such team',
  UNKNOWN_USER: 'no such representative',
  UNKNOWN_REALM: 'no such user database (realm) is configured',
  DIRECTORY_UNAVAILABLE: 'the user database (an LDAP directory) cannot be reached; the message names the realm',
  RESUME_INVALID: 'the resume token is invalid, expired or not yours',
  STORE_UNAVAILABLE: 'the store is unreachable; the command was not applied',
  ENROLLMENT_REFUSED: 'the enrollment secret or code is wrong, expired or used',
  LINK_USED: 'an external invitation link was already used, or it expired',
  BAD_FRAME: 'a binary media frame is malformed',
  NATIVE_FAILURE: 'the native core failed',
  INTERNAL: 'internal error (details are in the server log)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
