/** WebSocket close codes Tandem sends. Ours are in the 4000–4999 range. */
export const CLOSE_CODES = {
  /** Standard: the node is shutting down or draining; reconnect (to any node). */
  GOING_AWAY: 1001,
  /** Standard: policy violation, used for floods. */
  POLICY_VIOLATION: 1008,
  /** The token expired or was revoked mid-connection; log in again. */
  TOKEN_EXPIRED: 4401,
  /** An admin or the owner removed this connection's identity. */
  KICKED: 4403,
  /** The peer missed heartbeats. */
  HEARTBEAT_TIMEOUT: 4408,
  /** Another connection took this agent id over. */
  REPLACED: 4409,
  /** The session moved to another node; reconnect and resume. */
  MAY_RECONNECT: 4503,
} as const;
