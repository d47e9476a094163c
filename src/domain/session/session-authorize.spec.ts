import { toRef } from '../common/actor';
import { Authorization, isRejection } from '../common/decision';
import { authorizeAnnotation, authorizeInput, authorizePointer, authorizeRtc, authorizeShell, screenRecipients, sessionVisibleTo, shellRecipients } from './session.authorize';
import { SessionState } from './session.state';
import { accepted, admin, cust, ext, given, invited, joined, mode, otherCust, otherSup, requested, shared, sup, sys, tech, tech2, tech3 } from '../testing/session-scenario';

const code = (a: Authorization): string => (isRejection(a) ? a.rejection.code : 'ok');
const all = (s: SessionState, id: string) => [code(authorizeInput(s, id)), code(authorizePointer(s, id)), code(authorizeAnnotation(s, id))];

describe('session authorisation of media, input, pointer and annotations', () => {
  test('AUTH-1 in hold no screen reaches anyone — "In standby mode, the cooperation is active, but the supervisor is not able to see the screen of the application user."', () => {
    const s = given(...shared('hold')).state;
    expect(screenRecipients(s)).toEqual([]);
    expect(all(s, tech.id)).toEqual(['MODE_FORBIDS_INPUT', 'SCREEN_NOT_VISIBLE', 'SCREEN_NOT_VISIBLE']);
  });

  test('AUTH-2 in observe members see the screen and show their pointer, no input passes — "In observe mode, the supervisor is able to see the screen of the user, but he can not interact with the application, just displaying his mouse pointer and name is possible."', () => {
    const s = given(...shared('observe')).state;
    expect(screenRecipients(s)).toEqual([tech.id, tech2.id].sort());
    expect(all(s, tech.id)).toEqual(['MODE_FORBIDS_INPUT', 'ok', 'ok']);
  });

  test('AUTH-3 in interact input passes only from the owner holding control — "In interact mode, the supervisor has full access to the application of the user."', () => {
    const s = given(...shared('interact')).state;
    expect(all(s, tech.id)).toEqual(['ok', 'ok', 'ok']);
    expect(all(s, tech2.id)).toEqual(['NOT_CONTROLLER', 'ok', 'ok']);
  });

  test('AUTH-4 control handed to a member moves input to that member — "You maintain ownership of the session but can receive input from one or more teammates."', () => {
    const s = given(...shared('interact'), { type: 'ControlGranted', by: tech, memberId: tech2.id }).state;
    expect(code(authorizeInput(s, tech2.id))).toBe('ok');
    expect(code(authorizeInput(s, tech.id))).toBe('NOT_CONTROLLER');
    const back = given(...shared('interact'), { type: 'ControlGranted', by: tech, memberId: tech2.id }, { type: 'ControlGranted', by: tech, memberId: tech.id }).state;
    expect(code(authorizeInput(back, tech.id))).toBe('ok');
  });

  test('AUTH-5 a pending session shows nothing and takes no input — "Now the user sees a waiting screen while the Technician is choosing"', () => {
    const s = given(requested()).state;
    expect(screenRecipients(s)).toEqual([]);
    expect(all(s, tech.id)).toEqual(['NOT_ACTIVE', 'NOT_ACTIVE', 'NOT_ACTIVE']);
  });

  test('AUTH-6 a removed member gets no media and no input at once — "A removed member\'s media and input stop at once, on every node."', () => {
    const s = given(...shared('interact'), { type: 'ControlGranted', by: tech, memberId: tech2.id }, { type: 'MemberRemoved', by: tech, memberId: tech2.id }).state;
    expect(screenRecipients(s)).toEqual([tech.id]);
    expect(all(s, tech2.id)).toEqual(['NOT_MEMBER', 'NOT_MEMBER', 'NOT_MEMBER']);
    expect(code(authorizeInput(s, tech.id))).toBe('ok');
  });

  test('AUTH-7 an offline or disconnected customer sends no screen — "Additionally, you can disconnect the customer but remain in the session tab."', () => {
    const off = given(...shared('interact'), { type: 'CustomerConnectionChanged', by: sys, online: false }).state;
    expect(screenRecipients(off)).toEqual([]);
    expect(code(authorizeInput(off, tech.id))).toBe('CUSTOMER_OFFLINE');
    const gone = given(...shared('interact'), { type: 'CustomerDisconnected', by: tech, customerId: cust.id }).state;
    expect(screenRecipients(gone)).toEqual([]);
  });

  test('AUTH-8 an ended session authorises nothing — "When the session is terminated by either side, all parties will see a session has ended message."', () => {
    const s = given(...shared('interact'), { type: 'SessionEnded', by: cust, reason: 'customer', lockDesktop: false, releaseClient: true }).state;
    expect(screenRecipients(s)).toEqual([]);
    expect(all(s, tech.id)).toEqual(['SESSION_ENDED', 'SESSION_ENDED', 'SESSION_ENDED']);
  });

  test('AUTH-9 a held (queued) session shows nothing — "If you choose Hold Session, your session page closes"', () => {
    const s = given(...shared('interact'), { type: 'SessionHeld', by: tech, queue: { kind: 'personal', userId: tech.id } }).state;
    expect(screenRecipients(s)).toEqual([]);
    expect(code(authorizeInput(s, tech.id))).toBe('NOT_ACTIVE');
  });

  test('AUTH-10 a chat-only session has no screen — "When a session starts in click-to-chat mode, only chat is available."', () => {
    const s = given(
      { type: 'SessionOpened', by: cust, origin: 'click-to-chat', agentId: null, customer: { id: cust.id, name: cust.name }, queue: { kind: 'team', teamId: 'helpdesk' }, chatOnly: true, buttonId: null },
      { type: 'SessionTaken', by: tech, queue: { kind: 'team', teamId: 'helpdesk' }, teams: [] },
    ).state;
    expect(screenRecipients(s)).toEqual([]);
    expect(code(authorizeInput(s, tech.id))).toBe('CHAT_ONLY');
  });

  test('AUTH-11 strangers get nothing — "Only the session owner can send invitations."', () => {
    const s = given(...shared('interact')).state;
    expect(all(s, tech3.id)).toEqual(['NOT_MEMBER', 'NOT_MEMBER', 'NOT_MEMBER']);
  });

  test('VIS-1 a session is visible to its members, customer, invitees, supervisors of its teams and admins — "a technician who may also watch any session of their teams"', () => {
    const s = given(requested(), accepted, mode('observe'), invited('i1', tech2.id)).state;
    const visible = (a: typeof tech) => sessionVisibleTo(s, a);
    expect([tech, cust, tech2, sup, admin].map(visible)).toEqual([true, true, true, true, true]);
    expect([tech3, otherSup, otherCust, ext, sys].map(visible)).toEqual([false, false, false, false, false]);
  });

  test('VIS-2 a queued session is visible to whoever may take it from its queue — "any single representative in the selected team can join the session"', () => {
    const s = given(requested(), accepted, { type: 'SessionTransferred', by: tech, from: tech.id, to: { kind: 'team', teamId: 'network' } }).state;
    expect(sessionVisibleTo(s, tech3)).toBe(true);
    expect(sessionVisibleTo(s, tech2)).toBe(false);
    expect(sessionVisibleTo(given().state, admin)).toBe(false);
    expect(toRef(tech3).id).toBe('t3');
  });
});

describe('WebRTC signalling', () => {
  test('RTC-1 offer/answer/ICE pass only for a member who may see the screen now — "offer/answer/ICE pass through the session actor, which refuses them in hold or for a non-member"', () => {
    const rtc = (s: SessionState, id: string) => code(authorizeRtc(s, id));
    const observe = given(...shared('observe')).state;
    expect([rtc(observe, tech.id), rtc(observe, tech2.id)]).toEqual(['ok', 'ok']);
    expect(rtc(given(...shared('interact')).state, tech2.id)).toBe('ok');
    expect(rtc(given(...shared('hold')).state, tech.id)).toBe('SCREEN_NOT_VISIBLE');
    expect(rtc(observe, tech3.id)).toBe('NOT_MEMBER');
    expect(rtc(given(...shared('observe'), { type: 'MemberRemoved', by: tech, memberId: tech2.id }).state, tech2.id)).toBe('NOT_MEMBER');
    expect(rtc(given(...shared('observe'), { type: 'SessionEnded', by: cust, reason: 'customer', lockDesktop: false, releaseClient: true }).state, tech.id)).toBe('SESSION_ENDED');
    expect(rtc(given(requested()).state, tech.id)).toBe('NOT_ACTIVE');
    expect(rtc(given(...shared('observe'), { type: 'CustomerConnectionChanged', by: sys, online: false }).state, tech.id)).toBe('CUSTOMER_OFFLINE');
    expect(rtc(given(...shared('observe'), { type: 'SessionHeld', by: tech, queue: { kind: 'personal', userId: tech.id } }).state, tech.id)).toBe('NOT_ACTIVE');
  });
});

describe('command shell', () => {
  test('SHELL-1 the shell needs an elevated, active session and a taking-part member — "admin-only actions (restart, task manager / process list, command shell) are refused without it"', () => {
    const { authorizeShell } = jest.requireActual<typeof import('./session.authorize')>('./session.authorize');
    const s = jest.requireActual<typeof import('../testing/session-scenario')>('../testing/session-scenario');
    const active = s.given(s.requested(), s.accepted).state;
    expect(authorizeShell(active, s.tech.id)).toMatchObject({ rejection: { code: 'NOT_ELEVATED' } });
    const elevated = { ...active, elevated: true };
    expect(authorizeShell(elevated, s.tech.id)).toEqual({ ok: true });
    expect(authorizeShell(elevated, s.tech3.id)).toMatchObject({ rejection: { code: 'NOT_MEMBER' } });
    expect(authorizeShell({ ...elevated, status: 'ended' }, s.tech.id)).toMatchObject({ rejection: { code: 'SESSION_ENDED' } });
    expect(authorizeShell({ ...elevated, status: 'queued' }, s.tech.id)).toMatchObject({ rejection: { code: 'NOT_ACTIVE' } });
    expect(authorizeShell({ ...elevated, members: { ...elevated.members, [s.sup.id]: { id: s.sup.id, kind: 'supervisor', name: s.sup.name, role: 'observer' } } }, s.sup.id)).toMatchObject({ rejection: { code: 'NOT_PARTICIPANT' } });
  });

  test('SHELL-11 an external representative neither uses a shell nor receives its output; a disconnected or offline customer\'s desktop runs none — "External representative ... limited rights (no transfer, no share, no elevation)"', () => {
    const base = given(...shared('interact'), { type: 'InvitationSent', by: tech, inviteId: 'ix', target: { kind: 'external', externalId: ext.id, name: ext.name } }, joined('ix', ext), { type: 'SupervisorJoined', by: sup, member: toRef(sup) });
    const elevated = { ...base.state, elevated: true };
    expect([tech.id, tech2.id].map((id) => authorizeShell(elevated, id))).toEqual([{ ok: true }, { ok: true }]);
    expect(authorizeShell(elevated, ext.id)).toMatchObject({ rejection: { code: 'FORBIDDEN' } });
    expect(shellRecipients(elevated)).toEqual([tech.id, tech2.id].sort());
    const disconnected = { ...elevated, customer: { ...elevated.customer!, connected: false } };
    expect(authorizeShell(disconnected, tech.id)).toMatchObject({ rejection: { code: 'CUSTOMER_OFFLINE' } });
    expect(authorizeShell({ ...elevated, customer: { ...elevated.customer!, online: false } }, tech.id)).toMatchObject({ rejection: { code: 'CUSTOMER_OFFLINE' } });
    // The exit of a shell closed by the disconnection still reaches the members who used it.
    expect(shellRecipients({ ...disconnected, elevated: false })).toEqual([tech.id, tech2.id].sort());
  });
});
