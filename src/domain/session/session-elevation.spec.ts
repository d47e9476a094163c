import { toRef } from '../common/actor';
import { isRejection } from '../common/decision';
import { viewFor } from './session.view';
import { evolve } from './session.evolve';
import { shellCloseReason } from './session-elevation.rules';
import { RuleCase, accepted, admin, cust, elevated, ext, given, joined, mode, requested, runRules, shared, sup, sys, tech, tech2 } from '../testing/session-scenario';

const active = [requested(), accepted, mode('interact')];
const chat = [
  { type: 'SessionOpened' as const, by: cust, origin: 'click-to-chat' as const, agentId: null, customer: { id: cust.id, name: cust.name }, queue: { kind: 'team' as const, teamId: 'helpdesk' }, chatOnly: true, buttonId: null },
  { type: 'SessionTaken' as const, by: tech, queue: { kind: 'team' as const, teamId: 'helpdesk' }, teams: ['helpdesk'] },
];
const extJoined = [...active, { type: 'InvitationSent' as const, by: tech, inviteId: 'ix', target: { kind: 'external' as const, externalId: ext.id, name: ext.name } }, joined('ix', ext)];
const creds = { username: 'Administrator', password: 'hunter2-s3cret' };

const cases: RuleCase[] = [
  { id: 'ELEV-1', rule: 'a technician asks elevation by prompting the customer', seed: 'Alternatively, you can touch Prompt Customer to send a request to the customer to enter administrative credentials for their computer.',
    given: active, when: { type: 'RequestElevation', requestId: 'e1', method: 'prompt' }, actor: tech, then: [{ type: 'ElevationRequested', requestId: 'e1', method: 'prompt', scope: 'admin' }] },
  { id: 'ELEV-2', rule: 'a technician asks elevation by supplying credentials, which never enter the event', seed: 'If you possess administrative credentials to the remote computer, select Provide Credentials to supply an administrative username and password.',
    given: active, when: { type: 'RequestElevation', requestId: 'e1', method: 'credentials', credentials: creds }, actor: tech, then: [{ type: 'ElevationRequested', requestId: 'e1', method: 'credentials', scope: 'admin' }] },
  { id: 'ELEV-3', rule: 'elevation by credentials needs credentials', seed: 'select Provide Credentials to supply an administrative username and password.',
    given: active, when: { type: 'RequestElevation', requestId: 'e1', method: 'credentials' }, actor: tech, rejects: 'CREDENTIALS_REQUIRED' },
  { id: 'ELEV-4', rule: 'the customer (or the agent checking the credentials) grants elevation', seed: 'If the technician needs to enter credentials, they can activate an Admin Session.',
    given: [...active, elevated[0]], when: { type: 'RespondElevation', requestId: 'e1', allow: true }, actor: cust, then: [{ type: 'ElevationAnswered', requestId: 'e1', allow: true, scope: 'admin' }] },
  { id: 'ELEV-5', rule: 'restart is rejected without elevation', seed: 'Restart machine ↩️ (only in admin mode)',
    given: active, when: { type: 'AdminAction', action: 'restart' }, actor: tech, rejects: 'NOT_ELEVATED' },
  { id: 'ELEV-6', rule: 'the task manager / process list works once elevated', seed: 'Task manager 📟 (only in admin mode)',
    given: [...active, ...elevated], when: { type: 'AdminAction', action: 'process-list' }, actor: tech, then: [{ type: 'AdminActionPerformed', action: 'process-list' }] },
  { id: 'ELEV-7', rule: 'the command shell is rejected without elevation', seed: 'In a support session, chat with the customer, start a screen sharing session, or start a command shell session.',
    given: active, when: { type: 'AdminAction', action: 'command-shell' }, actor: tech, rejects: 'NOT_ELEVATED' },
  { id: 'ELEV-8', rule: 'controlling protected windows is rejected without elevation', seed: 'Elevating the customer client enables switching user accounts, deploying Jump Clients in service mode, and controlling protected windows and UAC dialog boxes.',
    given: active, when: { type: 'AdminAction', action: 'protected-window' }, actor: tech, rejects: 'NOT_ELEVATED' },
  { id: 'ELEV-9', rule: 'an elevated session is not elevated again', seed: 'While the Admin Session is enabled you will see a warning message',
    given: [...active, ...elevated], when: { type: 'RequestElevation', requestId: 'e2', method: 'prompt' }, actor: tech, rejects: 'ALREADY_ELEVATED' },
  { id: 'ELEV-10', rule: 'an external representative cannot elevate', seed: 'send a one-time invitation to an external user who does not have an account',
    given: extJoined, when: { type: 'RequestElevation', requestId: 'e1', method: 'prompt' }, actor: ext, rejects: 'FORBIDDEN' },
  { id: 'ELEV-11', rule: 'a click-to-chat session is elevated to the full client', seed: 'Elevate a click-to-chat session to the full customer client, or elevate the customer client to have administrative rights by clicking the shield button.',
    given: chat, when: { type: 'RequestElevation', requestId: 'e1', method: 'prompt' }, actor: tech, then: [{ type: 'ElevationRequested', requestId: 'e1', method: 'prompt', scope: 'full-client' }] },
  { id: 'ELEV-12', rule: 'a chat-only session gets no admin elevation before the full client', seed: 'If you wish to have access to more robust support features such as screen sharing, you must elevate the customer client.',
    given: chat, when: { type: 'RequestElevation', requestId: 'e1', method: 'prompt', scope: 'admin' }, actor: tech, rejects: 'CHAT_ONLY' },
  { id: 'ELEV-13', rule: 'a member ends the admin session', seed: 'While the Admin Session is enabled you will see a warning message reminding you of closing all elevated windows before leaving the session.',
    given: [...active, ...elevated], when: { type: 'EndElevation' }, actor: tech, then: [{ type: 'ElevationEnded' }] },
  { id: 'ELEV-14', rule: 'elevation needs the session.elevate right', seed: 'To elevate the customer client, touch the Elevate option from the menu.',
    given: active, when: { type: 'RequestElevation', requestId: 'e1', method: 'prompt' }, actor: { ...tech, rights: [] }, rejects: 'FORBIDDEN' },
  { id: 'ELEV-15', rule: 'one elevation request at a time', seed: 'Touch OK to elevate the client.',
    given: [...active, elevated[0]], when: { type: 'RequestElevation', requestId: 'e2', method: 'prompt' }, actor: tech, rejects: 'REQUEST_PENDING' },
  { id: 'ELEV-16', rule: 'only the customer or the agent answers elevation', seed: 'send a request to the customer to enter administrative credentials for their computer.',
    given: [...active, elevated[0]], when: { type: 'RespondElevation', requestId: 'e1', allow: true }, actor: tech2, rejects: 'NOT_CUSTOMER' },
  { id: 'ELEV-17', rule: 'an unknown elevation request cannot be answered', seed: 'Touch OK to elevate the client.',
    given: active, when: { type: 'RespondElevation', requestId: 'e9', allow: true }, actor: sys, rejects: 'UNKNOWN_REQUEST' },
  { id: 'ELEV-18', rule: 'an external representative performs no admin action', seed: 'send a one-time invitation to an external user',
    given: [...extJoined, ...elevated], when: { type: 'AdminAction', action: 'restart' }, actor: ext, rejects: 'FORBIDDEN' },
  { id: 'ELEV-19', rule: 'ending elevation needs an elevated session', seed: 'While the Admin Session is enabled',
    given: active, when: { type: 'EndElevation' }, actor: cust, rejects: 'NOT_ELEVATED' },
  { id: 'ELEV-20', rule: 'a watching supervisor does not elevate', seed: 'a technician who may also watch any session of their teams',
    given: [...active, { type: 'SupervisorJoined', by: sup, member: toRef(sup) }], when: { type: 'RequestElevation', requestId: 'e1', method: 'prompt' }, actor: sup, rejects: 'NOT_PARTICIPANT' },
  { id: 'SHELL-1', rule: 'a command shell opens only while elevated; the audit gets the admin action and a reference to its output transcript', seed: 'output in the session\'s audit as a transcript reference (not secrets typed)',
    given: [...active, ...elevated], when: { type: 'OpenShell', shellId: 'sh1', transcript: 'transcripts/s1/sh1.log' }, actor: tech,
    then: [{ type: 'AdminActionPerformed', action: 'command-shell' }, { type: 'ShellOpened', shellId: 'sh1', transcript: 'transcripts/s1/sh1.log' }] },
  { id: 'SHELL-2', rule: 'no command shell without elevation', seed: 'Command shell (elevated sessions only)',
    given: active, when: { type: 'OpenShell', shellId: 'sh1', transcript: 't' }, actor: tech, rejects: 'NOT_ELEVATED' },
  { id: 'SHELL-3', rule: 'the server records a shell\'s end with its transcript and byte count', seed: 'output in the session\'s audit as a transcript reference',
    given: [...active, ...elevated, { type: 'ShellOpened', by: tech, shellId: 'sh1', transcript: 'transcripts/s1/sh1.log' }], when: { type: 'CloseShell', shellId: 'sh1', bytes: 42, reason: 'exit' }, actor: sys,
    then: [{ type: 'ShellClosed', shellId: 'sh1', transcript: 'transcripts/s1/sh1.log', bytes: 42, reason: 'exit' }] },
  { id: 'SHELL-12', rule: 'the record of a shell whose transcript is not whole says what was left out: past its cap, and while the disk was behind', seed: 'output in the session\'s audit as a transcript reference',
    given: [...active, ...elevated, { type: 'ShellOpened', by: tech, shellId: 'sh1', transcript: 't' }], when: { type: 'CloseShell', shellId: 'sh1', bytes: 4096, reason: 'exit', truncated: { omittedBytes: 9000 }, gaps: { omittedBytes: 70 } }, actor: sys,
    then: [{ type: 'ShellClosed', shellId: 'sh1', transcript: 't', bytes: 4096, reason: 'exit', truncated: { omittedBytes: 9000 }, gaps: { omittedBytes: 70 } }] },
  { id: 'SHELL-4', rule: 'only the server closes a shell\'s record, once', seed: 'output in the session\'s audit as a transcript reference',
    given: [...active, ...elevated], when: { type: 'CloseShell', shellId: 'sh1', bytes: 1, reason: 'exit' }, actor: sys, rejects: 'UNKNOWN_SHELL' },
  { id: 'SHELL-5', rule: 'a member does not close a shell\'s record', seed: 'output in the session\'s audit as a transcript reference',
    given: [...active, ...elevated, { type: 'ShellOpened', by: tech, shellId: 'sh1', transcript: 't' }], when: { type: 'CloseShell', shellId: 'sh1', bytes: 1, reason: 'exit' }, actor: tech, rejects: 'FORBIDDEN' },
  // A journal from before ELEV-23 may hold CustomerDisconnected without ElevationEnded: the customer's absence refuses on its own.
  { id: 'SHELL-6', rule: 'no command shell (nor any admin action) once the owner disconnected the customer', seed: 'Disconnect the customer but stay: the owner ends the customer\'s part and keeps the session open',
    given: [...active, ...elevated, { type: 'CustomerDisconnected', by: tech, customerId: cust.id }], when: { type: 'OpenShell', shellId: 'sh1', transcript: 't' }, actor: tech, rejects: 'CUSTOMER_OFFLINE' },
  { id: 'SHELL-7', rule: 'an external representative opens no command shell', seed: 'External representative ... limited rights (no transfer, no share, no elevation)',
    given: [...extJoined, ...elevated], when: { type: 'OpenShell', shellId: 'sh1', transcript: 't' }, actor: ext, rejects: 'FORBIDDEN' },
  { id: 'SHELL-8', rule: 'no admin action while the customer\'s desktop is offline', seed: 'Command shell (elevated sessions only) ... closed when elevation ends',
    given: [...active, ...elevated, { type: 'CustomerConnectionChanged', by: sys, online: false }], when: { type: 'AdminAction', action: 'process-list' }, actor: tech, rejects: 'CUSTOMER_OFFLINE' },
  { id: 'SHELL-9', rule: 'the record of a shell closed by the customer\'s disconnection says so', seed: 'Command shell (elevated sessions only) ... closed when elevation ends',
    given: [...active, ...elevated, { type: 'ShellOpened', by: tech, shellId: 'sh1', transcript: 't' }, { type: 'ElevationEnded', by: tech, reason: 'customer-disconnected' }, { type: 'CustomerDisconnected', by: tech, customerId: cust.id }],
    when: { type: 'CloseShell', shellId: 'sh1', bytes: 3, reason: 'customer-disconnected' }, actor: sys, then: [{ type: 'ShellClosed', shellId: 'sh1', transcript: 't', bytes: 3, reason: 'customer-disconnected' }] },
  { id: 'ELEV-23', rule: 'no elevation is asked once the owner disconnected the customer', seed: 'Disconnect the customer but stay: the owner ends the customer\'s part and keeps the session open',
    given: [...active, { type: 'CustomerDisconnected', by: tech, customerId: cust.id }], when: { type: 'RequestElevation', requestId: 'e1', method: 'credentials', credentials: creds }, actor: tech, rejects: 'CUSTOMER_OFFLINE' },
  { id: 'ELEV-24', rule: 'an elevation request dies with the member who asked it: once they left, neither the customer nor the agent grants it', seed: 'Touch OK to elevate the client.',
    given: [...shared('interact'), { type: 'ElevationRequested', by: tech2, requestId: 'e1', method: 'prompt', scope: 'admin' }, { type: 'MemberLeft', by: tech2, memberId: tech2.id }], when: { type: 'RespondElevation', requestId: 'e1', allow: true }, actor: cust, rejects: 'UNKNOWN_REQUEST' },
];

describe('session elevation', () => {
  runRules(cases);

  test('ELEV-21 credentials never appear in an event, a view or a rejection — "This ensures that all elevated windows are closed, protecting admin credentials."', () => {
    const leaks = (x: unknown) => JSON.stringify(x).includes(creds.password) || JSON.stringify(x).includes(creds.username);
    const scenarios: Array<[ReturnType<typeof given>, Parameters<ReturnType<typeof given>['when']>[0], typeof tech]> = [
      [given(...active), { type: 'RequestElevation', requestId: 'e1', method: 'credentials', credentials: creds }, tech],
      [given(...active, ...elevated), { type: 'RequestElevation', requestId: 'e2', method: 'credentials', credentials: creds }, tech],
      [given(...shared()), { type: 'RequestElevation', requestId: 'e1', method: 'credentials', credentials: creds }, cust],
      [given(...chat), { type: 'RequestElevation', requestId: 'e1', method: 'credentials', scope: 'admin', credentials: creds }, tech],
    ];
    for (const [scenario, command, actor] of scenarios) {
      const decision = scenario.when(command, actor).decision;
      expect(leaks(decision)).toBe(false);
      const state = (isRejection(decision) ? [] : decision.events).reduce(evolve, scenario.state);
      expect(leaks(state)).toBe(false);
      for (const viewer of [tech, tech2, cust, ext, sup, admin]) expect(leaks(viewFor(state, toRef(viewer)))).toBe(false);
    }
  });

  test('ELEV-22 elevation granted: elevated; the full-client elevation lifts chat-only — "Elevating the customer client enables switching user accounts"', () => {
    expect(given(...active, ...elevated).state.elevated).toBe(true);
    const lifted = given(...chat, { type: 'ElevationRequested', by: tech, requestId: 'e1', method: 'prompt', scope: 'full-client' }, { type: 'ElevationAnswered', by: cust, requestId: 'e1', allow: true, scope: 'full-client' }).state;
    expect([lifted.chatOnly, lifted.elevated]).toEqual([false, false]);
    const denied = given(...active, elevated[0], { type: 'ElevationAnswered', by: cust, requestId: 'e1', allow: false, scope: 'admin' }).state;
    expect([denied.elevated, Object.keys(denied.requests)]).toEqual([false, []]);
  });
});

describe('why a command shell closed', () => {
  test('SHELL-10 the reason is read from the state its exit arrives in: session end, customer disconnected, elevation ended, or its own exit — "Command shell (elevated sessions only) ... closed when elevation ends"', () => {
    const open = [...active, ...elevated, { type: 'ShellOpened' as const, by: tech, shellId: 'sh1', transcript: 't' }];
    expect(shellCloseReason(given(...open).state)).toBe('exit');
    expect(shellCloseReason(given(...open, { type: 'ElevationEnded', by: tech }).state)).toBe('elevation-ended');
    expect(shellCloseReason(given(...open, { type: 'ElevationEnded', by: tech, reason: 'customer-disconnected' }, { type: 'CustomerDisconnected', by: tech, customerId: cust.id }).state)).toBe('customer-disconnected');
    expect(shellCloseReason(given(...open, { type: 'SessionEnded', by: tech, reason: 'owner', lockDesktop: false, releaseClient: true }).state)).toBe('session-ended');
  });
});

describe('access reasons', () => {
  test('REASON-1 policy can require a reason for an elevation or a jump session; the reason is in the event — "a reason or ticket number"', () => {
    const s = given(...active);
    expect(s.when({ type: 'RequestElevation', requestId: 'r1', method: 'prompt', reasonRequired: true }, tech).decision).toMatchObject({ rejection: { code: 'REASON_REQUIRED' } });
    expect(s.when({ type: 'RequestElevation', requestId: 'r1', method: 'prompt', reasonRequired: true, reason: '  ' }, tech).decision).toMatchObject({ rejection: { code: 'REASON_REQUIRED' } });
    s.when({ type: 'RequestElevation', requestId: 'r1', method: 'prompt', reasonRequired: true, reason: ' INC-4711 ' }, tech)
      .then({ type: 'ElevationRequested', requestId: 'r1', method: 'prompt', scope: 'admin', reason: 'INC-4711' });
    const jc = { jumpClientId: 'j1', agentId: 'a1', location: { kind: 'personal' as const, userId: tech.id }, consent: 'notify' as const, pinnedBy: tech.id };
    expect(given().when({ type: 'StartJump', jumpClient: jc, reasonRequired: true }, tech).decision).toMatchObject({ rejection: { code: 'REASON_REQUIRED' } });
    const started = given().when({ type: 'StartJump', jumpClient: jc, reasonRequired: true, reason: 'patching' }, tech).decision;
    expect(isRejection(started) ? null : started.events[0]).toMatchObject({ type: 'JumpStarted', reason: 'patching' });
  });
});
