/** An error answer of the admin API: `{code, message}` and the HTTP status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export interface NodeRecord {
  id: string; version: string; address: string | null; startedAt: number; seenAt: number; connections: number; draining: boolean;
  sessions: number; actors: number; eventsPerSecond: number; fenced: number; replays: number;
}
export interface LiveSession {
  sessionId: string; status: string; mode: string; agentId: string | null;
  queue: { kind: 'team'; teamId: string } | { kind: 'personal'; userId: string } | null;
  teams: string[]; ownerId: string | null; customer: string | null; members: number; since: number; updatedAt: number; node: string | null; durationMs: number;
}
export interface ServerMember { id: string; kind: string; name: string; role: string }
/** The server's full session state (GET /api/admin/sessions/:id), the fields the page reads. */
export interface ServerSessionState {
  sessionId: string; seq: number; status: string; mode: string; agentId: string | null; ownerId: string | null;
  members: Record<string, ServerMember>; customer: { id: string; name: string; connected: boolean; online: boolean } | null;
  teams: string[]; controllerId: string | null; elevated: boolean; chatOnly: boolean; screenPaused: boolean; recording?: boolean;
  invitations: Record<string, unknown>; requests: Record<string, unknown>; endReason: string | null;
  origin: unknown;
}
export interface SessionDetail { state: ServerSessionState; node: string | null; events: Array<Record<string, unknown> & { seq: number; type: string; at: number; actor: { kind: string; id: string; name: string } }>; quality?: SessionQuality | null }
/** The screen's quality as the answering node sees it (src/media/session-quality.ts). */
export interface SessionQuality {
  step?: { level: number; quality: number; maxFps: number };
  agent?: { fps: number; bitsPerSecond: number; captureMs: number; encodeMs: number; quality: number; maxFps: number; level: number };
  viewers: Array<{ memberId: string; connId: string; queuedBytes: number; droppedFrames: number; supersededFrames: number; link: { rttMs: number; baseRttMs: number; fps: number; bitsPerSecond: number; inFlightBytes: number } }>;
}
export interface AdminAgent {
  agentId: string; hostname: string; osUser: string; os: string; version: string; teams: string[];
  online: boolean; since: number; offlineSince: number | null; status?: string; displays?: unknown[];
}
export interface AdminUser { username: string; displayName: string; role: string; teams: string[]; email: string | null }
export interface AuditEntry { at: number; type: string; actor: { kind: string; id: string; name: string }; sessionId: string | null; seq: number | null; node: string; details: Record<string, unknown> }
export interface VerifyResult {
  ok: boolean; checked: number; events: number;
  firstBroken: { stream: string; events: number; break: { position: number; reason: string } | null } | null;
  /** Every stream checked; an intact one has the hash of its last event (`head`). */
  results?: Array<{ stream: string; events: number; ok: boolean; head?: string }>;
  /** Day ledgers read and the older days a long range did not read. */
  days?: { checked: number; skipped: number; skippedBefore?: string };
}

/** The admin REST API with the signed-in admin's bearer token. */
export class AdminApi {
  constructor(private readonly token: string) {}

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: object = {}): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  /** A raw authorized fetch (the audit export streams); throws ApiError on an error status. */
  async raw(path: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(path, { headers: { authorization: `Bearer ${this.token}` }, cache: 'no-store' });
    } catch {
      throw new ApiError(0, 'UNREACHABLE', 'the server cannot be reached');
    }
    if (!res.ok) throw await errorOf(res);
    return res;
  }

  private async call<T>(method: string, path: string, body?: object): Promise<T> {
    let res: Response;
    try {
      res = await fetch(path, {
        method, cache: 'no-store',
        headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch {
      throw new ApiError(0, 'UNREACHABLE', 'the server cannot be reached');
    }
    if (!res.ok) throw await errorOf(res);
    return (await res.json()) as T;
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  return new ApiError(res.status, body.code ?? `HTTP_${res.status}`, body.message ?? res.statusText);
}
