import { RuleCase, accepted, cust, requested, runRules, shared, sup, tech, tech2, tech3 } from '../testing/session-scenario';
import { toRef } from '../common/actor';
import { MAX_FILE_BYTES } from './session.commands';
import { authorizeFileChunk, fileReceivers } from './session-chat.rules';

const sha = 'a'.repeat(64);
const techFile = { type: 'FileOffered' as const, by: tech, fileId: 'f1', name: 'fix.ps1', size: 10, sha256: sha };
const custFile = { type: 'FileOffered' as const, by: cust, fileId: 'f2', name: 'log.txt', size: 10, sha256: sha };
const tech2File = { type: 'FileOffered' as const, by: tech2, fileId: 'f3', name: 'tool.exe', size: 10, sha256: sha };
const techAccepted = [techFile, { type: 'FileAnswered' as const, by: cust, fileId: 'f1', accept: true }];
const custAccepted = [custFile, { type: 'FileAnswered' as const, by: tech, fileId: 'f2', accept: true }];
const tech2Accepted = [tech2File, { type: 'FileAnswered' as const, by: cust, fileId: 'f3', accept: true }];
const report = (fileId: string, result: { ok: true; savedAs?: string } | { ok: false; code: 'HASH_MISMATCH' | 'SIZE_MISMATCH' | 'WRITE_FAILED' | 'CANCELLED' }) => ({ type: 'ReportFile' as const, fileId, result });
const SEND = 'To send files via the chat client in the window, select Remote Assistance Send File from the context menu.';

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
  { id: 'FILE-11', rule: 'the customer\'s desktop reports a technician\'s file saved, under the name it chose', seed: SEND,
    given: [...shared(), ...techAccepted], when: report('f1', { ok: true, savedAs: 'fix (1).ps1' }), actor: cust, then: [{ type: 'FileDelivered', fileId: 'f1', name: 'fix.ps1', savedAs: 'fix (1).ps1' }] },
  { id: 'FILE-12', rule: 'the customer\'s desktop reports a technician\'s file damaged, with why', seed: SEND,
    given: [...shared(), ...techAccepted], when: report('f1', { ok: false, code: 'HASH_MISMATCH' }), actor: cust, then: [{ type: 'FileFailed', fileId: 'f1', name: 'fix.ps1', code: 'HASH_MISMATCH' }] },
  { id: 'FILE-13', rule: 'a member reports the customer\'s file; a saved name is the desktop\'s alone', seed: SEND,
    given: [...shared(), ...custAccepted], when: report('f2', { ok: true, savedAs: 'elsewhere.txt' }), actor: tech2, then: [{ type: 'FileDelivered', fileId: 'f2', name: 'log.txt' }] },
  { id: 'FILE-14', rule: 'a technician does not report a technician\'s file', seed: SEND,
    given: [...shared(), ...techAccepted], when: report('f1', { ok: true }), actor: tech2, rejects: 'NOT_CUSTOMER' },
  { id: 'FILE-15', rule: 'the customer does not report its own file', seed: SEND,
    given: [...shared(), ...custAccepted], when: report('f2', { ok: true }), actor: cust, rejects: 'NOT_MEMBER' },
  { id: 'FILE-16', rule: 'a file not accepted has nothing to report', seed: SEND,
    given: [...shared(), techFile], when: report('f1', { ok: false, code: 'SIZE_MISMATCH' }), actor: cust, rejects: 'FILE_NOT_ACCEPTED' },
  { id: 'FILE-17', rule: 'a file is reported once', seed: SEND,
    given: [...shared(), ...techAccepted, { type: 'FileFailed', by: cust, fileId: 'f1', name: 'fix.ps1', code: 'WRITE_FAILED' }], when: report('f1', { ok: true }), actor: cust, rejects: 'FILE_REPORTED' },
  { id: 'FILE-18', rule: 'an unknown file is not reported', seed: SEND,
    given: shared(), when: report('nope', { ok: true }), actor: cust, rejects: 'UNKNOWN_FILE' },
  { id: 'FILE-19', rule: 'nothing is reported once the session ended', seed: SEND,
    given: [...shared(), ...techAccepted, { type: 'SessionEnded', by: tech, reason: 'owner', lockDesktop: false, releaseClient: true }], when: report('f1', { ok: true }), actor: cust, rejects: 'SESSION_ENDED' },
  { id: 'FILE-20', rule: 'the session\'s end cancels the files on their way (not those still offered), before it ends, so their senders learn it', seed: SEND,
    given: [...shared(), ...techAccepted, ...custAccepted, { ...tech2File, fileId: 'f4' }], when: { type: 'End' }, actor: tech,
    then: [{ type: 'FileFailed', fileId: 'f1', name: 'fix.ps1', code: 'CANCELLED' }, { type: 'FileFailed', fileId: 'f2', name: 'log.txt', code: 'CANCELLED' }, { type: 'SessionEnded', reason: 'owner', lockDesktop: false, releaseClient: true }] },
  { id: 'FILE-21', rule: 'disconnecting the customer cancels the files on their way (each goes to or comes from the desktop)', seed: SEND,
    given: [...shared(), ...techAccepted], when: { type: 'DisconnectCustomer' }, actor: tech,
    then: [{ type: 'FileFailed', fileId: 'f1', name: 'fix.ps1', code: 'CANCELLED' }, { type: 'CustomerDisconnected', customerId: cust.id }] },
  { id: 'FILE-22', rule: 'a member who leaves or is removed cancels the files it was sending, not the others', seed: SEND,
    given: [...shared(), ...techAccepted, ...tech2Accepted, ...custAccepted], when: { type: 'Leave' }, actor: tech2,
    then: [{ type: 'FileFailed', fileId: 'f3', name: 'tool.exe', code: 'CANCELLED' }, { type: 'MemberLeft', memberId: tech2.id }] },
  { id: 'FILE-23', rule: 'a removed member\'s files on their way are cancelled', seed: SEND,
    given: [...shared(), ...tech2Accepted], when: { type: 'RemoveMember', memberId: tech2.id }, actor: tech,
    then: [{ type: 'FileFailed', fileId: 'f3', name: 'tool.exe', code: 'CANCELLED' }, { type: 'MemberRemoved', memberId: tech2.id }] },
  { id: 'FILE-24', rule: 'a member who leaves withdraws its offers not yet answered (CANCELLED), not the others\' offers', seed: SEND,
    given: [...shared(), tech2File, techFile, custFile], when: { type: 'Leave' }, actor: tech2,
    then: [{ type: 'FileFailed', fileId: 'f3', name: 'tool.exe', code: 'CANCELLED' }, { type: 'MemberLeft', memberId: tech2.id }] },
  { id: 'FILE-25', rule: 'a removed member\'s offers not yet answered are withdrawn (CANCELLED)', seed: SEND,
    given: [...shared(), tech2File], when: { type: 'RemoveMember', memberId: tech2.id }, actor: tech,
    then: [{ type: 'FileFailed', fileId: 'f3', name: 'tool.exe', code: 'CANCELLED' }, { type: 'MemberRemoved', memberId: tech2.id }] },
  { id: 'FILE-26', rule: 'disconnecting the customer withdraws every offer not yet answered, its own and those to it, with the files on their way', seed: SEND,
    given: [...shared(), techFile, custFile, ...tech2Accepted], when: { type: 'DisconnectCustomer' }, actor: tech,
    then: [
      { type: 'FileFailed', fileId: 'f1', name: 'fix.ps1', code: 'CANCELLED' }, { type: 'FileFailed', fileId: 'f2', name: 'log.txt', code: 'CANCELLED' },
      { type: 'FileFailed', fileId: 'f3', name: 'tool.exe', code: 'CANCELLED' }, { type: 'CustomerDisconnected', customerId: cust.id },
    ] },
  { id: 'FILE-27', rule: 'an offer withdrawn with its sender is not accepted later', seed: SEND,
    given: [...shared(), tech2File, { type: 'FileFailed', by: tech, fileId: 'f3', name: 'tool.exe', code: 'CANCELLED' }, { type: 'MemberRemoved', by: tech, memberId: tech2.id }],
    when: { type: 'RespondFile', fileId: 'f3', accept: true }, actor: cust, rejects: 'FILE_FAILED' },
  { id: 'FILE-28', rule: 'the disconnected customer\'s offer is not accepted later', seed: SEND,
    given: [...shared(), custFile, { type: 'FileFailed', by: tech, fileId: 'f2', name: 'log.txt', code: 'CANCELLED' }, { type: 'CustomerDisconnected', by: tech, customerId: cust.id }],
    when: { type: 'RespondFile', fileId: 'f2', accept: true }, actor: tech2, rejects: 'FILE_FAILED' },
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
  test('FILE-CHUNK-2 no more bytes of a file that failed at its receiver or was delivered — "Send File"', () => {
    const failed = given(...shared(), ...techAccepted, { type: 'FileFailed', by: cust, fileId: 'f1', name: 'fix.ps1', code: 'WRITE_FAILED' }).state;
    expect(failed.files.f1).toMatchObject({ status: 'failed', failure: 'WRITE_FAILED' });
    expect(authorizeFileChunk(failed, tech.id, 'f1', 0, 1)).toMatchObject({ rejection: { code: 'FILE_FAILED' } });
    expect(authorizeFileChunk(failed, tech2.id, 'f1', 0, 1)).toMatchObject({ rejection: { code: 'FILE_NOT_ACCEPTED' } });
    const delivered = given(...shared(), ...techAccepted, { type: 'FileDelivered', by: cust, fileId: 'f1', name: 'fix.ps1', savedAs: 'fix.ps1' }).state;
    expect(delivered.files.f1).toMatchObject({ status: 'delivered', savedAs: 'fix.ps1' });
    expect(authorizeFileChunk(delivered, tech.id, 'f1', 0, 1)).toMatchObject({ rejection: { code: 'FILE_NOT_ACCEPTED' } });
    // A result for a file the journal does not know changes nothing.
    const stray = given(...shared(), { type: 'FileDelivered', by: cust, fileId: 'zz', name: 'x' }, { type: 'FileFailed', by: cust, fileId: 'zz', name: 'x', code: 'CANCELLED' }).state;
    expect(stray.files).toEqual({});
  });
  test('FILE-CHUNK-3 a sender who left, was removed or disconnected sends no more bytes — "Send File"', () => {
    const removed = given(...shared(), ...tech2Accepted, { type: 'FileFailed', by: tech, fileId: 'f3', name: 'tool.exe', code: 'CANCELLED' }, { type: 'MemberRemoved', by: tech, memberId: tech2.id }).state;
    expect(authorizeFileChunk(removed, tech2.id, 'f3', 0, 1)).toMatchObject({ rejection: { code: 'FILE_FAILED' } });
    expect(authorizeFileChunk(removed, tech2.id, 'f3', 0, 0)).toMatchObject({ rejection: { code: 'FILE_FAILED' } }); // file.done
    // A journal written before leaving cancelled files: the file looks open, its sender is gone.
    const left = given(...shared(), ...tech2Accepted, { type: 'MemberLeft', by: tech2, memberId: tech2.id }).state;
    expect(left.files.f3).toMatchObject({ status: 'accepted' });
    expect(authorizeFileChunk(left, tech2.id, 'f3', 0, 1)).toMatchObject({ rejection: { code: 'NOT_MEMBER' } });
    const disconnected = given(...shared(), ...custAccepted, { type: 'CustomerDisconnected', by: tech, customerId: cust.id }).state;
    expect(authorizeFileChunk(disconnected, cust.id, 'f2', 0, 1)).toMatchObject({ rejection: { code: 'NOT_MEMBER' } });
    expect(authorizeFileChunk(given(...shared(), ...custAccepted).state, cust.id, 'f2', 0, 1)).toEqual({ ok: true });
  });
});
