import { toRef } from '../common/actor';
import { JumpClient, JumpGroup, SupportButton } from '../entry-points/entry-points.state';
import { mayListTeamSessions, mayWatchSession } from './session-start.rules';
import { NOW, RuleCase, accepted, admin, cust, given, noRights, otherSup, requested, runRules, sup, sys, tech, tech2, tech3 } from '../testing/session-scenario';

const button: SupportButton = { buttonId: 'b1', name: 'Help me', profile: 'default', queue: { kind: 'team', teamId: 'helpdesk' }, agentId: 'a1', expiresAt: NOW + 1000, deployedBy: tech.id };
const group: JumpGroup = { groupId: 'g1', name: 'Servers', userIds: [], teams: ['helpdesk'], consent: 'notify' };
const groupPin: JumpClient = { jumpClientId: 'j1', agentId: 'a1', location: { kind: 'group', groupId: 'g1' }, consent: 'notify', pinnedBy: tech.id };
const personalPin: JumpClient = { jumpClientId: 'j2', agentId: 'a1', location: { kind: 'personal', userId: tech.id }, consent: 'ask', pinnedBy: tech.id };
const carol = { id: cust.id, name: cust.name };
const opened = { type: 'SessionOpened' as const, by: cust, origin: 'support-button' as const, agentId: 'a1', customer: carol, queue: { kind: 'team' as const, teamId: 'helpdesk' }, chatOnly: false, buttonId: 'b1' };

const cases: RuleCase[] = [
  { id: 'START-1', rule: 'a technician asks assistance for an agent chosen from the online list and becomes owner', seed: 'With the "Assist" button, an Assistance request is sent into the selected application.',
    given: [], when: { type: 'RequestAssist', agentId: 'a1', customer: carol, via: 'selection', action: 'view' }, actor: tech,
    then: [{ type: 'AssistRequested', agentId: 'a1', customer: carol, via: 'selection', action: 'view', owner: toRef(tech), teams: ['helpdesk'] }] },
  { id: 'START-2', rule: 'a technician asks assistance by the agent\'s Assist PIN', seed: 'If this PIN is provided by the user, it is possible for Master to request access to the application using the "Assist" button on the cooperation page.',
    given: [], when: { type: 'RequestAssist', agentId: 'a1', customer: carol, via: 'pin', action: 'control' }, actor: tech,
    then: [{ type: 'AssistRequested', agentId: 'a1', customer: carol, via: 'pin', action: 'control', owner: toRef(tech), teams: ['helpdesk'] }] },
  { id: 'START-3', rule: 'a technician asks assistance through a redeemed security code', seed: 'The user will enter the code into the Enter Code box in the Remote Help Client.',
    given: [], when: { type: 'RequestAssist', agentId: 'a1', customer: carol, via: 'code', action: 'control' }, actor: tech,
    then: [{ type: 'AssistRequested', agentId: 'a1', customer: carol, via: 'code', action: 'control', owner: toRef(tech), teams: ['helpdesk'] }] },
  { id: 'START-4', rule: 'a customer cannot ask assistance', seed: 'An assisting cooperation is started by a supervisor, selecting a running session and using the "Assist" button in the Cockpit.',
    given: [], when: { type: 'RequestAssist', agentId: 'a1', customer: carol, via: 'selection', action: 'view' }, actor: cust, rejects: 'FORBIDDEN' },
  { id: 'START-5', rule: 'asking assistance needs the session.assist right', seed: 'A helpdesk- or system administrator with the appropriate access rights can respond to remote assistance requests',
    given: [], when: { type: 'RequestAssist', agentId: 'a1', customer: carol, via: 'selection', action: 'view' }, actor: noRights, rejects: 'FORBIDDEN' },
  { id: 'START-6', rule: 'a session is started once', seed: 'Supervisor session is in "on hold" mode after pressing assist',
    given: [requested()], when: { type: 'RequestAssist', agentId: 'a1', customer: carol, via: 'selection', action: 'view' }, actor: tech2, rejects: 'SESSION_EXISTS' },
  { id: 'START-7', rule: 'the customer allows the pending request', seed: 'The user can then choose to allow or decline the connection.',
    given: [requested()], when: { type: 'RespondAssist', allow: true }, actor: cust, then: [{ type: 'AssistAccepted' }] },
  { id: 'START-8', rule: 'the customer declines: the session ends for all', seed: 'The user can then choose to allow or decline the connection.',
    given: [requested()], when: { type: 'RespondAssist', allow: false }, actor: cust,
    then: [{ type: 'AssistDeclined' }, { type: 'SessionEnded', reason: 'declined', lockDesktop: false, releaseClient: true }] },
  { id: 'START-9', rule: 'only the customer answers an assistance request', seed: 'the user receives a pop-up window displaying the technician’s account details and the requested action (view screen or take control).',
    given: [requested()], when: { type: 'RespondAssist', allow: true }, actor: tech, rejects: 'NOT_CUSTOMER' },
  { id: 'START-10', rule: 'an answered request cannot be answered again', seed: 'The user can then choose to allow or decline the connection.',
    given: [requested(), accepted], when: { type: 'RespondAssist', allow: true }, actor: cust, rejects: 'NOT_PENDING' },
  { id: 'START-11', rule: 'the customer may pick a mode while allowing', seed: 'Miller can now choose the mode for the Assistance',
    given: [requested()], when: { type: 'RespondAssist', allow: true, mode: 'observe' }, actor: cust,
    then: [{ type: 'AssistAccepted' }, { type: 'ModeChanged', mode: 'observe', previous: 'hold' }] },
  { id: 'START-12', rule: 'a customer opens a session into the Support Button\'s queue', seed: 'Once the Support Button is deployed, your customer can use it to directly enter the queue specified here.',
    given: [], when: { type: 'OpenSession', via: { kind: 'support-button', button } }, actor: cust,
    then: [{ type: 'SessionOpened', origin: 'support-button', agentId: 'a1', customer: carol, queue: { kind: 'team', teamId: 'helpdesk' }, chatOnly: false, buttonId: 'b1' }] },
  { id: 'START-13', rule: 'an expired Support Button opens nothing', seed: 'The customer can use this button to start sessions only as long as specified.',
    given: [], when: { type: 'OpenSession', via: { kind: 'support-button', button } }, actor: cust, now: NOW + 1000, rejects: 'BUTTON_EXPIRED' },
  { id: 'START-14', rule: 'a click-to-chat session starts chat-only', seed: 'When a session starts in click-to-chat mode, only chat is available.',
    given: [], when: { type: 'OpenSession', via: { kind: 'click-to-chat', queue: { kind: 'team', teamId: 'helpdesk' } } }, actor: cust,
    then: [{ type: 'SessionOpened', origin: 'click-to-chat', agentId: null, customer: carol, queue: { kind: 'team', teamId: 'helpdesk' }, chatOnly: true, buttonId: null }] },
  { id: 'START-15', rule: 'a representative of the team takes a session from the team queue and becomes owner', seed: 'If you select Any Representative, the invitation is sent to the team queue so that any single representative in the selected team can join the session.',
    given: [opened], when: { type: 'TakeFromQueue' }, actor: tech2, then: [{ type: 'SessionTaken', by: toRef(tech2), queue: { kind: 'team', teamId: 'helpdesk' }, teams: ['helpdesk'] }] },
  { id: 'START-16', rule: 'a representative outside the team cannot take from its queue', seed: 'Browse the list of available teams . Select the queue to which you wish to move the session.',
    given: [opened], when: { type: 'TakeFromQueue' }, actor: tech3, rejects: 'NOT_QUEUE_MEMBER' },
  { id: 'START-17', rule: 'only a queued session can be taken', seed: 'the session returns to your personal queue',
    given: [requested(), accepted], when: { type: 'TakeFromQueue' }, actor: tech2, rejects: 'NOT_QUEUED' },
  { id: 'START-18', rule: 'a jump group member starts an unattended session under the group\'s notify policy', seed: 'install a Jump Client on the remote computer, enabling you or your teammates to access that system later without end-user initiation.',
    given: [], when: { type: 'StartJump', jumpClient: groupPin, group }, actor: tech2,
    then: [{ type: 'JumpStarted', jumpClientId: 'j1', agentId: 'a1', consent: 'notify', owner: toRef(tech2), customer: { id: 'agent:a1', name: '' }, teams: ['helpdesk'], jumpGroupId: 'g1' }] },
  { id: 'START-19', rule: 'a personal jump client under the ask policy waits for the customer', seed: 'Pinning the Jump Client to your personal list of Jump Items means that only you can access this remote computer through its Jump Client.',
    given: [], when: { type: 'StartJump', jumpClient: personalPin, customer: carol }, actor: tech,
    then: [{ type: 'JumpStarted', jumpClientId: 'j2', agentId: 'a1', consent: 'ask', owner: toRef(tech), customer: carol, teams: ['helpdesk'] }] },
  { id: 'START-20', rule: 'only members of the jump group may jump', seed: 'You also can choose to pin the Jump Client to a specific Jump Group to allow access to members of that group.',
    given: [], when: { type: 'StartJump', jumpClient: groupPin, group }, actor: tech3, rejects: 'FORBIDDEN' },
  { id: 'START-21', rule: 'only its owner uses a personal jump client', seed: 'Pinning the Jump Client to your personal list of Jump Items means that only you can access this remote computer through its Jump Client.',
    given: [], when: { type: 'StartJump', jumpClient: personalPin }, actor: tech2, rejects: 'FORBIDDEN' },
  { id: 'SUP-1', rule: 'a supervisor watches a session of their teams as an observer member', seed: 'In the "VLX Cockpit" of Supervisor Miller now a cooperation window is displayed',
    given: [requested(), accepted], when: { type: 'Watch' }, actor: sup, then: [{ type: 'SupervisorJoined', member: toRef(sup) }] },
  { id: 'SUP-2', rule: 'a supervisor of other teams cannot watch', seed: 'Only issues that have been configured to allow you to request help are displayed on this list.',
    given: [requested(), accepted], when: { type: 'Watch' }, actor: otherSup, rejects: 'FORBIDDEN' },
  { id: 'SUP-3', rule: 'a technician cannot watch uninvited', seed: 'Only the session owner can send invitations.',
    given: [requested(), accepted], when: { type: 'Watch' }, actor: tech2, rejects: 'FORBIDDEN' },
  { id: 'SUP-4', rule: 'an admin may watch any session', seed: 'Events - In the Cockpit all actions of the cooperation are displayed.',
    given: [requested(), accepted], when: { type: 'Watch' }, actor: admin, then: [{ type: 'SupervisorJoined', member: toRef(admin) }] },
  { id: 'SUP-5', rule: 'a member does not watch twice', seed: 'In the "VLX Cockpit" of Supervisor Miller now a cooperation window is displayed',
    given: [requested(), accepted, { type: 'SupervisorJoined', by: sup, member: toRef(sup) }], when: { type: 'Watch' }, actor: sup, rejects: 'ALREADY_MEMBER' },
  { id: 'START-22', rule: 'the system cannot start a session', seed: 'An assisting cooperation is started by a supervisor',
    given: [], when: { type: 'OpenSession', via: { kind: 'support-button', button } }, actor: sys, rejects: 'NOT_CUSTOMER' },
  { id: 'START-23', rule: 'a Support Button opens sessions only on its own agent', seed: 'This creates a Support Button on the remote user\'s system.',
    given: [], when: { type: 'OpenSession', agentId: 'a2', via: { kind: 'support-button', button } }, actor: cust, rejects: 'INVALID_TARGET' },
];

describe('session start', () => {
  runRules(cases);

  test('SUP-6 a supervisor lists and may join the running sessions of their teams only; a technician may not list them — "supervisors see and may join any session of their teams"', () => {
    expect(mayWatchSession(['helpdesk'], sup)).toBe(true);
    expect(mayWatchSession(['network'], sup)).toBe(false);
    expect(mayWatchSession(['helpdesk'], otherSup)).toBe(false);
    expect(mayWatchSession(['helpdesk'], tech)).toBe(false);
    expect(mayWatchSession(['network'], admin)).toBe(true);
    expect(mayWatchSession(['helpdesk'], { ...sup, rights: [] })).toBe(false);
    expect(mayListTeamSessions(sup)).toEqual({ ok: true });
    expect(mayListTeamSessions(admin)).toEqual({ ok: true });
    expect(mayListTeamSessions(tech)).toMatchObject({ rejection: { code: 'FORBIDDEN' } });
    expect(mayListTeamSessions({ ...sup, rights: [] })).toMatchObject({ rejection: { code: 'FORBIDDEN' } });
  });

  test('START-24 the session is pending until the customer answers and starts in hold — "Default mode on start of a Assistance request is \\"Assist on hold\\"."', () => {
    const pending = given(requested()).state;
    expect(pending.status).toBe('pending');
    expect(pending.ownerId).toBe(tech.id);
    const active = given(requested(), accepted).state;
    expect(active.status).toBe('active');
    expect(active.mode).toBe('hold');
  });

  test('START-25 the jump notify policy starts at once with a visible notice; ask waits — "enabling you or your teammates to access that system later without end-user initiation"', () => {
    const notify = given({ type: 'JumpStarted', by: tech, jumpClientId: 'j1', agentId: 'a1', consent: 'notify', owner: toRef(tech), customer: carol, teams: [] }).state;
    expect([notify.status, notify.jumpNotice]).toEqual(['active', true]);
    const ask = given({ type: 'JumpStarted', by: tech, jumpClientId: 'j1', agentId: 'a1', consent: 'ask', owner: toRef(tech), customer: carol, teams: [] }).state;
    expect([ask.status, ask.jumpNotice]).toEqual(['pending', false]);
  });
});
