/** A text frame: `{ event, data, id? }` (the shape of Nest's ws adapter). */
export interface Envelope {
  event: string;
  data: unknown;
  id?: string | number;
}

export type ParsedFrame = { ok: true; envelope: Envelope } | { ok: false; code: 'BAD_JSON'; message: string; id?: string | number };

/** Parses one text frame; never throws. An `id` is recovered even from a bad envelope when possible. */
export function parseEnvelope(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, code: 'BAD_JSON', message: `not JSON: ${(err as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'BAD_JSON', message: 'a frame must be a JSON object {event, data, id}' };
  }
  const obj = value as Record<string, unknown>;
  const id = typeof obj.id === 'string' || (typeof obj.id === 'number' && Number.isFinite(obj.id)) ? obj.id : undefined;
  if (obj.id !== undefined && id === undefined) return { ok: false, code: 'BAD_JSON', message: 'id must be a string or a number' };
  if (typeof obj.event !== 'string' || obj.event.length === 0 || obj.event.length > 64) {
    return { ok: false, code: 'BAD_JSON', message: 'event must be a non-empty string', id };
  }
  return { ok: true, envelope: { event: obj.event, data: obj.data ?? {}, id } };
}
