import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested,
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
}

export class CodesConfig {
  @IsInt() @Min(1000) securityCodeTtlMs = 600000;
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
  @IsString() user = '';
  @IsString() pass = '';
  @IsString() from = 'Tandem <tandem@localhost>';
  @IsInt() @Min(100) retryBaseMs = 1000;
  @IsInt() @Min(1000) retryMaxMs = 300000;
}

export class FilesConfig {
  /** The largest file a session transfers (bytes). */
  @IsInt() @Min(1) @Max(2 * 1024 * 1024 * 1024) maxBytes = 104857600;
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
  @ValidateNested() @Type(() => RecordingConfig) recording = new RecordingConfig();
  @ValidateNested() @Type(() => PolicyConfig) policy = new PolicyConfig();
  @ValidateNested() @Type(() => RolesConfig) roles = new RolesConfig();
  @IsArray() @ValidateNested({ each: true }) @Type(() => TeamConfig) teams: TeamConfig[] = [];
  @IsArray() @ValidateNested({ each: true }) @Type(() => UserConfig) users: UserConfig[] = [];
}
