import { RuleCase, accepted, cust, requested, runRules, shared, sup, tech, tech2, tech3 } from '../testing/session-scenario';
import { toRef } from '../common/actor';
import { MAX_FILE_BYTES } from './session.commands';
import { authorizeFileChunk, fileReceivers } from './session-chat.rules';

const sha = 'a'.repeat(64);
const techFile = { type: 'FileOffered' as const, by: tech, fileId: 'f1', name: 'fix.ps1', size: 10, sha256: sha };
const custFile = { type: 'FileOffered' as const, by: cust, fileId: 'f2', name: 'log.txt', size: 10, sha256: sha };

const cases: RuleCase[] = [
  { id: 'CHAT-1', rule: 'a member chats', seed: 'Once the assistance session has started, you can communicate with the assistant.',
    given: shared(), when: { type: 'SendChat', messageId: 'm1', text: 'hello' }, actor: tech2, then: [{ type: 'ChatSent', messageId: 'm1', text: 'hello' }] },
  { id: 'CHAT-2', rule: 'the customer chats', seed: 'The user now just sees a simple bar at the top where they can stop the session with X or start a Chat 💬.',
    given: shared(), when: { type: 'SendChat', messageId: 'm1', text: 'hi' }, actor: cust, then: [{ type: 'ChatSent', messageId: 'm1', text: 'hi' }] },
  { id: 'CHAT-3', rule: 'a stranger does not chat', seed: 'You can now communicate with the user.',
    given: shared(), when: { type: 'SendChat', messageId: 'm1', text: 'hi' }, actor: tech3, rejects: 'NOT_MEMBER' },
  { id: 'CHAT-4', rule: 'no chat before the customer allowed the session', seed: 'Once the assistance session has started, you can communicate with the assistant.',
    given: [requested()], when: { type: 'SendChat', messageId: 'm1', text: 'hi' }, actor: tech, rejects: 'NOT_ACTIVE' },
  { id: 'CHAT-5', rule: 'message ids are unique', seed: 'Once the assistance session has started, you can communicate with the assistant.',
    given: [...shared(), { type: 'ChatSent', by: tech, messageId: 'm1', text: 'a' }], when: { type: 'SendChat', messageId: 'm1', text: 'b' }, actor: tech, rejects: 'DUPLICATE_ID' },
  { id: 'CHAT-6', rule: 'a watching supervisor may chat', seed: 'In a support session, chat with the customer',
    given: [requested(), accepted, { type: 'SupervisorJoined', by: sup, member: toRef(sup) }], when: { type: 'SendChat', messageId: 'm1', text: 'hi' }, actor: sup, then: [{ type: 'ChatSent', messageId: 'm1', text: 'hi' }] },
  { id: 'FILE-1', rule: 'a member offers a file with name, size and checksum', seed: 'To send files via the chat client in the window, select Remote Assistance Send File from the context menu.',
    given: shared(), when: { type: 'OfferFile', fileId: 'f1', name: 'fix.ps1', size: 10, sha256: sha }, actor: tech, then: [{ type: 'FileOffered', fileId: 'f1', name: 'fix.ps1', size: 10, sha256: sha }] },
  { id: 'FILE-2', rule: 'a file larger than the limit is refused', seed: 'To send files via the chat client in the window',
    given: shared(), when: { type: 'OfferFile', fileId: 'f1', name: 'big.iso', size: MAX_FILE_BYTES + 1, sha256: sha }, actor: tech, rejects: 'FILE_TOO_LARGE' },
  { id: 'FILE-3', rule: 'the customer accepts a technician\'s file', seed: 'To send files via the chat client in the window, select Remote Assistance Send File',
    given: [...shared(), techFile], when: { type: 'RespondFile', fileId: 'f1', accept: true }, actor: cust, then: [{ type: 'FileAnswered', fileId: 'f1', accept: true }] },
  { id: 'FILE-4', rule: 'a technician does not answer a technician\'s file', seed: 'To send files via the chat client in the window',
    given: [...shared(), techFile], when: { type: 'RespondFile', fileId: 'f1', accept: true }, actor: tech2, rejects: 'NOT_CUSTOMER' },
  { id: 'FILE-5', rule: 'an unknown file cannot be answered', seed: 'To send files via the chat client in the window',
    given: shared(), when: { type: 'RespondFile', fileId: 'nope', accept: true }, actor: cust, rejects: 'UNKNOWN_FILE' },
  { id: 'FILE-6', rule: 'a member answers the customer\'s file', seed: 'To send files via the chat client in the window',
    given: [...shared(), custFile], when: { type: 'RespondFile', fileId: 'f2', accept: false }, actor: tech2, then: [{ type: 'FileAnswered', fileId: 'f2', accept: false }] },
  { id: 'FILE-7', rule: 'the customer does not answer its own file', seed: 'To send files via the chat client in the window',
    given: [...shared(), custFile], when: { type: 'RespondFile', fileId: 'f2', accept: true }, actor: cust, rejects: 'NOT_MEMBER' },
  { id: 'FILE-8', rule: 'a watching supervisor offers no file', seed: 'a technician who may also watch any session of their teams',
    given: [requested(), accepted, { type: 'SupervisorJoined', by: sup, member: toRef(sup) }], when: { type: 'OfferFile', fileId: 'f1', name: 'x', size: 1, sha256: sha }, actor: sup, rejects: 'NOT_PARTICIPANT' },
  { id: 'FILE-9', rule: 'file ids are unique', seed: 'To send files via the chat client in the window',
    given: [...shared(), techFile], when: { type: 'OfferFile', fileId: 'f1', name: 'x', size: 1, sha256: sha }, actor: tech, rejects: 'DUPLICATE_ID' },
  { id: 'FILE-10', rule: 'a file is answered once: the second answer (the panel after the agent, or the other way) is refused', seed: 'To send files via the chat client in the window',
    given: [...shared(), techFile, { type: 'FileAnswered', by: cust, fileId: 'f1', accept: true }], when: { type: 'RespondFile', fileId: 'f1', accept: false }, actor: cust, rejects: 'FILE_ANSWERED' },
];

describe('session chat and files', () => runRules(cases));

describe('file bytes (not journaled)', () => {
  const { given } = jest.requireActual<typeof import('../testing/session-scenario')>('../testing/session-scenario');
  const accept = (fileId: string) => ({ type: 'FileAnswered' as const, by: cust, fileId, accept: true });
  test('FILE-CHUNK-1 only the sender of an accepted file sends its bytes, within its size — "Send File"', () => {
    const offered = given(...shared(), techFile).state;
    expect(authorizeFileChunk(offered, tech.id, 'f1', 0, 5)).toMatchObject({ rejection: { code: 'FILE_NOT_ACCEPTED' } });
    const ok = given(...shared(), techFile, accept('f1')).state;
    expect(authorizeFileChunk(ok, tech.id, 'f1', 0, 10)).toEqual({ ok: true });
    expect(authorizeFileChunk(ok, tech2.id, 'f1', 0, 5)).toMatchObject({ rejection: { code: 'FILE_NOT_ACCEPTED' } });
    expect(authorizeFileChunk(ok, tech.id, 'f1', 5, 6)).toMatchObject({ rejection: { code: 'FILE_TOO_LARGE' } });
    expect(authorizeFileChunk(ok, tech.id, 'nope', 0, 1)).toMatchObject({ rejection: { code: 'UNKNOWN_FILE' } });
    expect(fileReceivers(ok, 'f1')).toEqual({ customer: true, memberIds: [] });
    const fromCustomer = given(...shared(), custFile, { type: 'FileAnswered' as const, by: tech, fileId: 'f2', accept: true }).state;
    expect(authorizeFileChunk(fromCustomer, cust.id, 'f2', 0, 10)).toEqual({ ok: true });
    expect(fileReceivers(fromCustomer, 'f2').memberIds.length).toBeGreaterThan(0);
    const ended = given(...shared(), techFile, accept('f1'), { type: 'SessionEnded', by: tech, reason: 'owner', lockDesktop: false, releaseClient: true }).state;
    expect(authorizeFileChunk(ended, tech.id, 'f1', 0, 1)).toMatchObject({ rejection: { code: 'SESSION_ENDED' } });
  });
});
