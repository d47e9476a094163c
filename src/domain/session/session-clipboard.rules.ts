import { Actor } from '../common/actor';
import { MAX_CLIPBOARD_BYTES, SessionCommand } from './session.commands';
import { Outcome, active, check, customer, emit, firstFailure, isCustomerActor, notEnded } from './session.guards';
import { SessionState, controllerOf } from './session.state';

type Cmd<T extends SessionCommand['type']> = Extract<SessionCommand, { type: T }>;

/**
 * Clipboard text (or a PNG image) passes between the member holding control and the customer's desktop,
 * both ways, only in interact, only while the customer leaves the clipboard on and within the configured size. The event says who, which way, the
 * type and the size — never the content, which the gateway relays to `to` alone.
 */
export function sendClipboard(s: SessionState, c: Cmd<'SendClipboard'>, a: Actor): Outcome {
  const fromCustomer = isCustomerActor(s, a);
  const controller = controllerOf(s);
  const failure = firstFailure(
    notEnded(s), active(s),
    check(fromCustomer || s.members[a.id] !== undefined, 'NOT_MEMBER'),
    check(s.mode === 'interact', 'MODE_FORBIDS_INPUT'),
    check(fromCustomer || controller === a.id, 'NOT_CONTROLLER'),
    check(s.clipboard, 'CLIPBOARD_OFF'),
    check(c.size >= 0 && c.size <= Math.min(c.maxBytes ?? MAX_CLIPBOARD_BYTES, MAX_CLIPBOARD_BYTES), 'CLIPBOARD_TOO_LARGE'),
    check(!fromCustomer || controller !== null, 'NOT_CONTROLLER'),
    check(fromCustomer || s.customer !== null, 'CUSTOMER_OFFLINE'),
  );
  if (failure) return failure;
  const to = fromCustomer ? controller! : s.customer!.id;
  return emit({ type: 'ClipboardSent', direction: fromCustomer ? 'to-technician' : 'to-customer', to, mime: c.mime, size: c.size });
}

/** The customer turns the clipboard off (or on again) for this session. */
export function setClipboard(s: SessionState, c: Cmd<'SetClipboard'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), customer(s, a));
  return failure ?? emit({ type: 'ClipboardSet', enabled: c.enabled });
}
