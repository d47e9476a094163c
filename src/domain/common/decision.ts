import { REJECTION_CODES, RejectionCode } from './rejection-codes';

/** A refused command: a stable code and its one-line meaning. Never carries command data. */
export interface Rejection {
  code: RejectionCode;
  message: string;
}

/** The answer of every decide function: the events to append, or a rejection. Business rejections are values, never throws. */
export type Decision<E> = { events: E[] } | { rejection: Rejection };

/** True when the decision is a rejection. */
export function isRejection<E>(d: Decision<E> | { ok: true } | { rejection: Rejection }): d is { rejection: Rejection } {
  return (d as { rejection?: Rejection }).rejection !== undefined;
}

/** A rejection whose message is the registry's meaning of the code, so nothing from the command can leak into it. */
export function reject(code: RejectionCode): { rejection: Rejection } {
  return { rejection: { code, message: REJECTION_CODES[code] } };
}

/** An accepted decision. */
export function accept<E>(events: E[]): { events: E[] } {
  return { events };
}

/** The answer of a pure authorisation query. */
export type Authorization = { ok: true } | { rejection: Rejection };

export const ALLOWED: Authorization = { ok: true };
