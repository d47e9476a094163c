import { isRejection } from '../common/decision';
import { Actor } from '../common/actor';
import { admin, cust, tech, tech2, tech3 } from '../testing/session-scenario';
import { decideEntryPoints, evolveEntryPoints, mayStartJump } from './entry-points.decider';
import { EntryPointsCommand } from './entry-points.commands';
import { EntryPointsState, initialEntryPointsState } from './entry-points.state';
import { SessionEvent } from '../session/session.events';

const run = (s: EntryPointsState, c: EntryPointsCommand, a: Actor, now = 100) => {
  const d = decideEntryPoints(s, c, a, now);
  return isRejection(d) ? d.rejection.code : d.events.reduce(evolveEntryPoints, s);
};
const must = (x: EntryPointsState | string) => { if (typeof x === 'string') throw new Error(x); return x; };

describe('entry points: support buttons and jump clients', () => {
  const withGroup = must(run(initialEntryPointsState(), { type: 'DefineJumpGroup', groupId: 'g1', name: 'Servers', userIds: [tech3.id], teams: ['helpdesk'], consent: 'ask' }, admin));

  test('ENTRY-1 a Support Button has name, expiry, profile and queue — "This opens a menu from which you can edit the Support Button\'s details."', () => {
    const cmd: EntryPointsCommand = { type: 'DeploySupportButton', buttonId: 'b1', name: 'Help', profile: 'default', queue: { kind: 'team', teamId: 'helpdesk' }, agentId: 'a1', expiresAt: 1000 };
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
    const personal = must(run(withGroup, { type: 'PinJumpClient', jumpClientId: 'j1', agentId: 'a1', location: { kind: 'personal', userId: tech.id } }, tech));
    expect(personal.jumpClients.j1.consent).toBe('ask');
    expect(run(withGroup, { type: 'PinJumpClient', jumpClientId: 'j1', agentId: 'a1', location: { kind: 'personal', userId: tech2.id } }, tech)).toBe('INVALID_TARGET');
    const grouped = must(run(personal, { type: 'PinJumpClient', jumpClientId: 'j2', agentId: 'a1', location: { kind: 'group', groupId: 'g1' }, consent: 'notify' }, tech2));
    expect(grouped.jumpClients.j2.consent).toBe('ask');
    expect(run(personal, { type: 'PinJumpClient', jumpClientId: 'j3', agentId: 'a1', location: { kind: 'group', groupId: 'gX' } }, tech)).toBe('UNKNOWN_JUMP_GROUP');
    expect(run(personal, { type: 'PinJumpClient', jumpClientId: 'j3', agentId: 'a1', location: { kind: 'group', groupId: 'g1' } }, { ...tech3, id: 'zz', teams: [] })).toBe('FORBIDDEN');
    expect(run(personal, { type: 'PinJumpClient', jumpClientId: 'j1', agentId: 'a1', location: { kind: 'personal', userId: tech.id } }, tech)).toBe('DUPLICATE_ID');
    expect(run(personal, { type: 'PinJumpClient', jumpClientId: 'j9', agentId: 'a1', location: { kind: 'personal', userId: cust.id } }, cust)).toBe('FORBIDDEN');
    expect(mayStartJump(grouped.jumpClients.j2, grouped.jumpGroups.g1, tech3)).toEqual({ ok: true, consent: 'ask' });
    expect(isRejection(mayStartJump(grouped.jumpClients.j2, undefined, tech3))).toBe(true);
    expect(mayStartJump(grouped.jumpClients.j1, undefined, admin)).toEqual({ ok: true, consent: 'ask' });
    expect(run(withGroup, { type: 'DefineJumpGroup', groupId: 'g2', name: 'x', userIds: [], teams: [], consent: 'notify' }, tech)).toBe('FORBIDDEN');
  });

  test('ENTRY-3 ending a session does not unpin; only Unpin does — "It also uninstalls the customer client from the remote system. However, it does not delete an installed Jump Client."', () => {
    const s = must(run(withGroup, { type: 'PinJumpClient', jumpClientId: 'j1', agentId: 'a1', location: { kind: 'personal', userId: tech.id } }, tech));
    const ended = { type: 'SessionEnded', seq: 1, sessionId: 's1', actor: tech, at: 1, reason: 'owner', lockDesktop: false, releaseClient: true } as SessionEvent;
    expect(evolveEntryPoints(s, ended as never)).toBe(s);
    expect(run(s, { type: 'UnpinJumpClient', jumpClientId: 'j1' }, tech2)).toBe('FORBIDDEN');
    expect(run(s, { type: 'UnpinJumpClient', jumpClientId: 'zz' }, tech)).toBe('UNKNOWN_JUMP_CLIENT');
    expect(Object.keys(must(run(s, { type: 'UnpinJumpClient', jumpClientId: 'j1' }, tech)).jumpClients)).toEqual([]);
  });
});
