import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf, ValidateNested,
} from 'class-validator';

/** One section per concern; every field here is documented in docs/configuration.md. */
export class NodeConfig {
  @IsString() @MaxLength(64) id = '';
  @IsString() host = '0.0.0.0';
  @IsInt() @Min(0) @Max(65535) port = 8080;
  @IsString() dataDir = './data';
  @IsInt() @Min(100) shutdownTimeoutMs = 10000;
  @IsString() publicUrl = '';
}

export class LogConfig {
  @IsIn(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) level = 'info';
  @IsIn(['auto', true, false]) pretty: 'auto' | boolean = 'auto';
}

export class LoginLimitConfig {
  @IsInt() @Min(1) maxAttempts = 10;
  @IsInt() @Min(1) windowSeconds = 300;
}

export class AuthConfig {
  @IsString() jwtSecret = '';
  @IsInt() @Min(10) tokenTtlSeconds = 28800;
  @IsInt() @Min(10) agentTokenTtlSeconds = 31536000;
  @IsString() enrollmentSecret = '';
  @ValidateNested() @Type(() => LoginLimitConfig) login = new LoginLimitConfig();
}

export class SentinelAddress {
  @IsString() host = '127.0.0.1';
  @IsInt() @Min(1) @Max(65535) port = 26379;
}

export class RedisConfig {
  @IsString() url = '';
  @IsArray() @ValidateNested({ each: true }) @Type(() => SentinelAddress) sentinels: SentinelAddress[] = [];
  @IsString() masterName = 'mymaster';
  @IsInt() @Min(0) waitReplicas = 0;
  @IsInt() @Min(0) waitTimeoutMs = 500;
}

export class StoreConfig {
  @IsInt() @Min(200) leaseTtlMs = 2000;
  @IsInt() @Min(1) snapshotEvery = 100;
  @IsInt() @Min(100) actorIdleMs = 300000;
  /** Idle time before a request's actor is passivated (its lease released); requests change minutes apart. */
  @IsInt() @Min(100) requestActorIdleMs = 5000;
  @ValidateNested() @Type(() => RedisConfig) redis = new RedisConfig();
}

export class WsRateLimitConfig {
  @IsInt() @Min(1) messagesPerSecond = 50;
  @IsInt() @Min(1) burst = 200;
  /** Binary media frames (agents' tiles) have their own, larger budget: ~20 tiles × 30 fps is 600/s. */
  @IsInt() @Min(1) framesPerSecond = 3000;
  @IsInt() @Min(1) frameBurst = 6000;
}

export class WsConfig {
  @IsInt() @Min(1024) maxPayloadBytes = 1048576;
  @IsInt() @Min(100) heartbeatMs = 5000;
  @ValidateNested() @Type(() => WsRateLimitConfig) rateLimit = new WsRateLimitConfig();
  @IsInt() @Min(0) agentGraceMs = 30000;
  /** How long a reconnecting external representative has to resume (with the resume token) before the link's connection is closed. */
  @IsInt() @Min(100) rejoinWindowMs = 10000;
}

export class CodesConfig {
  @IsInt() @Min(1000) securityCodeTtlMs = 600000;
  /** How long a click-to-chat customer's attach code (`tandem-agent join --code`) stays good. */
  @IsInt() @Min(1000) attachCodeTtlMs = 600000;
  @IsInt() @Min(4) @Max(6) pinLength = 6;
}

/** One STUN or TURN server for WebRTC, as in RTCIceServer (urls like stun:host:3478, turn:host:3478?transport=udp). */
export class RtcIceServerConfig {
  @IsArray() @IsString({ each: true }) @Matches(/^(stun|stuns|turn|turns):\S+$/, { each: true, message: 'urls must be stun:, stuns:, turn: or turns: URLs' }) urls: string[] = [];
  @IsString() @IsOptional() username?: string;
  @IsString() @IsOptional() credential?: string;
}

/** The WebRTC screen path (docs/media.md, "WebRTC"). */
export class RtcConfig {
  /** false: viewers are told not to try WebRTC and stay on tiles. */
  @IsBoolean() enabled = true;
  /** Empty: host candidates only (the viewer must reach the agent's addresses directly). */
  @IsArray() @ValidateNested({ each: true }) @Type(() => RtcIceServerConfig) iceServers: RtcIceServerConfig[] = [];
}

export class MediaConfig {
  @IsInt() @Min(65536) viewerBufferBytes = 4194304;
  @ValidateNested() @Type(() => RtcConfig) rtc = new RtcConfig();
}

export class MailConfig {
  /** Empty: no mail is sent (and none is queued). */
  @IsString() host = '';
  @IsInt() @Min(1) @Max(65535) port = 25;
  /** true: TLS from the start (port 465); false: STARTTLS when the server offers it. */
  @IsBoolean() secure = false;
  /** true: refuse to send unless the server upgrades to TLS with STARTTLS (a mail waits in the outbox). */
  @IsBoolean() requireTls = false;
  /** PEM file of the CA that signed the SMTP server's certificate (empty: the system's CAs). */
  @IsString() caFile = '';
  @IsString() user = '';
  @IsString() pass = '';
  @IsString() from = 'Tandem <tandem@localhost>';
  @IsInt() @Min(100) retryBaseMs = 1000;
  @IsInt() @Min(1000) retryMaxMs = 300000;
  /** How often the sending node looks for request changes whose mails were never queued (a node died in between). */
  @IsInt() @Min(100) recoveryMs = 15000;
}

export class FilesConfig {
  /** The largest file a session transfers (bytes). */
  @IsInt() @Min(1) @Max(2 * 1024 * 1024 * 1024) maxBytes = 104857600;
}

export class ClipboardConfig {
  /**
   * The largest clipboard content (text or a PNG image, bytes) passed in a session. An image travels
   * base64 in one frame, so keep it under ¾ of ws.maxPayloadBytes.
   */
  @IsInt() @Min(1024) @Max(16 * 1024 * 1024) maxBytes = 524288;
}

export class ReasonPolicyConfig {
  @IsBoolean() jump = false;
  @IsBoolean() elevation = false;
  /** Playing or exporting a session recording (its content leaves the server). */
  @IsBoolean() recordingExport = false;
}

export class PolicyConfig {
  /** Where a reason or ticket number is required; it becomes part of the event. */
  @ValidateNested() @Type(() => ReasonPolicyConfig) reasonRequired = new ReasonPolicyConfig();
}

export class AuditConfig {
  @IsInt() @Min(1) retentionDays = 365;
}

export class TeamConfig {
  @Matches(/^[a-z0-9][a-z0-9-]*$/) id = '';
  @IsString() name = '';
  @IsArray() @IsString({ each: true }) rights: string[] = [];
}

export class UserConfig {
  @Matches(/^[A-Za-z0-9._@-]{1,64}$/) username = '';
  @IsString() @IsOptional() displayName?: string;
  @IsIn(['technician', 'supervisor', 'admin', 'customer']) role = 'technician';
  @IsArray() @IsString({ each: true }) teams: string[] = [];
  @Matches(/^\$2[aby]\$\d{2}\$.{53}$/, { message: 'passwordHash must be a bcrypt hash (use npm run user:add)' })
  passwordHash = '';
  @IsBoolean() @IsOptional() extendedAvailability?: boolean;
  @IsString() @IsOptional() email?: string;
}

/** How LDAP attributes map onto a user. */
export class LdapAttributesConfig {
  @IsString() @MinLength(1) username = 'uid';
  @IsString() @MinLength(1) displayName = 'cn';
  @IsString() @MinLength(1) email = 'mail';
}

/** Members of this groupOfNames (its `member` DNs) get the role and the teams. */
export class LdapGroupConfig {
  @IsString() @MinLength(1) dn = '';
  @IsIn(['technician', 'supervisor', 'admin', 'customer']) role = 'technician';
  @IsArray() @IsString({ each: true }) teams: string[] = [];
}

/** An LDAP directory (docs/realms.md). */
export class LdapRealmConfig {
  @Matches(/^ldaps?:\/\/[^\s/]+\/?$/, { message: 'url must be ldap://host[:port] or ldaps://host[:port]' }) url = '';
  @IsBoolean() startTls = false;
  /** PEM file of the CA that signed the directory's certificate (ldaps:// or startTls); empty: the system CAs. */
  @IsString() caFile = '';
  @IsString() bindDn = '';
  @IsString() bindPassword = '';
  /** A file holding the bind password (wins over bindPassword). */
  @IsString() bindPasswordFile = '';
  @IsString() @MinLength(1, { message: 'baseDn must name the subtree holding the users' }) baseDn = '';
  @IsString() @Matches(/\{username\}/, { message: 'userFilter must contain {username}' }) userFilter = '(&(objectClass=inetOrgPerson)(uid={username}))';
  @ValidateNested() @Type(() => LdapAttributesConfig) attributes = new LdapAttributesConfig();
  @IsArray() @ValidateNested({ each: true }) @Type(() => LdapGroupConfig) groups: LdapGroupConfig[] = [];
  /** The role of users in no configured group. */
  @IsIn(['technician', 'supervisor', 'admin', 'customer']) defaultRole = 'customer';
  @IsInt() @Min(5) syncIntervalSeconds = 300;
  @IsInt() @Min(100) timeoutMs = 5000;
  /** Page size of the paged results control (RFC 2696) the sync asks with. */
  @IsInt() @Min(1) @Max(10000) pageSize = 500;
}

/** A user database the server logs people in against (docs/realms.md). */
export class RealmConfig {
  @Matches(/^[a-z0-9][a-z0-9-]{0,31}$/, { message: 'id must be 1-32 of a-z 0-9 - (starting with a letter or digit)' }) id = '';
  @IsString() @MinLength(1) @MaxLength(80) name = '';
  @IsIn(['local', 'ldap']) kind: 'local' | 'ldap' = 'local';
  @ValidateIf((o: RealmConfig) => o.kind === 'ldap' || o.ldap !== undefined) @ValidateNested() @Type(() => LdapRealmConfig) ldap?: LdapRealmConfig;
}

export class RolesConfig {
  @IsArray() @IsString({ each: true }) technician: string[] = [];
  @IsArray() @IsString({ each: true }) supervisor: string[] = [];
  @IsArray() @IsString({ each: true }) admin: string[] = [];
  @IsArray() @IsString({ each: true }) customer: string[] = [];
}

/** Session recording (docs/recording.md). */
export class RecordingPolicyConfig {
  /** Teams whose sessions are recorded from the moment they become active (the owner cannot stop it, an admin can). */
  @IsArray() @IsString({ each: true }) teams: string[] = [];
  /** Jump Groups whose sessions (started through a Jump Client pinned to the group) are recorded from the start. */
  @IsArray() @IsString({ each: true }) jumpGroups: string[] = [];
}

export class RecordingConfig {
  /** Directory of the local recording store; empty: `<node.dataDir>/recordings`. */
  @IsString() dir = '';
  /** Largest recording file; on reaching it the server stops the recording (RecordingStopped by 'limit'). */
  @IsInt() @Min(65536) maxBytes = 2147483648;
  /** Bytes a recording may queue in memory while the store is behind; over it media frames are dropped (a gap marker, then a full frame). */
  @IsInt() @Min(65536) maxQueueBytes = 16777216;
  /** Recordings older than this are deleted (swept hourly); 0 keeps them forever. */
  @IsInt() @Min(0) retentionDays = 90;
  @ValidateNested() @Type(() => RecordingPolicyConfig) policy = new RecordingPolicyConfig();
}

/** The remote command shell (docs/protocol.md, "Command shell flow control"). */
export class ShellConfig {
  /** A shell's transcript keeps at most this much output; past it the file ends with a note and ShellClosed says `truncated`. */
  @IsInt() @Min(4096) transcriptMaxBytes = 16777216;
  /** A console connection whose socket holds more than this misses shell output (it is told how much) instead of queueing it. */
  @IsInt() @Min(65536) viewerBufferBytes = 1048576;
}

/** A profile id: what `support-button.deploy {profile}` names (at most 40 characters, as its DTO allows). */
export const PROFILE_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

/**
 * A Support Button profile, configured by the administrator (BeyondTrust: "Support Button profiles"): what
 * the button says to the customer on the desktop it is deployed on. The deploying representative picks one.
 */
export class SupportButtonProfileConfig {
  /** What the customer sees on the button and when starting a session with it. */
  @IsString() @MinLength(1) @MaxLength(80) title = '';
  /** A line under the title (what the button is for, whom it reaches). */
  @IsString() @MaxLength(300) description = '';
}

export class SupportButtonsConfig {
  /**
   * Profile id → profile, in the order the cockpit offers them. Each entry is validated by the loader
   * (class-validator has no nested validation for a map of classes): see checkSupportButtons.
   */
  @IsObject() profiles: Record<string, SupportButtonProfileConfig> = {
    default: Object.assign(new SupportButtonProfileConfig(), { title: 'Get help from IT', description: 'Start a support session with the helpdesk.' }),
  };
}

export class TandemConfig {
  @ValidateNested() @Type(() => NodeConfig) node = new NodeConfig();
  @ValidateNested() @Type(() => LogConfig) log = new LogConfig();
  @ValidateNested() @Type(() => AuthConfig) auth = new AuthConfig();
  @ValidateNested() @Type(() => StoreConfig) store = new StoreConfig();
  @ValidateNested() @Type(() => WsConfig) ws = new WsConfig();
  @ValidateNested() @Type(() => CodesConfig) codes = new CodesConfig();
  @ValidateNested() @Type(() => MediaConfig) media = new MediaConfig();
  @ValidateNested() @Type(() => AuditConfig) audit = new AuditConfig();
  @ValidateNested() @Type(() => MailConfig) mail = new MailConfig();
  @ValidateNested() @Type(() => FilesConfig) files = new FilesConfig();
  @ValidateNested() @Type(() => ClipboardConfig) clipboard = new ClipboardConfig();
  @ValidateNested() @Type(() => RecordingConfig) recording = new RecordingConfig();
  @ValidateNested() @Type(() => ShellConfig) shell = new ShellConfig();
  @ValidateNested() @Type(() => PolicyConfig) policy = new PolicyConfig();
  @ValidateNested() @Type(() => SupportButtonsConfig) supportButtons = new SupportButtonsConfig();
  @ValidateNested() @Type(() => RolesConfig) roles = new RolesConfig();
  @IsArray() @ValidateNested({ each: true }) @Type(() => TeamConfig) teams: TeamConfig[] = [];
  @IsArray() @ValidateNested({ each: true }) @Type(() => UserConfig) users: UserConfig[] = [];
  /** User databases; the default is the local users alone. */
  @IsArray() @ValidateNested({ each: true }) @Type(() => RealmConfig) realms: RealmConfig[] = [Object.assign(new RealmConfig(), { id: 'local', name: 'Local users', kind: 'local' as const })];
}
