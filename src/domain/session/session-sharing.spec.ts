import { toRef } from '../common/actor';
import { holdsDesktop } from './session-sharing.rules';
import { invitablePeople, mayListInvitable, type InviteCandidate } from './session-invitable.rules';
import { NOW, RuleCase, accepted, admin, cust, elevated, ext, given, invited, joined, requested, runRules, shared, sup, tech, tech2, tech3 } from '../testing/session-scenario';

const active = [requested(), accepted];
const teamInvite = { type: 'InvitationSent' as const, by: tech, inviteId: 'i9', target: { kind: 'team' as const, teamId: 'helpdesk' } };
/** An admin joins as an observer and invites (an admin may do what the owner does), so the sender is a member who is not the owner. */
const adminInvited = [
  { type: 'SupervisorJoined' as const, by: admin, member: toRef(admin) },
  { type: 'InvitationSent' as const, by: admin, inviteId: 'ia', target: { kind: 'representative' as const, userId: tech3.id } },
];
const extInvite = { type: 'InvitationSent' as const, by: tech, inviteId: 'ix', target: { kind: 'external' as const, externalId: ext.id, name: ext.name } };
const transferred = { type: 'SessionTransferred' as const, by: tech, from: tech.id, to: { kind: 'team' as const, teamId: 'helpdesk' } };
const ownerNoRights = { ...tech, rights: [] };
const online = { online: true, extendedAvailability: false };
const away = { online: false, extendedAvailability: false };
const mailed = { online: false, extendedAvailability: true };

const cases: RuleCase[] = [
  { id: 'SHARE-1', rule: 'the owner invites a representative', seed: 'Only the session owner can send invitations.',
    given: active, when: { type: 'Invite', inviteId: 'i1', target: { kind: 'representative', userId: tech2.id }, availability: online }, actor: tech,
    then: [{ type: 'InvitationSent', inviteId: 'i1', target: { kind: 'representative', userId: tech2.id } }] },
  { id: 'SHARE-2', rule: 'a non-owner cannot invite', seed: 'Only the session owner can send invitations.',
    given: shared(), when: { type: 'Invite', inviteId: 'i2', target: { kind: 'representative', userId: tech3.id } }, actor: tech2, rejects: 'NOT_OWNER' },
  { id: 'SHARE-3', rule: 'never two live invitations for one person and one session', seed: 'Multiple active invitations cannot exist for the same user to join the same session.',
    given: [...active, invited('i1', tech2.id)], when: { type: 'Invite', inviteId: 'i2', target: { kind: 'representative', userId: tech2.id }, availability: online }, actor: tech, rejects: 'INVITE_EXISTS' },
  { id: 'SHARE-4', rule: 'several "any representative" invitations to a team queue', seed: 'You can send multiple invitations if you want more representatives from the team to join your session.',
    given: [...active, teamInvite], when: { type: 'Invite', inviteId: 'i10', target: { kind: 'team', teamId: 'helpdesk' } }, actor: tech,
    then: [{ type: 'InvitationSent', inviteId: 'i10', target: { kind: 'team', teamId: 'helpdesk' } }] },
  { id: 'SHARE-5', rule: 'a member is not invited again', seed: 'Invite another user to participate in a shared session.',
    given: shared(), when: { type: 'Invite', inviteId: 'i2', target: { kind: 'representative', userId: tech2.id } }, actor: tech, rejects: 'ALREADY_MEMBER' },
  { id: 'SHARE-6', rule: 'the owner invites an external one-time representative', seed: 'a representative can send a one-time invitation to an external user who does not have an account',
    given: active, when: { type: 'Invite', inviteId: 'ix', target: { kind: 'external', externalId: ext.id, name: ext.name } }, actor: tech,
    then: [{ type: 'InvitationSent', inviteId: 'ix', target: { kind: 'external', externalId: ext.id, name: ext.name } }] },
  { id: 'SHARE-7', rule: 'sharing needs the session.share right', seed: 'If you are permitted to share sessions with users who are not members of your teams, additional teams are displayed',
    given: active, when: { type: 'Invite', inviteId: 'i1', target: { kind: 'representative', userId: tech2.id } }, actor: ownerNoRights, rejects: 'FORBIDDEN' },
  { id: 'SHARE-8', rule: 'the customer is not invited as a representative', seed: 'Invite another user to participate in a shared session.',
    given: active, when: { type: 'Invite', inviteId: 'i1', target: { kind: 'representative', userId: cust.id } }, actor: tech, rejects: 'INVALID_TARGET' },
  { id: 'SHARE-9', rule: 'invitation ids are unique', seed: 'Multiple active invitations cannot exist for the same user to join the same session.',
    given: [...active, invited('i1', tech2.id)], when: { type: 'Invite', inviteId: 'i1', target: { kind: 'representative', userId: tech3.id } }, actor: tech, rejects: 'DUPLICATE_ID' },
  { id: 'SHARE-10', rule: 'a representative neither logged in nor with extended availability is not invitable', seed: 'Users appear as invitable only when logged in or with extended availability.',
    given: active, when: { type: 'Invite', inviteId: 'i1', target: { kind: 'representative', userId: tech2.id }, availability: away }, actor: tech, rejects: 'NOT_AVAILABLE' },
  { id: 'SHARE-11', rule: 'a representative with extended availability is invited while logged out (they get an email)', seed: 'Users with extended availability receive an email invitation.',
    given: active, when: { type: 'Invite', inviteId: 'i1', target: { kind: 'representative', userId: tech2.id }, availability: mailed }, actor: tech,
    then: [{ type: 'InvitationSent', inviteId: 'i1', target: { kind: 'representative', userId: tech2.id } }] },
  { id: 'SHARE-12', rule: 'without a known availability a representative is not invitable', seed: 'Users appear as invitable only when logged in or with extended availability.',
    given: active, when: { type: 'Invite', inviteId: 'i1', target: { kind: 'representative', userId: tech2.id } }, actor: tech, rejects: 'NOT_AVAILABLE' },
  { id: 'SHARE-13', rule: 'a team ("any representative") invitation needs no availability', seed: 'If you select Any Representative, the invitation is sent to the team queue',
    given: active, when: { type: 'Invite', inviteId: 'i1', target: { kind: 'team', teamId: 'network' } }, actor: tech, then: [{ type: 'InvitationSent', inviteId: 'i1', target: { kind: 'team', teamId: 'network' } }] },
  { id: 'INV-1', rule: 'the owner cancels a live invitation', seed: 'The inviting user cancels the invitation',
    given: [...active, invited('i1', tech2.id)], when: { type: 'CancelInvite', inviteId: 'i1' }, actor: tech, then: [{ type: 'InvitationCancelled', inviteId: 'i1' }] },
  { id: 'INV-2', rule: 'only the owner cancels invitations', seed: 'If you have sent an invitation and it is still active, you may revoke the invitation',
    given: [...active, invited('i1', tech2.id)], when: { type: 'CancelInvite', inviteId: 'i1' }, actor: tech2, rejects: 'NOT_OWNER' },
  { id: 'INV-3', rule: 'the invitee accepts and joins', seed: 'The invited user accepts the invitation',
    given: [...active, invited('i1', tech2.id)], when: { type: 'RespondInvite', inviteId: 'i1', accept: true }, actor: tech2,
    then: [{ type: 'InvitationAccepted', inviteId: 'i1', member: toRef(tech2), role: 'participant' }] },
  { id: 'INV-4', rule: 'the invitee declines', seed: 'The invited user declines the invitation',
    given: [...active, invited('i1', tech2.id)], when: { type: 'RespondInvite', inviteId: 'i1', accept: false }, actor: tech2, then: [{ type: 'InvitationDeclined', inviteId: 'i1' }] },
  { id: 'INV-5', rule: 'only the invitee answers', seed: 'Multiple active invitations cannot exist for the same user to join the same session.',
    given: [...active, invited('i1', tech2.id)], when: { type: 'RespondInvite', inviteId: 'i1', accept: true }, actor: tech3, rejects: 'NOT_INVITED' },
  { id: 'INV-6', rule: 'any single representative of the team accepts a team invitation', seed: 'If you select Any Representative, the invitation is sent to the team queue so that any single representative in the selected team can join the session.',
    given: [...active, teamInvite], when: { type: 'RespondInvite', inviteId: 'i9', accept: true }, actor: tech2,
    then: [{ type: 'InvitationAccepted', inviteId: 'i9', member: toRef(tech2), role: 'participant' }] },
  { id: 'INV-14', rule: 'once one member accepted a team invitation, another member of the team is refused', seed: 'the invitation is sent to the team queue so that any single representative in the selected team can join the session.',
    given: [...active, teamInvite, joined('i9', tech2)], when: { type: 'RespondInvite', inviteId: 'i9', accept: true }, actor: sup, rejects: 'UNKNOWN_INVITE' },
  { id: 'INV-7', rule: 'an accepted invitation is dead', seed: 'An invitation is made inactive when one of the following events occurs: The invited user accepts the invitation',
    given: [...active, invited('i1', tech2.id), joined('i1', tech2)], when: { type: 'RespondInvite', inviteId: 'i1', accept: true }, actor: tech2, rejects: 'UNKNOWN_INVITE' },
  { id: 'INV-8', rule: 'a transfer kills the sender\'s invitations', seed: 'The inviting user leaves or transfers ownership of the session',
    given: [...active, invited('i1', tech2.id)], when: { type: 'Transfer', to: { kind: 'team', teamId: 'helpdesk' } }, actor: tech,
    then: [{ type: 'InvitationRevoked', inviteId: 'i1', reason: 'transferred' }, { type: 'SessionTransferred', from: tech.id, to: { kind: 'team', teamId: 'helpdesk' } }] },
  { id: 'INV-15', rule: 'an invitation dies when its sender leaves (an admin who joined, invited, then left)', seed: 'The inviting user leaves or transfers ownership of the session',
    given: [...active, ...adminInvited], when: { type: 'Leave' }, actor: admin,
    then: [{ type: 'InvitationRevoked', inviteId: 'ia', reason: 'sender-left' }, { type: 'MemberLeft', memberId: admin.id }] },
  { id: 'INV-16', rule: 'an invitation dies when its sender is removed', seed: 'The inviting user leaves or transfers ownership of the session',
    given: [...active, ...adminInvited], when: { type: 'RemoveMember', memberId: admin.id }, actor: tech,
    then: [{ type: 'InvitationRevoked', inviteId: 'ia', reason: 'sender-left' }, { type: 'MemberRemoved', memberId: admin.id }] },
  { id: 'INV-17', rule: 'an invitation revoked with its sender is not accepted', seed: 'The inviting user leaves or transfers ownership of the session',
    given: [...active, ...adminInvited, { type: 'InvitationRevoked', by: admin, inviteId: 'ia', reason: 'sender-left' }, { type: 'MemberLeft', by: admin, memberId: admin.id }],
    when: { type: 'RespondInvite', inviteId: 'ia', accept: true }, actor: tech3, rejects: 'UNKNOWN_INVITE' },
  { id: 'INV-9', rule: 'the end of the session kills invitations', seed: 'The session ends',
    given: [...active, invited('i1', tech2.id)], when: { type: 'End' }, actor: tech,
    then: [{ type: 'InvitationRevoked', inviteId: 'i1', reason: 'session-ended' }, { type: 'SessionEnded', reason: 'owner', lockDesktop: false, releaseClient: true }] },
  { id: 'INV-10', rule: 'invitations do not time out while their sender owns the session', seed: 'Invitations do not time out as long as you remain the session owner.',
    given: [...active, invited('i1', tech2.id)], when: { type: 'RespondInvite', inviteId: 'i1', accept: true }, actor: tech2, now: NOW + 30 * 24 * 3600 * 1000,
    then: [{ type: 'InvitationAccepted', inviteId: 'i1', member: toRef(tech2), role: 'participant' }] },
  { id: 'INV-11', rule: 'the external representative joins with limited rights', seed: 'send a one-time invitation to an external user who does not have an account in the BeyondTrust Appliance B Series',
    given: [...active, extInvite], when: { type: 'RespondInvite', inviteId: 'ix', accept: true }, actor: ext,
    then: [{ type: 'InvitationAccepted', inviteId: 'ix', member: toRef(ext), role: 'external' }] },
  { id: 'INV-12', rule: 'the external link dies after use', seed: 'a representative can send a one-time invitation to an external user',
    given: [...active, extInvite, joined('ix', ext)], when: { type: 'RespondInvite', inviteId: 'ix', accept: true }, actor: ext, rejects: 'UNKNOWN_INVITE' },
  { id: 'INV-13', rule: 'an external representative cannot share', seed: 'Within a session, a representative can send a one-time invitation to an external user',
    given: [...active, extInvite, joined('ix', ext)], when: { type: 'Invite', inviteId: 'i5', target: { kind: 'representative', userId: tech3.id } }, actor: ext, rejects: 'NOT_OWNER' },
  { id: 'REM-1', rule: 'the owner removes a member', seed: 'You must be the owner of the support session to remove another member.',
    given: shared(), when: { type: 'RemoveMember', memberId: tech2.id }, actor: tech, then: [{ type: 'MemberRemoved', memberId: tech2.id }] },
  { id: 'REM-2', rule: 'only the owner removes members', seed: 'You must be the owner of the support session to remove another member.',
    given: shared(), when: { type: 'RemoveMember', memberId: tech.id }, actor: tech2, rejects: 'NOT_OWNER' },
  { id: 'REM-3', rule: 'only members are removed', seed: 'Select the participant you wish to remove.',
    given: shared(), when: { type: 'RemoveMember', memberId: tech3.id }, actor: tech, rejects: 'UNKNOWN_MEMBER' },
  { id: 'REM-4', rule: 'the owner disconnects the customer and stays in the session', seed: 'Additionally, you can disconnect the customer but remain in the session tab.',
    given: shared(), when: { type: 'DisconnectCustomer' }, actor: tech, then: [{ type: 'CustomerDisconnected', customerId: cust.id }] },
  { id: 'REM-5', rule: 'removing the customer disconnects the customer', seed: 'You can remove the customer or another user from a shared session.',
    given: shared(), when: { type: 'RemoveMember', memberId: cust.id }, actor: tech, then: [{ type: 'CustomerDisconnected', customerId: cust.id }] },
  { id: 'REM-6', rule: 'the owner cannot remove themself', seed: 'The session persists until the new owner of the session closes the session.',
    given: shared(), when: { type: 'RemoveMember', memberId: tech.id }, actor: tech, rejects: 'OWNER_MUST_END_OR_TRANSFER' },
  { id: 'REM-7', rule: 'a removed member\'s rights end at the event', seed: 'A removed member\'s media and input stop at once, on every node.',
    given: [...shared(), { type: 'MemberRemoved', by: tech, memberId: tech2.id }], when: { type: 'SendChat', messageId: 'm1', text: 'hi' }, actor: tech2, rejects: 'NOT_MEMBER' },
  { id: 'REM-8', rule: 'a disconnected customer has no rights left', seed: 'Additionally, you can disconnect the customer but remain in the session tab.',
    given: [...shared(), { type: 'CustomerDisconnected', by: tech, customerId: cust.id }], when: { type: 'SetMode', mode: 'interact' }, actor: cust, rejects: 'NOT_MEMBER' },
  { id: 'REM-9', rule: 'a customer is disconnected once', seed: 'Additionally, you can disconnect the customer but remain in the session tab.',
    given: [...shared(), { type: 'CustomerDisconnected', by: tech, customerId: cust.id }], when: { type: 'DisconnectCustomer' }, actor: tech, rejects: 'UNKNOWN_MEMBER' },
  { id: 'REM-11', rule: 'disconnecting the customer of an elevated session ends its elevation first (and with it every command shell)', seed: 'Disconnect the customer but stay: the owner ends the customer\'s part and keeps the session open',
    given: [...shared(), ...elevated], when: { type: 'DisconnectCustomer' }, actor: tech, then: [{ type: 'ElevationEnded', reason: 'customer-disconnected' }, { type: 'CustomerDisconnected', customerId: cust.id }] },
  { id: 'REM-12', rule: 'removing the customer of an elevated session ends its elevation too', seed: 'You can remove the customer or another user from a shared session.',
    given: [...shared(), ...elevated], when: { type: 'RemoveMember', memberId: cust.id }, actor: tech, then: [{ type: 'ElevationEnded', reason: 'customer-disconnected' }, { type: 'CustomerDisconnected', customerId: cust.id }] },
  { id: 'XFER-1', rule: 'the owner transfers to a team queue', seed: 'Select the queue to which you wish to move the session. Then tap Transfer.',
    given: active, when: { type: 'Transfer', to: { kind: 'team', teamId: 'network' } }, actor: tech, then: [{ type: 'SessionTransferred', from: tech.id, to: { kind: 'team', teamId: 'network' } }] },
  { id: 'XFER-2', rule: 'the owner transfers to a representative\'s personal queue', seed: 'You may also transfer a session to another representative\'s personal queue.',
    given: active, when: { type: 'Transfer', to: { kind: 'personal', userId: tech3.id } }, actor: tech, then: [{ type: 'SessionTransferred', from: tech.id, to: { kind: 'personal', userId: tech3.id } }] },
  { id: 'XFER-3', rule: 'only the owner transfers', seed: 'Once you have transferred the session to a new owner, your Transfer, Share, and Remove icons become gray',
    given: shared(), when: { type: 'Transfer', to: { kind: 'team', teamId: 'network' } }, actor: tech2, rejects: 'NOT_OWNER' },
  { id: 'XFER-4', rule: 'the old owner loses owner actions after a transfer', seed: 'Once you have transferred the session to a new owner, your Transfer, Share, and Remove icons become gray, and you are no longer able to perform these actions',
    given: [...shared(), transferred], when: { type: 'RemoveMember', memberId: tech2.id }, actor: tech, rejects: 'NOT_OWNER' },
  { id: 'XFER-5', rule: 'transfer needs the session.transfer right', seed: 'Should you decide someone else is better suited to handle a session, transfer control of that session to another team or user.',
    given: active, when: { type: 'Transfer', to: { kind: 'team', teamId: 'network' } }, actor: ownerNoRights, rejects: 'FORBIDDEN' },
  { id: 'XFER-6', rule: 'transferring to one\'s own personal queue is Hold, not Transfer', seed: 'If you choose Hold Session, your session page closes, but the session returns to your personal queue.',
    given: active, when: { type: 'Transfer', to: { kind: 'personal', userId: tech.id } }, actor: tech, rejects: 'INVALID_TARGET' },
  { id: 'XFER-7', rule: 'the representative whose personal queue it is takes it and becomes owner', seed: 'You may also transfer a session to another representative\'s personal queue.',
    given: [...active, { type: 'SessionTransferred', by: tech, from: tech.id, to: { kind: 'personal', userId: tech3.id } }], when: { type: 'TakeFromQueue' }, actor: tech3,
    then: [{ type: 'SessionTaken', by: toRef(tech3), queue: { kind: 'personal', userId: tech3.id }, teams: ['network'] }] },
  { id: 'XFER-8', rule: 'an admin may transfer any session', seed: 'admin | everything, plus the admin endpoint and the audit log',
    given: active, when: { type: 'Transfer', to: { kind: 'team', teamId: 'network' } }, actor: admin, then: [{ type: 'SessionTransferred', from: tech.id, to: { kind: 'team', teamId: 'network' } }] },
];

describe('session sharing, invitations, removal and transfer', () => {
  runRules(cases);

  test('SHARE-14 the invitable people: logged in or with extended availability, representatives only, not members, not already invited — "Users appear as invitable only when logged in or with extended availability."', () => {
    const candidate = (a: typeof tech, availability: typeof online): InviteCandidate => ({ userId: a.id, name: a.name, kind: a.kind, teams: a.teams, ...availability });
    const s = given(...shared(), invited('i2', sup.id)).state;
    const list = invitablePeople(s, [candidate(tech, online), candidate(tech2, online), candidate(tech3, mailed), candidate(sup, online), candidate(admin, away), candidate(cust, online)]);
    expect(list.map((p) => [p.userId, p.availability])).toEqual([[tech3.id, 'extended']]);
    expect(invitablePeople(given(...active).state, [candidate(tech2, online), candidate(admin, mailed)]).map((p) => p.userId)).toEqual([admin.id, tech2.id]);
    expect(mayListInvitable(s, tech)).toEqual({ ok: true });
    expect(mayListInvitable(s, tech2)).toMatchObject({ rejection: { code: 'NOT_OWNER' } });
    expect(mayListInvitable(s, ownerNoRights)).toMatchObject({ rejection: { code: 'FORBIDDEN' } });
  });

  test('REM-10 a disconnected customer frees the desktop: the session stays open but no longer holds it — "you can disconnect the customer but remain in the session tab."', () => {
    expect(holdsDesktop(given(requested()).state)).toBe(true);
    expect(holdsDesktop(given(...active).state)).toBe(true);
    expect(holdsDesktop(given(...shared(), transferred).state)).toBe(true);
    const disconnected = given(...shared(), { type: 'CustomerDisconnected', by: tech, customerId: cust.id }).state;
    expect(disconnected.status).toBe('active');
    expect(holdsDesktop(disconnected)).toBe(false);
    expect(holdsDesktop(given(...active, { type: 'SessionEnded', by: tech, reason: 'owner', lockDesktop: false, releaseClient: false }).state)).toBe(false);
  });

  test('XFER-9 after a transfer the old owner is an ordinary member and nobody owns the queued session — "Remain as a participant or close your tab to leave the session with its new owner."', () => {
    const s = given(...shared(), invited('i2', tech3.id), transferred).state;
    expect(s.ownerId).toBeNull();
    expect(s.members[tech.id].role).toBe('participant');
    expect(s.status).toBe('queued');
    expect(s.invitations).toEqual({});
    const taken = given(...shared(), transferred, { type: 'SessionTaken', by: tech2, queue: { kind: 'team', teamId: 'helpdesk' }, teams: ['helpdesk'] }).state;
    expect(taken.ownerId).toBe(tech2.id);
    expect(Object.values(taken.members).filter((m) => m.role === 'owner').map((m) => m.id)).toEqual([tech2.id]);
  });
});
