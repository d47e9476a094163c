import { RuleCase, accepted, cust, mode, requested, runRules, shared, tech, tech2, tech3 } from '../testing/session-scenario';
import { MAX_CLIPBOARD_BYTES } from './session.commands';

const SEED = 'Clipboard sync (text, and images where cheap): both directions, only in interact, only for the member holding control, each transfer an event (size and type, never the content); the customer can turn it off for the session';
const text = { type: 'SendClipboard' as const, mime: 'text/plain' as const, size: 12 };
const image = { type: 'SendClipboard' as const, mime: 'image/png' as const, size: 48_000, maxBytes: 512 * 1024 };
const off = { type: 'ClipboardSet' as const, by: cust, enabled: false };

const cases: RuleCase[] = [
  { id: 'CLIP-1', rule: 'the member holding control sends clipboard text to the customer in interact; the event has type and size, not the content', seed: SEED,
    given: shared('interact'), when: text, actor: tech, then: [{ type: 'ClipboardSent', direction: 'to-customer', to: cust.id, mime: 'text/plain', size: 12 }] },
  { id: 'CLIP-2', rule: 'the customer\'s clipboard goes to the member holding control only', seed: SEED,
    given: shared('interact'), when: text, actor: cust, then: [{ type: 'ClipboardSent', direction: 'to-technician', to: tech.id, mime: 'text/plain', size: 12 }] },
  { id: 'CLIP-3', rule: 'no clipboard in observe', seed: SEED, given: shared('observe'), when: text, actor: tech, rejects: 'MODE_FORBIDS_INPUT' },
  { id: 'CLIP-4', rule: 'no clipboard from the customer in observe either', seed: SEED, given: shared('observe'), when: text, actor: cust, rejects: 'MODE_FORBIDS_INPUT' },
  { id: 'CLIP-5', rule: 'a member without control sends no clipboard', seed: SEED, given: shared('interact'), when: text, actor: tech2, rejects: 'NOT_CONTROLLER' },
  { id: 'CLIP-6', rule: 'a stranger sends no clipboard', seed: SEED, given: shared('interact'), when: text, actor: tech3, rejects: 'NOT_MEMBER' },
  { id: 'CLIP-7', rule: 'the customer turns the clipboard off; nothing passes either way', seed: SEED,
    given: [...shared('interact'), off], when: text, actor: tech, rejects: 'CLIPBOARD_OFF' },
  { id: 'CLIP-8', rule: 'off means off for the customer\'s side too', seed: SEED, given: [...shared('interact'), off], when: text, actor: cust, rejects: 'CLIPBOARD_OFF' },
  { id: 'CLIP-9', rule: 'the customer turns it on again', seed: SEED,
    given: [...shared('interact'), off], when: { type: 'SetClipboard', enabled: true }, actor: cust, then: [{ type: 'ClipboardSet', enabled: true }] },
  { id: 'CLIP-10', rule: 'only the customer turns the clipboard off', seed: SEED,
    given: shared('interact'), when: { type: 'SetClipboard', enabled: false }, actor: tech, rejects: 'NOT_CUSTOMER' },
  { id: 'CLIP-11', rule: 'a text over the limit is refused', seed: 'size limit in config', given: shared('interact'),
    when: { ...text, size: MAX_CLIPBOARD_BYTES + 1 }, actor: tech, rejects: 'CLIPBOARD_TOO_LARGE' },
  { id: 'CLIP-12', rule: 'no clipboard before the customer allowed the session', seed: SEED, given: [requested()], when: text, actor: tech, rejects: 'NOT_ACTIVE' },
  { id: 'CLIP-13', rule: 'no clipboard in hold', seed: SEED, given: [requested(), accepted, mode('interact'), mode('hold', 'interact')], when: text, actor: tech, rejects: 'MODE_FORBIDS_INPUT' },
  { id: 'CLIP-14', rule: 'an image (PNG) passes like text, both ways, with its type and size', seed: SEED,
    given: shared('interact'), when: image, actor: cust, then: [{ type: 'ClipboardSent', direction: 'to-technician', to: tech.id, mime: 'image/png', size: 48_000 }] },
  { id: 'CLIP-15', rule: 'content over the configured limit is refused, though under the hard cap', seed: 'size limit in config', given: shared('interact'),
    when: { ...image, size: 512 * 1024 + 1 }, actor: tech, rejects: 'CLIPBOARD_TOO_LARGE' },
  { id: 'CLIP-16', rule: 'no image in observe either', seed: SEED, given: shared('observe'), when: image, actor: tech, rejects: 'MODE_FORBIDS_INPUT' },
];

runRules(cases);
