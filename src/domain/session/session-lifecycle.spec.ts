import { RuleCase, accepted, admin, cust, elevated, given, invited, requested, runRules, shared, sys, tech, tech2, tech3 } from '../testing/session-scenario';

const active = [requested(), accepted];
const ended = { type: 'SessionEnded' as const, by: tech, reason: 'owner' as const, lockDesktop: false, releaseClient: true };
const held = { type: 'SessionHeld' as const, by: tech, queue: { kind: 'personal' as const, userId: tech.id } };
const endAll = (reason: 'owner' | 'customer' | 'admin' | 'customer-lost', lockDesktop = false) => ({ type: 'SessionEnded' as const, reason, lockDesktop, releaseClient: true });

const cases: RuleCase[] = [
  { id: 'HOLD-1', rule: 'the owner holds: the session returns to the owner\'s personal queue', seed: 'If you choose Hold Session, your session page closes, but the session returns to your personal queue.',
    given: shared(), when: { type: 'Hold' }, actor: tech, then: [{ type: 'SessionHeld', queue: { kind: 'personal', userId: tech.id } }] },
  { id: 'HOLD-2', rule: 'only the owner holds', seed: 'If you choose Hold Session, your session page closes, but the session returns to your personal queue.',
    given: shared(), when: { type: 'Hold' }, actor: tech2, rejects: 'NOT_OWNER' },
  { id: 'HOLD-3', rule: 'the owner takes the held session back from the personal queue', seed: 'the session returns to your personal queue',
    given: [...shared(), held], when: { type: 'TakeFromQueue' }, actor: tech,
    then: [{ type: 'SessionTaken', by: { kind: 'technician', id: tech.id, name: tech.name }, queue: { kind: 'personal', userId: tech.id }, teams: ['helpdesk'] }] },
  { id: 'HOLD-4', rule: 'nobody else takes from a personal queue', seed: 'the session returns to your personal queue',
    given: [...shared(), held], when: { type: 'TakeFromQueue' }, actor: tech2, rejects: 'NOT_QUEUE_MEMBER' },
  { id: 'HOLD-6', rule: 'taking a held session over from its owner kills the old owner\'s invitations, as a transfer does', seed: 'An invitation dies when cancelled, when its sender leaves or transfers, when the session ends, and when it is accepted or declined.',
    given: [...shared(), invited('i2', tech3.id), { type: 'InvitationSent', by: tech, inviteId: 'ix', target: { kind: 'external', externalId: 'x1', name: 'Xavier' } }, held], when: { type: 'TakeFromQueue' }, actor: admin,
    then: [{ type: 'InvitationRevoked', inviteId: 'i2', reason: 'transferred' }, { type: 'InvitationRevoked', inviteId: 'ix', reason: 'transferred' },
      { type: 'SessionTaken', by: { kind: 'admin', id: admin.id, name: admin.name }, queue: { kind: 'personal', userId: tech.id }, teams: [] }] },
  { id: 'HOLD-7', rule: 'the owner taking their held session back keeps their invitations', seed: 'Invitations do not time out as long as you remain the session owner.',
    given: [...shared(), invited('i2', tech3.id), held], when: { type: 'TakeFromQueue' }, actor: tech,
    then: [{ type: 'SessionTaken', by: { kind: 'technician', id: tech.id, name: tech.name }, queue: { kind: 'personal', userId: tech.id }, teams: ['helpdesk'] }] },
  { id: 'HOLD-8', rule: 'an invitation revoked by a take-over is not accepted', seed: 'An invitation dies when cancelled, when its sender leaves or transfers',
    given: [...shared(), invited('i2', tech3.id), held, { type: 'InvitationRevoked', by: admin, inviteId: 'i2', reason: 'transferred' }, { type: 'SessionTaken', by: admin, queue: { kind: 'personal', userId: tech.id }, teams: [] }],
    when: { type: 'RespondInvite', inviteId: 'i2', accept: true }, actor: tech3, rejects: 'UNKNOWN_INVITE' },
  { id: 'END-1', rule: 'the owner\'s end ends the session for all and releases the customer client', seed: 'If you are the session owner, End Session closes the session page in your representative console and removes any additional representatives who may be sharing the session.',
    given: shared(), when: { type: 'End' }, actor: tech, then: [endAll('owner')] },
  { id: 'END-2', rule: 'a non-owner\'s end means leave', seed: 'If you are not the session owner, touching End Session removes you from the session.',
    given: shared(), when: { type: 'End' }, actor: tech2, then: [{ type: 'MemberLeft', memberId: tech2.id }] },
  { id: 'END-3', rule: 'the customer\'s end ends the session for all', seed: 'Close: Assistance will be closed. Miller can continue working without Assistance.',
    given: shared(), when: { type: 'End' }, actor: cust, then: [endAll('customer')] },
  { id: 'END-4', rule: 'the customer ending an elevated session locks the desktop', seed: 'If the session is closed by the user while an admin session is still active, the user will be signed out immediately.',
    given: [...active, ...elevated], when: { type: 'End' }, actor: cust, then: [endAll('customer', true)] },
  { id: 'END-5', rule: 'the owner cannot simply leave', seed: 'If you have ownership of the session, you can either uninstall the customer client from the remote machine or leave the session in queue.',
    given: shared(), when: { type: 'Leave' }, actor: tech, rejects: 'OWNER_MUST_END_OR_TRANSFER' },
  { id: 'END-6', rule: 'a member leaves; the session continues with its owner', seed: 'The session continues to be supported by the session owner.',
    given: shared(), when: { type: 'Leave' }, actor: tech2, then: [{ type: 'MemberLeft', memberId: tech2.id }] },
  { id: 'END-7', rule: 'nothing happens after the end', seed: 'When the session is terminated by either side, all parties will see a session has ended message.',
    given: [...active, ended], when: { type: 'SendChat', messageId: 'm1', text: 'still there?' }, actor: cust, rejects: 'SESSION_ENDED' },
  { id: 'END-8', rule: 'an admin force-ends any session', seed: 'admin | everything, plus the admin endpoint and the audit log',
    given: shared(), when: { type: 'ForceEnd' }, actor: admin, then: [endAll('admin')] },
  { id: 'END-9', rule: 'only an admin force-ends', seed: 'You must be the owner of the support session to remove another member.',
    given: shared(), when: { type: 'ForceEnd' }, actor: tech, rejects: 'FORBIDDEN' },
  { id: 'END-10', rule: 'a stranger cannot end or leave', seed: 'If you are not the session owner, touching End Session removes you from the session.',
    given: shared(), when: { type: 'End' }, actor: tech3, rejects: 'NOT_MEMBER' },
  { id: 'END-11', rule: 'the server ends the session when the customer is lost after the grace period', seed: 'When the session is terminated by either side, all parties will see a session has ended message.',
    given: shared(), when: { type: 'End' }, actor: sys, then: [endAll('customer-lost')] },
  { id: 'END-12', rule: 'the owner cancels a pending request by ending it', seed: 'Now the user sees a waiting screen while the Technician is choosing if they want to Take full control or View screen.',
    given: [requested()], when: { type: 'End' }, actor: tech, then: [endAll('owner')] },
  { id: 'END-13', rule: 'an admin ending a session they are not in ends it for all', seed: 'admin | everything, plus the admin endpoint and the audit log',
    given: shared(), when: { type: 'End' }, actor: admin, then: [endAll('admin')] },
  { id: 'END-14', rule: 'a stranger cannot leave', seed: 'If you are not the session owner, touching End Session removes you from the session.',
    given: shared(), when: { type: 'Leave' }, actor: tech3, rejects: 'NOT_MEMBER' },
  { id: 'END-15', rule: 'a disconnected customer cannot end the session', seed: 'Additionally, you can disconnect the customer but remain in the session tab.',
    given: [...shared(), { type: 'CustomerDisconnected', by: tech, customerId: cust.id }], when: { type: 'End' }, actor: cust, rejects: 'NOT_MEMBER' },
];

describe('session hold, end and leave', () => {
  runRules(cases);

  test('HOLD-5 a held session is queued in the owner\'s personal queue and the other members stay in — "If any additional representatives are sharing the session, they remain in session."', () => {
    const s = given(...shared(), held).state;
    expect(s.status).toBe('queued');
    expect(s.queue).toEqual({ kind: 'personal', userId: tech.id });
    expect(Object.keys(s.members).sort()).toEqual([tech.id, tech2.id].sort());
    expect(s.ownerId).toBe(tech.id);
  });

  test('END-16 everyone gets session ended: the state is ended with its reason — "When the session is terminated by either side, all parties will see a session has ended message."', () => {
    const s = given(...active, ended).state;
    expect([s.status, s.endReason, s.lockDesktop]).toEqual(['ended', 'owner', false]);
  });
});
