import { Logger } from '@nestjs/common';
import type { RawData } from 'ws';
import { CLOSE_CODES } from '../protocol/close-codes';
import { parseEnvelope, type Envelope } from '../protocol/envelope';
import { INBOUND_EVENTS } from '../protocol/inbound-events';
import { validateDto } from '../protocol/validate-dto';
import type { Connection } from './connection';
import { sendersOf } from './identity';
import { ProtocolError } from './protocol-error';
import { TokenBucket } from './token-bucket';

/** Handles one validated event; its return value is the ack's data. Throw ProtocolError to refuse. */
// Method syntax makes the data parameter bivariant, so a handler may declare its own DTO type;
// the pipeline has already validated `data` against that event's DTO.
export type EventHandler = { handle(conn: Connection, data: object, envelope: Envelope): unknown }['handle'];
export type BinaryHandler = (conn: Connection, frame: Buffer) => void;

export interface PipelineOptions {
  maxPayloadBytes: number;
  messagesPerSecond: number;
  burst: number;
  framesPerSecond: number;
  frameBurst: number;
  heartbeatMs: number;
  handlers: ReadonlyMap<string, EventHandler>;
  onBinary?: BinaryHandler;
  onClose?: (conn: Connection) => void;
}

const logger = new Logger('ws');

/**
 * The edge of the protocol for one connection: size limit, flood guard, envelope, event table,
 * sender check, DTO validation, dispatch, ack/error; plus heartbeats and token expiry. It keeps no
 * session state and decides nothing: handlers ask the session actors.
 */
export function attachPipeline(conn: Connection, opts: PipelineOptions): void {
  const bucket = new TokenBucket(opts.messagesPerSecond, opts.burst);
  const frames = new TokenBucket(opts.framesPerSecond, opts.frameBurst);
  const senders = sendersOf(conn.identity);
  let missedPongs = 0;
  const { ws } = conn;

  ws.on('pong', () => { missedPongs = 0; });
  const heartbeat = setInterval(() => {
    // Three silent intervals (15 s at the default 5 s) mean the peer is gone.
    if (++missedPongs > 3) {
      logger.warn(`heartbeat timeout ${conn.describe()}`);
      ws.terminate();
      return;
    }
    if (conn.isOpen) ws.ping();
  }, opts.heartbeatMs);
  const expiresInMs = conn.identity.exp * 1000 - Date.now();
  const expiry = setTimeout(() => {
    conn.error(undefined, 'TOKEN_EXPIRED', 'your token expired; log in again');
    conn.close(CLOSE_CODES.TOKEN_EXPIRED, 'token expired');
  }, Math.max(0, Math.min(expiresInMs, 2 ** 31 - 1)));

  ws.on('close', () => {
    clearInterval(heartbeat);
    clearTimeout(expiry);
    opts.onClose?.(conn);
  });

  ws.on('message', (raw: RawData, isBinary: boolean) => {
    if (!(isBinary ? frames.take() : bucket.take())) {
      logger.warn(`flood: closing ${conn.describe()}`);
      conn.close(CLOSE_CODES.POLICY_VIOLATION, 'message rate limit exceeded');
      return;
    }
    const buf = toBuffer(raw);
    if (isBinary) {
      if (buf.length > opts.maxPayloadBytes) {
        conn.error(undefined, 'PAYLOAD_TOO_LARGE', `binary frame of ${buf.length} bytes exceeds ${opts.maxPayloadBytes}`);
        return;
      }
      if (opts.onBinary) opts.onBinary(conn, buf);
      else conn.error(undefined, 'UNKNOWN_EVENT', 'binary frames are not accepted on this endpoint');
      return;
    }
    if (buf.length > opts.maxPayloadBytes) {
      // Recover the id cheaply when it is near the start, so the client can correlate.
      const id = /"id"\s*:\s*("([^"]{1,80})"|(\d{1,15}))/.exec(buf.subarray(0, 256).toString('utf8'));
      conn.error(id ? (id[2] ?? Number(id[3])) : undefined, 'PAYLOAD_TOO_LARGE', `frame of ${buf.length} bytes exceeds ${opts.maxPayloadBytes}`);
      return;
    }
    void dispatch(conn, buf.toString('utf8'), senders, opts.handlers);
  });
}

async function dispatch(conn: Connection, text: string, senders: string[], handlers: ReadonlyMap<string, EventHandler>): Promise<void> {
  const parsed = parseEnvelope(text);
  if (!parsed.ok) {
    conn.error(parsed.id, parsed.code, parsed.message);
    return;
  }
  const { envelope } = parsed;
  const spec = INBOUND_EVENTS[envelope.event];
  const handler = handlers.get(envelope.event);
  if (!spec || !handler || !spec.senders.some((s) => senders.includes(s)) || !endpointAccepts(conn, spec.senders)) {
    conn.error(envelope.id, 'UNKNOWN_EVENT', `unknown event "${envelope.event.slice(0, 64)}" on /ws/${conn.endpoint}`);
    return;
  }
  if (conn.restrictedTo && !conn.restrictedTo.events.has(envelope.event)) {
    conn.error(envelope.id, conn.restrictedTo.code, conn.restrictedTo.message);
    return;
  }
  const valid = validateDto(spec.dto, envelope.data);
  if (!valid.ok) {
    conn.error(envelope.id, 'INVALID_DATA', valid.message);
    return;
  }
  try {
    const result = await handler(conn, valid.value, envelope);
    conn.ack(envelope.id, result ?? {});
  } catch (err) {
    if (err instanceof ProtocolError) {
      conn.error(envelope.id, err.code, err.message, err.extra);
      return;
    }
    const sessionId = (valid.value as { sessionId?: unknown }).sessionId;
    logger.error({ err }, `${envelope.event} failed ${conn.describe()}${typeof sessionId === 'string' ? ` [session:${sessionId}]` : ''}`);
    conn.error(envelope.id, 'INTERNAL', 'internal error');
  }
}

/** Agents speak on /ws/agent; people and customer panels on /ws/console. */
function endpointAccepts(conn: Connection, eventSenders: readonly string[]): boolean {
  return conn.endpoint === 'agent' ? eventSenders.includes('agent') || eventSenders.includes('customer') : true;
}

function toBuffer(raw: RawData): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  if (Array.isArray(raw)) return Buffer.concat(raw);
  return Buffer.from(raw);
}
