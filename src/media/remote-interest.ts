import type { ViewerHealth } from './feedback-policy';

interface NodeInterest {
  /** When its last `want` was heard. */
  at: number;
  sessions: Map<string, ViewerHealth>;
}

/**
 * Which other nodes have allowed viewers of which sessions, from their `want` messages: each
 * message replaces that node's whole set, and a node not heard from for `ttlMs` counts as wanting
 * nothing (it died, or lost the bus). Read on every frame, so `nodesOf` is two map lookups.
 */
export class RemoteInterest {
  private readonly byNode = new Map<string, NodeInterest>();
  private readonly bySession = new Map<string, Set<string>>();

  constructor(private readonly ttlMs: number) {}

  /**
   * Replaces what `node` wants; returns the sessions it newly wants (not wanted before, or its
   * previous message had expired): their frames start flowing there and should start with a refresh.
   */
  update(node: string, sessions: ReadonlyMap<string, ViewerHealth>, now: number): string[] {
    const before = this.byNode.get(node);
    const wasLive = before !== undefined && now - before.at < this.ttlMs;
    const fresh: string[] = [];
    for (const id of sessions.keys()) if (!wasLive || !before.sessions.has(id)) fresh.push(id);
    if (before) for (const id of before.sessions.keys()) if (!sessions.has(id)) this.unindex(id, node);
    for (const id of sessions.keys()) {
      let set = this.bySession.get(id);
      if (!set) this.bySession.set(id, (set = new Set()));
      set.add(node);
    }
    if (sessions.size === 0) this.byNode.delete(node);
    else this.byNode.set(node, { at: now, sessions: new Map(sessions) });
    return fresh;
  }

  /** The nodes that want the session's frames now. */
  nodesOf(sessionId: string, now: number): string[] {
    const set = this.bySession.get(sessionId);
    if (!set) return NONE;
    const out: string[] = [];
    for (const node of set) {
      const entry = this.byNode.get(node);
      if (entry && now - entry.at < this.ttlMs) out.push(node);
    }
    return out;
  }

  /** The health each of those nodes reported for the session. */
  healthOf(sessionId: string, now: number): Array<{ node: string; health: ViewerHealth }> {
    const out: Array<{ node: string; health: ViewerHealth }> = [];
    for (const node of this.bySession.get(sessionId) ?? []) {
      const entry = this.byNode.get(node);
      const health = entry?.sessions.get(sessionId);
      if (entry && health && now - entry.at < this.ttlMs) out.push({ node, health });
    }
    return out;
  }

  /** Every session some live node wants. */
  sessions(now: number): string[] {
    const out = new Set<string>();
    for (const entry of this.byNode.values()) if (now - entry.at < this.ttlMs) for (const id of entry.sessions.keys()) out.add(id);
    return [...out];
  }

  /** Forgets nodes not heard from within the ttl. */
  sweep(now: number): void {
    for (const [node, entry] of [...this.byNode]) {
      if (now - entry.at < this.ttlMs) continue;
      for (const id of entry.sessions.keys()) this.unindex(id, node);
      this.byNode.delete(node);
    }
  }

  private unindex(sessionId: string, node: string): void {
    const set = this.bySession.get(sessionId);
    if (!set) return;
    set.delete(node);
    if (set.size === 0) this.bySession.delete(sessionId);
  }
}

const NONE: string[] = [];
