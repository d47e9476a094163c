import { isRejection } from '../common/decision';
import { Actor } from '../common/actor';
import { admin, cust, ext, otherSup, sup, tech, tech2, tech3 } from '../testing/session-scenario';
import { decideEntryPoints, entryPointsOfAgent, evolveEntryPoints, mayRemoveButton, maySeeSessionButtons, mayStartJump, mayUnpin } from './entry-points.decider';
import { EntryPointsCommand, SessionFacts } from './entry-points.commands';
import { EntryPointsState, initialEntryPointsState } from './entry-points.state';
import { SessionEvent } from '../session/session.events';

const run = (s: EntryPointsState, c: EntryPointsCommand, a: Actor, now = 100) => {
  const d = decideEntryPoints(s, c, a, now);
  return isRejection(d) ? d.rejection.code : d.events.reduce(evolveEntryPoints, s);
};
/** An active session owned by `ownerId` (tech unless said), its customer in it. */
const owned = (ownerId: string = tech.id, more: Partial<SessionFacts> = {}): SessionFacts =>
  ({ sessionId: 's1', status: 'active', ownerId, customerConnected: true, memberIds: ownerId ? [ownerId] : [], teams: ['helpdesk'], ...more });
const must = (x: EntryPointsState | string) => { if (typeof x === 'string') throw new Error(x); return x; };

describe('entry points: support buttons and jump clients', () => {
  const withGroup = must(run(initialEntryPointsState(), { type: 'DefineJumpGroup', groupId: 'g1', name: 'Servers', userIds: [tech3.id], teams: ['helpdesk'], consent: 'ask' }, admin));

  test('ENTRY-1 a Support Button has name, expiry, profile and queue — "This opens a menu from which you can edit the Support Button\'s details."', () => {
    const cmd: EntryPointsCommand = { type: 'DeploySupportButton', buttonId: 'b1', name: 'Help', profile: 'default', queue: { kind: 'team', teamId: 'helpdesk' }, agentId: 'a1', expiresAt: 1000, session: owned(), knownProfiles: ['default'] };
    const s = must(run(initialEntryPointsState(), cmd, tech));
    expect(s.buttons.b1).toMatchObject({ name: 'Help', profile: 'default', expiresAt: 1000, deployedBy: tech.id });
    expect(run(s, cmd, tech)).toBe('DUPLICATE_ID');
    expect(run(initialEntryPointsState(), cmd, cust)).toBe('FORBIDDEN');
    expect(run(initialEntryPointsState(), cmd, tech, 1000)).toBe('BUTTON_EXPIRED');
    expect(Object.keys(must(run(s, { type: 'RemoveSupportButton', buttonId: 'b1' }, tech)).buttons)).toEqual([]);
    expect(run(s, { type: 'RemoveSupportButton', buttonId: 'zz' }, tech)).toBe('UNKNOWN_BUTTON');
    expect(run(s, { type: 'RemoveSupportButton', buttonId: 'b1' }, cust)).toBe('FORBIDDEN');
  });

  test('ENTRY-2 a Jump Client is pinned to a personal list or a Jump Group — "You also can choose to pin the Jump Client to a specific Jump Group to allow access to members of that group."', () => {
    const personal = must(run(withGroup, { type: 'PinJumpClient', jumpClientId: 'j1', agentId: 'a1', location: { kind: 'personal', userId: tech.id }, session: owned(tech.id) }, tech));
    expect(personal.jumpClients.j1.consent).toBe('ask');
    expect(run(withGroup, { type: 'PinJumpClient', jumpClientId: 'j1', agentId: 'a1', location: { kind: 'personal', userId: tech2.id }, session: owned(tech.id) }, tech)).toBe('INVALID_TARGET');
    const grouped = must(run(personal, { type: 'PinJumpClient', jumpClientId: 'j2', agentId: 'a1', location: { kind: 'group', groupId: 'g1' }, consent: 'notify', session: owned(tech2.id) }, tech2));
    expect(grouped.jumpClients.j2.consent).toBe('ask');
    expect(run(personal, { type: 'PinJumpClient', jumpClientId: 'j3', agentId: 'a1', location: { kind: 'group', groupId: 'gX' }, session: owned(tech.id) }, tech)).toBe('UNKNOWN_JUMP_GROUP');
    expect(run(personal, { type: 'PinJumpClient', jumpClientId: 'j3', agentId: 'a1', location: { kind: 'group', groupId: 'g1' }, session: owned('zz') }, { ...tech3, id: 'zz', teams: [] })).toBe('FORBIDDEN');
    expect(run(personal, { type: 'PinJumpClient', jumpClientId: 'j1', agentId: 'a1', location: { kind: 'personal', userId: tech.id }, session: owned(tech.id) }, tech)).toBe('DUPLICATE_ID');
    expect(run(personal, { type: 'PinJumpClient', jumpClientId: 'j9', agentId: 'a1', location: { kind: 'personal', userId: cust.id }, session: owned(cust.id) }, cust)).toBe('FORBIDDEN');
    expect(mayStartJump(grouped.jumpClients.j2, grouped.jumpGroups.g1, tech3)).toEqual({ ok: true, consent: 'ask' });
    expect(isRejection(mayStartJump(grouped.jumpClients.j2, undefined, tech3))).toBe(true);
    expect(mayStartJump(grouped.jumpClients.j1, undefined, admin)).toEqual({ ok: true, consent: 'ask' });
    expect(run(withGroup, { type: 'DefineJumpGroup', groupId: 'g2', name: 'x', userIds: [], teams: [], consent: 'notify' }, tech)).toBe('FORBIDDEN');
  });

  test('ENTRY-3 ending a session does not unpin; only Unpin does — "It also uninstalls the customer client from the remote system. However, it does not delete an installed Jump Client."', () => {
    const s = must(run(withGroup, { type: 'PinJumpClient', jumpClientId: 'j1', agentId: 'a1', location: { kind: 'personal', userId: tech.id }, session: owned(tech.id) }, tech));
    const ended = { type: 'SessionEnded', seq: 1, sessionId: 's1', actor: tech, at: 1, reason: 'owner', lockDesktop: false, releaseClient: true } as SessionEvent;
    expect(evolveEntryPoints(s, ended as never)).toBe(s);
    expect(run(s, { type: 'UnpinJumpClient', jumpClientId: 'j1' }, tech2)).toBe('NOT_PINNER');
    expect(run(s, { type: 'UnpinJumpClient', jumpClientId: 'zz' }, tech)).toBe('UNKNOWN_JUMP_CLIENT');
    expect(Object.keys(must(run(s, { type: 'UnpinJumpClient', jumpClientId: 'j1' }, tech)).jumpClients)).toEqual([]);
  });

  const deploy = (session: SessionFacts, buttonId = 'b1', queue: EntryPointsCommand & { type: 'DeploySupportButton' } extends { queue: infer Q } ? Q : never = { kind: 'team', teamId: 'helpdesk' }): EntryPointsCommand =>
    ({ type: 'DeploySupportButton', buttonId, name: 'Help', profile: 'default', queue, agentId: 'a1', expiresAt: 1000, session, knownProfiles: ['default'] });
  const pin = (session: SessionFacts, location: { kind: 'personal'; userId: string } | { kind: 'group'; groupId: string }, jumpClientId = 'j1'): EntryPointsCommand =>
    ({ type: 'PinJumpClient', jumpClientId, agentId: 'a1', location, session });

  test('ENTRY-4 only the session\'s owner deploys or pins from it, an admin too — "While in a session, you can deploy a Support Button to the remote computer" / "Only the session owner can send invitations."', () => {
    // Tess owns the session; Theo is a member of it (same team), Tara a technician of another team.
    expect(run(withGroup, deploy(owned(tech.id)), tech2)).toBe('NOT_OWNER');
    expect(run(withGroup, deploy(owned(tech.id)), tech3)).toBe('NOT_OWNER');
    expect(run(withGroup, pin(owned(tech.id), { kind: 'personal', userId: tech3.id }), tech3)).toBe('NOT_OWNER');
    expect(run(withGroup, pin(owned(tech.id), { kind: 'group', groupId: 'g1' }), tech2)).toBe('NOT_OWNER');
    // A session nobody owns yet (waiting in a queue) is nobody's to pin.
    expect(run(withGroup, pin(owned(tech.id, { ownerId: null }), { kind: 'personal', userId: tech.id }), tech)).toBe('NOT_OWNER');
    // The right is checked first: a customer never pins, whoever owns the session.
    expect(run(withGroup, pin(owned(cust.id), { kind: 'personal', userId: cust.id }), cust)).toBe('FORBIDDEN');
    expect(must(run(withGroup, deploy(owned(tech.id)), tech)).buttons.b1.deployedBy).toBe(tech.id);
    expect(must(run(withGroup, pin(owned(tech.id), { kind: 'personal', userId: tech.id }), tech)).jumpClients.j1.pinnedBy).toBe(tech.id);
    // An admin may do what the owner does.
    expect(must(run(withGroup, deploy(owned(tech.id)), admin)).buttons.b1.deployedBy).toBe(admin.id);
    expect(must(run(withGroup, pin(owned(tech.id), { kind: 'personal', userId: admin.id }), admin)).jumpClients.j1.location).toEqual({ kind: 'personal', userId: admin.id });
    // The session facts are not stored in the button or the pin.
    expect(must(run(withGroup, deploy(owned(tech.id)), tech)).buttons.b1).not.toHaveProperty('session');
  });

  test('ENTRY-5 only from an active session with its customer in it — "If you have ownership of the session, you can either uninstall the customer client from the remote machine or leave the session in queue."', () => {
    for (const actor of [tech, admin]) {
      expect(run(withGroup, deploy(owned(tech.id, { status: 'ended' })), actor)).toBe('SESSION_ENDED');
      expect(run(withGroup, pin(owned(tech.id, { status: 'ended' }), { kind: 'personal', userId: actor.id }), actor)).toBe('SESSION_ENDED');
      expect(run(withGroup, deploy(owned(tech.id, { status: 'pending' })), actor)).toBe('NOT_ACTIVE');
      expect(run(withGroup, pin(owned(tech.id, { status: 'queued' }), { kind: 'personal', userId: actor.id }), actor)).toBe('NOT_ACTIVE');
      expect(run(withGroup, deploy(owned(tech.id, { customerConnected: false })), actor)).toBe('CUSTOMER_OFFLINE');
      expect(run(withGroup, pin(owned(tech.id, { customerConnected: false }), { kind: 'group', groupId: 'g1' }), actor)).toBe('CUSTOMER_OFFLINE');
    }
    // An ended session says so even to someone who never owned it.
    expect(run(withGroup, deploy(owned(tech.id, { status: 'ended' })), tech3)).toBe('SESSION_ENDED');
  });

  test('ENTRY-6 a Support Button is removed by who deployed it, a supervisor of its queue\'s team, or an admin — "If permitted, install a Support Button on the remote desktop or remove a previously installed Support Button."', () => {
    const s = must(run(withGroup, deploy(owned(tech.id), 'b1'), tech));
    const personalQueue = must(run(s, deploy(owned(tech.id), 'b2', { kind: 'personal', userId: tech.id }), tech));
    expect(run(s, { type: 'RemoveSupportButton', buttonId: 'b1' }, tech2)).toBe('NOT_DEPLOYER');
    expect(run(s, { type: 'RemoveSupportButton', buttonId: 'b1' }, tech3)).toBe('NOT_DEPLOYER');
    expect(run(s, { type: 'RemoveSupportButton', buttonId: 'b1' }, otherSup)).toBe('NOT_DEPLOYER');
    expect(run(s, { type: 'RemoveSupportButton', buttonId: 'b1' }, { ...sup, rights: sup.rights.filter((r) => r !== 'session.watch') })).toBe('NOT_DEPLOYER');
    expect(run(personalQueue, { type: 'RemoveSupportButton', buttonId: 'b2' }, sup)).toBe('NOT_DEPLOYER');
    expect(run(s, { type: 'RemoveSupportButton', buttonId: 'b1' }, { ...tech, rights: [] })).toBe('FORBIDDEN');
    // What support-button.list says (mayRemove) is the same judgement: without the right, not even the deployer.
    expect(mayRemoveButton(s.buttons.b1!, tech)).toBe(true);
    expect(mayRemoveButton(s.buttons.b1!, { ...tech, rights: [] })).toBe(false);
    for (const actor of [tech, sup, admin]) expect(must(run(s, { type: 'RemoveSupportButton', buttonId: 'b1' }, actor)).buttons).toEqual({});
  });

  test('ENTRY-7 a personal pin is unpinned by its representative or an admin; a group pin by who pinned it, a supervisor in the group, or an admin — "If you no longer need unattended access to a remote system, you can remove the Jump Client."', () => {
    const grp = must(run(initialEntryPointsState(), { type: 'DefineJumpGroup', groupId: 'g1', name: 'Servers', userIds: [tech3.id], teams: ['helpdesk'], consent: 'ask' }, admin));
    const s = must(run(must(run(grp, pin(owned(tech.id), { kind: 'personal', userId: tech.id }), tech)), pin(owned(tech.id), { kind: 'group', groupId: 'g1' }, 'j2'), tech));
    const unpin = (id: string, a: Actor) => run(s, { type: 'UnpinJumpClient', jumpClientId: id }, a);
    for (const a of [tech2, tech3, sup]) expect(unpin('j1', a)).toBe('NOT_PINNER');
    // tech2 and tech3 are members of the group: they jump through it, they do not take it away.
    expect(unpin('j2', tech2)).toBe('NOT_PINNER');
    expect(unpin('j2', tech3)).toBe('NOT_PINNER');
    expect(unpin('j2', otherSup)).toBe('NOT_PINNER');
    expect(unpin('j2', { ...tech, rights: [] })).toBe('FORBIDDEN');
    // What jump.list says (mayUnpin) is the same judgement: without jump.pin, not even who pinned it.
    expect(mayUnpin(s.jumpClients.j2!, s.jumpGroups.g1, tech)).toBe(true);
    expect(mayUnpin(s.jumpClients.j2!, s.jumpGroups.g1, { ...tech, rights: [] })).toBe(false);
    for (const a of [tech, admin]) expect(Object.keys(must(unpin('j1', a)).jumpClients)).toEqual(['j2']);
    for (const a of [tech, sup, admin]) expect(Object.keys(must(unpin('j2', a)).jumpClients)).toEqual(['j1']);
  });

  test('ENTRY-8 an agent\'s entry points are what the store holds for it — "Uninstall the client if you no longer need unattended access to that system."', () => {
    let s = must(run(withGroup, deploy(owned(tech.id), 'b1'), tech));
    s = must(run(s, { ...deploy(owned(tech.id), 'b0'), expiresAt: 500 } as EntryPointsCommand, tech));
    s = must(run(s, { ...deploy(owned(tech.id), 'bx'), agentId: 'a2' } as EntryPointsCommand, tech));
    s = must(run(s, pin(owned(tech.id), { kind: 'personal', userId: tech.id }, 'j2'), tech));
    s = must(run(s, pin(owned(tech.id), { kind: 'group', groupId: 'g1' }, 'j1'), tech));
    s = must(run(s, { ...pin(owned(tech.id), { kind: 'group', groupId: 'g1' }, 'jx'), agentId: 'a2' } as EntryPointsCommand, tech));
    expect(entryPointsOfAgent(s, 'a1').supportButtons.map((b) => b.buttonId)).toEqual(['b0', 'b1']);
    expect(entryPointsOfAgent(s, 'a1').jumpClients).toEqual(['j1', 'j2']);
    s = must(run(s, { type: 'RemoveSupportButton', buttonId: 'b1' }, tech));
    s = must(run(s, { type: 'UnpinJumpClient', jumpClientId: 'j2' }, tech));
    expect(entryPointsOfAgent(s, 'a1')).toEqual({ supportButtons: [expect.objectContaining({ buttonId: 'b0', expiresAt: 500 })], jumpClients: ['j1'] });
    expect(entryPointsOfAgent(s, 'nobody')).toEqual({ supportButtons: [], jumpClients: [] });
  });

  test('ENTRY-9 a session\'s desktop\'s Support Buttons are seen by who may see the session: its members, a supervisor of its teams, an admin — "While in a session, you can deploy a Support Button to the remote computer"', () => {
    const sees = (facts: SessionFacts, a: Actor) => { const d = maySeeSessionButtons(facts, a); return isRejection(d) ? d.rejection.code : 'ok'; };
    // Tess owns it, Theo was invited in; Tara (another team) and Theo before he joined only know its id.
    const session = owned(tech.id, { memberIds: [tech.id, tech2.id] });
    for (const a of [tech, tech2, sup, admin]) expect(sees(session, a)).toBe('ok');
    for (const a of [tech3, otherSup, cust, ext]) expect(sees(session, a)).toBe('NOT_MEMBER');
    expect(sees(owned(tech.id), tech2)).toBe('NOT_MEMBER');
    // A supervisor without session.watch does not watch their teams' sessions; one of another team is a member when he watches.
    expect(sees(session, { ...sup, rights: sup.rights.filter((r) => r !== 'session.watch') })).toBe('NOT_MEMBER');
    expect(sees(owned(tech.id, { memberIds: [tech.id, otherSup.id] }), otherSup)).toBe('ok');
    // An ended session still shows the desktop's buttons to who was in it, and to nobody else.
    expect(sees(owned(tech.id, { status: 'ended' }), tech)).toBe('ok');
    expect(sees(owned(tech.id, { status: 'ended' }), tech3)).toBe('NOT_MEMBER');
  });

  test('ENTRY-10 a Support Button is deployed only with a configured profile — "Touch the Profile entry to open a list of Support Button profiles from which you can select."', () => {
    const known = ['default', 'payroll'];
    const withProfile = (profile: string, knownProfiles = known): EntryPointsCommand =>
      ({ type: 'DeploySupportButton', buttonId: 'b1', name: 'Pay', profile, queue: { kind: 'team', teamId: 'helpdesk' }, agentId: 'a1', expiresAt: 1000, session: owned(), knownProfiles });
    // Given no button, when the owner deploys with a profile nobody configured, then it is refused.
    expect(run(initialEntryPointsState(), withProfile('kiosk'), tech)).toBe('UNKNOWN_PROFILE');
    expect(run(initialEntryPointsState(), withProfile('default', []), tech)).toBe('UNKNOWN_PROFILE');
    // Ids are exact: no case folding, no trimming (the cockpit offers the configured ids).
    expect(run(initialEntryPointsState(), withProfile('Payroll'), tech)).toBe('UNKNOWN_PROFILE');
    // When it names a configured one, then the button is stored with that profile, and not the list it was judged by.
    const s = must(run(initialEntryPointsState(), withProfile('payroll'), tech));
    expect(s.buttons.b1).toMatchObject({ name: 'Pay', profile: 'payroll' });
    expect(s.buttons.b1).not.toHaveProperty('knownProfiles');
    // The right, the session and the expiry are judged first: who may not deploy learns nothing about profiles.
    expect(run(initialEntryPointsState(), withProfile('kiosk'), cust)).toBe('FORBIDDEN');
    expect(run(initialEntryPointsState(), withProfile('kiosk'), tech2)).toBe('NOT_OWNER');
    expect(run(initialEntryPointsState(), withProfile('kiosk'), tech, 1000)).toBe('BUTTON_EXPIRED');
  });
});
