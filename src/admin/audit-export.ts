import type { Writable } from 'node:stream';
import type { AuditEntry, AuditLog } from '../cluster/ports';

export interface AuditFilter {
  from: number;
  to: number;
  sessionId?: string;
  actor?: string;
  type?: string;
}

export const CSV_HEADER = 'at,type,actor_kind,actor_id,actor_name,session_id,seq,node,details\n';

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function toCsv(e: AuditEntry): string {
  return [new Date(e.at).toISOString(), e.type, e.actor.kind, e.actor.id, e.actor.name, e.sessionId, e.seq, e.node, e.details].map(csvCell).join(',') + '\n';
}

export function toJsonLine(e: AuditEntry): string {
  return JSON.stringify(e) + '\n';
}

export function matches(e: AuditEntry, f: AuditFilter): boolean {
  return (!f.sessionId || e.sessionId === f.sessionId) && (!f.actor || e.actor.id === f.actor) && (!f.type || e.type === f.type);
}

/**
 * Streams the audit log in a time range, filtered, as JSON Lines or CSV, a page at a time and waiting
 * for the socket to drain between writes: memory stays flat whatever the range. Returns the count.
 */
export async function exportAudit(log: AuditLog, filter: AuditFilter, format: 'jsonl' | 'csv', out: Writable, pageSize = 1000): Promise<number> {
  const line = format === 'csv' ? toCsv : toJsonLine;
  if (format === 'csv') await write(out, CSV_HEADER);
  let count = 0;
  for await (const page of log.scan(filter.from, filter.to, pageSize)) {
    let chunk = '';
    for (const e of page) {
      if (!matches(e, filter)) continue;
      chunk += line(e);
      count++;
    }
    if (chunk) await write(out, chunk);
    if (out.destroyed) break;
  }
  return count;
}

function write(out: Writable, chunk: string): Promise<void> {
  if (out.destroyed) return Promise.resolve();
  if (out.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.once('drain', done);
    out.once('close', done);
  });
}
