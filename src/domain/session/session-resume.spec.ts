import { isRejection } from '../common/decision';
import { authorizeResume, ResumeAccess } from './session.authorize';
import { SessionState } from './session.state';
import { cust, ext, given, joined, shared, tech, tech2, tech3 } from '../testing/session-scenario';

const outcome = (a: ResumeAccess): string => (isRejection(a) ? a.rejection.code : a.takesPart ? 'takes part' : 'taken out');
const extInvite = { type: 'InvitationSent' as const, by: tech, inviteId: 'ix', target: { kind: 'external' as const, externalId: ext.id, name: ext.name } };
const withGuest = (): Parameters<typeof given> => [...shared(), extInvite, joined('ix', ext)];
const resumeOf = (s: SessionState, id: string, isExternal = false): string => outcome(authorizeResume(s, id, isExternal));

describe('resuming a session after a reconnect', () => {
  test('RESUME-1 members and the connected customer resume and take part — "clients reconnect to any node with a resume token and receive the events they missed"', () => {
    const s = given(...shared()).state;
    expect([resumeOf(s, tech.id), resumeOf(s, tech2.id), resumeOf(s, cust.id)]).toEqual(['takes part', 'takes part', 'takes part']);
  });

  test('RESUME-2 a representative taken out while away resumes only up to the event that took them out — "A removed member\'s media and input stop at once"', () => {
    const s = given(...shared(), { type: 'MemberRemoved', by: tech, memberId: tech2.id }).state;
    expect(resumeOf(s, tech2.id)).toBe('taken out');
    expect(resumeOf(s, tech3.id)).toBe('taken out');
    const ended = given(...shared(), { type: 'SessionEnded', by: tech, reason: 'owner', lockDesktop: false, releaseClient: true }).state;
    expect(resumeOf(ended, tech2.id)).toBe('takes part');
  });

  test('RESUME-3 an external representative resumes while still a member of the running session — "a one-time invitation to an external user who does not have an account"', () => {
    expect(resumeOf(given(...withGuest()).state, ext.id, true)).toBe('takes part');
    const held = given(...withGuest(), { type: 'SessionHeld', by: tech, queue: { kind: 'personal', userId: tech.id } }).state;
    expect(resumeOf(held, ext.id, true)).toBe('takes part');
  });

  test('RESUME-4 an external representative who was removed or left, or never joined, has nothing to resume — "the one-time invitation link dies after use"', () => {
    expect(resumeOf(given(...withGuest(), { type: 'MemberRemoved', by: tech, memberId: ext.id }).state, ext.id, true)).toBe('NOT_MEMBER');
    expect(resumeOf(given(...withGuest(), { type: 'MemberLeft', by: ext, memberId: ext.id }).state, ext.id, true)).toBe('NOT_MEMBER');
    expect(resumeOf(given(...shared(), extInvite).state, ext.id, true)).toBe('NOT_MEMBER');
  });

  test('RESUME-5 an external representative does not resume an ended session — "An invitation dies ... when the session ends"', () => {
    const ended = given(...withGuest(), { type: 'SessionEnded', by: tech, reason: 'owner', lockDesktop: false, releaseClient: true }).state;
    expect(resumeOf(ended, ext.id, true)).toBe('SESSION_ENDED');
  });
});
