import type { Connection } from './connection';

/** Remote assistance requests as the server shows them (`request.list`, `request.changed`; docs/protocol.md). */
export type RequestStatus = 'open' | 'waiting' | 'in-progress' | 'inactive' | 'closed';

export interface AssistanceRequest {
  requestId: string;
  status: RequestStatus;
  /** `realm`: the user database of the owner (docs/realms.md). */
  owner: { agentId: string; name: string; userId?: string | null; realm?: string | null } | null;
  description: string;
  /** Epoch ms the user is available from; null means any time. */
  availableFrom: number | null;
  oneTime: boolean;
  assignee: { id: string; name: string } | null;
  scheduledAt: number | null;
  sessionId: string | null;
  createdBy: { kind: string; id: string; name: string } | null;
  createdAt: number | null;
}

export const REQUEST_STATUS_LABEL: Record<RequestStatus, string> = {
  open: 'Open', waiting: 'Waiting for Connection', 'in-progress': 'In Progress', inactive: 'Inactive', closed: 'Closed',
};

const BADGE: Record<RequestStatus, string> = { open: 'primary', waiting: 'warn', 'in-progress': 'ok', inactive: '', closed: 'danger' };

/** The class of a status badge (`badge primary`, …). */
export function requestBadgeClass(s: RequestStatus): string {
  return `badge req-status ${BADGE[s] ?? ''}`.trim();
}

/** `Tue 26 Nov, 09:00` in the user's locale; `any time` for null. */
export function when(at: number | null, none = 'any time'): string {
  if (at === null || !Number.isFinite(at)) return none;
  return new Date(at).toLocaleString([], { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}

/** The value of an `<input type="datetime-local">` for an epoch ms (local time), or ''. */
export function toLocalInput(at: number | null): string {
  if (at === null) return '';
  const d = new Date(at);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** An `<input type="datetime-local">` value as an ISO time for the server, or null when empty or invalid. */
export function fromLocalInput(v: string): string | null {
  if (!v) return null;
  const t = new Date(v).getTime();
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

type Listener = (changed: AssistanceRequest | null) => void;

/**
 * The requests this connection may see: loaded with `request.list` at every (re)connect, kept live with
 * `request.changed`. A closed request leaves the list. Changes pushed while a list is on its way are
 * applied after it, so the newest wins.
 */
export class RequestStore {
  readonly requests = new Map<string, AssistanceRequest>();
  loaded = false;
  private loading: AssistanceRequest[] | null = null;
  private readonly listeners: Listener[] = [];

  /** With `autoload` false the owner calls reload() itself after each (re)connect. */
  constructor(private readonly conn: Connection, autoload = true) {
    conn.on('request.changed', (d: { request: AssistanceRequest }) => {
      if (this.loading) this.loading.push(d.request);
      else this.apply(d.request);
    });
    if (autoload) conn.onOpen(() => void this.reload());
  }

  onChange(l: Listener): void {
    this.listeners.push(l);
  }

  /** Sorted: the ones needing attention first (waiting, in progress, open), then inactive; oldest first within. */
  list(): AssistanceRequest[] {
    const rank: Record<RequestStatus, number> = { waiting: 0, 'in-progress': 1, open: 2, inactive: 3, closed: 4 };
    return [...this.requests.values()].sort((a, b) => rank[a.status] - rank[b.status] || (a.createdAt ?? 0) - (b.createdAt ?? 0));
  }

  get(requestId: string): AssistanceRequest | undefined {
    return this.requests.get(requestId);
  }

  /** The request a session was launched for, if any. */
  forSession(sessionId: string): AssistanceRequest | undefined {
    return [...this.requests.values()].find((r) => r.sessionId === sessionId);
  }

  async reload(): Promise<void> {
    this.loading = [];
    try {
      const ack = await this.conn.ask<{ requests: AssistanceRequest[] }>('request.list');
      this.requests.clear();
      for (const r of ack.requests) this.requests.set(r.requestId, r);
      this.loaded = true;
    } catch {
      // Disconnected or refused: the next open reloads.
    } finally {
      const later = this.loading ?? [];
      this.loading = null;
      for (const r of later) this.apply(r, false);
      this.emit(null);
    }
  }

  /** Applies a request from an ack or a push. */
  apply(r: AssistanceRequest, notify = true): void {
    if (r.status === 'closed') this.requests.delete(r.requestId);
    else this.requests.set(r.requestId, r);
    if (notify) this.emit(r);
  }

  private emit(r: AssistanceRequest | null): void {
    for (const l of this.listeners) l(r);
  }
}
