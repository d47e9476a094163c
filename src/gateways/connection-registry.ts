import { Injectable } from '@nestjs/common';
import type { Connection } from './connection';

/** The live connections of this node, findable by identity and by session subscription. */
@Injectable()
export class ConnectionRegistry {
  private readonly all = new Map<string, Connection>();
  private readonly byIdentity = new Map<string, Set<Connection>>();
  private readonly bySession = new Map<string, Set<Connection>>();

  add(conn: Connection): void {
    this.all.set(conn.id, conn);
    addTo(this.byIdentity, identityKey(conn.identity.kind, conn.identity.id), conn);
  }

  remove(conn: Connection): void {
    this.all.delete(conn.id);
    removeFrom(this.byIdentity, identityKey(conn.identity.kind, conn.identity.id), conn);
    for (const s of conn.sessions) removeFrom(this.bySession, s, conn);
    conn.sessions.clear();
  }

  subscribe(conn: Connection, sessionId: string): void {
    conn.sessions.add(sessionId);
    addTo(this.bySession, sessionId, conn);
  }

  unsubscribe(conn: Connection, sessionId: string): void {
    conn.sessions.delete(sessionId);
    removeFrom(this.bySession, sessionId, conn);
  }

  ofSession(sessionId: string): Connection[] {
    return [...(this.bySession.get(sessionId) ?? [])];
  }

  ofIdentity(kind: Connection['identity']['kind'], id: string): Connection[] {
    return [...(this.byIdentity.get(identityKey(kind, id)) ?? [])];
  }

  list(): Connection[] {
    return [...this.all.values()];
  }

  count(): number {
    return this.all.size;
  }
}

const identityKey = (kind: string, id: string): string => `${kind}:${id}`;

function addTo(map: Map<string, Set<Connection>>, key: string, conn: Connection): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(conn);
}

function removeFrom(map: Map<string, Set<Connection>>, key: string, conn: Connection): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(conn);
  if (set.size === 0) map.delete(key);
}
