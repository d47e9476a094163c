import { toRef } from '../common/actor';
import { eventFor, viewFor, viewerRole } from './session.view';
import { history } from '../testing/session-scenario';
import { accepted, admin, cust, ext, given, invited, mode, requested, sup, tech, tech2, tech3 } from '../testing/session-scenario';

const extInvite = { type: 'InvitationSent' as const, by: tech, inviteId: 'ix', target: { kind: 'external' as const, externalId: ext.id, name: ext.name } };
const state = given(requested(), accepted, mode('observe'), invited('i1', tech2.id), invited('i2', tech3.id), extInvite).state;

describe('session views', () => {
  test('VIEW-1 an invitee sees its own invitation only — "Multiple active invitations cannot exist for the same user to join the same session."', () => {
    const v = viewFor(state, toRef(tech2));
    expect(v.you).toBe('invitee');
    expect(v.invitations.map((i) => i.inviteId)).toEqual(['i1']);
    expect(v.members).toEqual([]);
    expect(v.details).toBeNull();
  });

  test('VIEW-2 the customer sees who is in and the requests to answer, no invitations — "the user receives a pop-up window displaying the technician’s account details"', () => {
    const v = viewFor(state, toRef(cust));
    expect(v.you).toBe('customer');
    expect(v.invitations).toEqual([]);
    expect(v.members.map((m) => m.name)).toEqual([tech.name]);
    expect(v.details).toBeNull();
  });

  test('VIEW-3 the owner and staff see everything but credentials — "In the Cockpit all actions of the cooperation are displayed."', () => {
    const v = viewFor(state, toRef(tech));
    expect(v.you).toBe('owner');
    expect(v.invitations).toHaveLength(3);
    expect(v.screenVisible).toBe(true);
    expect(v.details?.agentId).toBe('a1');
    expect(viewFor(state, toRef(sup)).you).toBe('staff');
    expect(viewFor(state, toRef(admin)).details).not.toBeNull();
  });

  test('VIEW-4 an external representative sees limited data — "send a one-time invitation to an external user who does not have an account"', () => {
    const joined = given(requested(), accepted, extInvite, { type: 'InvitationAccepted', by: ext, inviteId: 'ix', member: toRef(ext), role: 'external' }).state;
    const v = viewFor(joined, toRef(ext));
    expect(v.you).toBe('external');
    expect(v.details).toBeNull();
    expect(v.invitations).toEqual([]);
    expect(v.customer?.id).toBeNull();
    expect(v.requests).toEqual([]);
    const ended = given(requested(), { type: 'SessionEnded', by: tech, reason: 'owner', lockDesktop: false, releaseClient: true }).state;
    expect(viewFor(ended, toRef(tech)).ended).toEqual({ reason: 'owner', lockDesktop: false });
    expect(viewFor(ended, { kind: 'customer', id: 'nobody', name: '' }).you).toBe('none');
  });
});

describe('session events per viewer', () => {
  const events = history([requested(), accepted]);
  test('VIEW-5 staff see an event whole; the customer sees it without team routing', () => {
    const first = events[0]!;
    expect(eventFor(state, first, toRef(tech))).toBe(first);
    const forCustomer = eventFor(state, first, toRef(cust)) as unknown as Record<string, unknown>;
    expect(forCustomer.teams).toBeUndefined();
    expect(forCustomer.type).toBe('AssistRequested');
    expect(forCustomer.seq).toBe(1);
    expect(viewerRole(state, toRef(cust))).toBe('customer');
  });
});
