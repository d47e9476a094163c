/**
 * Environment variables that override config keys. Each names its key so that a bad value is
 * reported against the variable the operator actually set.
 */
export interface EnvOverride {
  env: string;
  key: string;
  kind: 'string' | 'int' | 'bool' | 'sentinels';
  description: string;
}

export const ENV_OVERRIDES: readonly EnvOverride[] = [
  { env: 'TANDEM_NODE_ID', key: 'node.id', kind: 'string', description: 'node id (default: random per start)' },
  { env: 'TANDEM_HOST', key: 'node.host', kind: 'string', description: 'address to listen on' },
  { env: 'TANDEM_PORT', key: 'node.port', kind: 'int', description: 'port for HTTP and WebSocket (0 = any free port)' },
  { env: 'TANDEM_DATA_DIR', key: 'node.dataDir', kind: 'string', description: 'directory for secrets and local users' },
  { env: 'TANDEM_PUBLIC_URL', key: 'node.publicUrl', kind: 'string', description: 'public base URL for links' },
  { env: 'TANDEM_SHUTDOWN_TIMEOUT_MS', key: 'node.shutdownTimeoutMs', kind: 'int', description: 'graceful shutdown deadline' },
  { env: 'TANDEM_LOG_LEVEL', key: 'log.level', kind: 'string', description: 'log level' },
  { env: 'TANDEM_LOG_PRETTY', key: 'log.pretty', kind: 'bool', description: 'human-readable logs' },
  { env: 'TANDEM_JWT_SECRET', key: 'auth.jwtSecret', kind: 'string', description: 'JWT signing secret (shared by all nodes of a cluster)' },
  { env: 'TANDEM_ENROLLMENT_SECRET', key: 'auth.enrollmentSecret', kind: 'string', description: 'shared secret agents enroll with' },
  { env: 'TANDEM_TOKEN_TTL_SECONDS', key: 'auth.tokenTtlSeconds', kind: 'int', description: 'lifetime of a person token' },
  { env: 'TANDEM_REDIS_URL', key: 'store.redis.url', kind: 'string', description: 'Redis URL; enables the Redis store' },
  { env: 'TANDEM_REDIS_SENTINELS', key: 'store.redis.sentinels', kind: 'sentinels', description: 'host:port,host:port of Sentinels' },
  { env: 'TANDEM_REDIS_MASTER', key: 'store.redis.masterName', kind: 'string', description: 'Sentinel master name' },
  { env: 'TANDEM_REDIS_WAIT_REPLICAS', key: 'store.redis.waitReplicas', kind: 'int', description: 'replicas to WAIT for before ack' },
  { env: 'TANDEM_LEASE_TTL_MS', key: 'store.leaseTtlMs', kind: 'int', description: 'session lease lifetime' },
  { env: 'TANDEM_ACTOR_IDLE_MS', key: 'store.actorIdleMs', kind: 'int', description: 'idle time before a session actor is evicted' },
  { env: 'TANDEM_REQUEST_ACTOR_IDLE_MS', key: 'store.requestActorIdleMs', kind: 'int', description: 'idle time before a request actor is evicted (its lease released)' },
  { env: 'TANDEM_WS_MAX_PAYLOAD', key: 'ws.maxPayloadBytes', kind: 'int', description: 'largest accepted WebSocket frame' },
  { env: 'TANDEM_WS_HEARTBEAT_MS', key: 'ws.heartbeatMs', kind: 'int', description: 'WebSocket ping interval' },
  { env: 'TANDEM_AUDIT_RETENTION_DAYS', key: 'audit.retentionDays', kind: 'int', description: 'days the audit log keeps entries' },
  { env: 'TANDEM_SMTP_HOST', key: 'mail.host', kind: 'string', description: 'SMTP server for notifications (empty: none)' },
  { env: 'TANDEM_SMTP_PORT', key: 'mail.port', kind: 'int', description: 'SMTP port' },
  { env: 'TANDEM_SMTP_SECURE', key: 'mail.secure', kind: 'bool', description: 'SMTP over TLS from the start (port 465)' },
  { env: 'TANDEM_SMTP_REQUIRE_TLS', key: 'mail.requireTls', kind: 'bool', description: 'never send mail without STARTTLS' },
  { env: 'TANDEM_SMTP_CA_FILE', key: 'mail.caFile', kind: 'string', description: 'CA (PEM) of the SMTP server\'s certificate' },
  { env: 'TANDEM_SMTP_USER', key: 'mail.user', kind: 'string', description: 'SMTP user' },
  { env: 'TANDEM_SMTP_PASS', key: 'mail.pass', kind: 'string', description: 'SMTP password' },
  { env: 'TANDEM_MAIL_FROM', key: 'mail.from', kind: 'string', description: 'sender of notification mails' },
  { env: 'TANDEM_AGENT_GRACE_MS', key: 'ws.agentGraceMs', kind: 'int', description: 'how long a dropped agent keeps its session' },
];
