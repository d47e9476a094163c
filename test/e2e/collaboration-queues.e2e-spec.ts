import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { waitFor } from '../support/wait';
import type { WsTestClient } from '../support/ws-client';

const ids = (list: Array<{ sessionId: string }>): string[] => list.map((s) => s.sessionId);

/**
 * Collaboration at scale (seed 003): only people logged in or with extended availability (who are mailed)
 * are invitable; an "any representative" invitation goes to a team and one member takes it; a transfer to
 * a team queue is taken by one of the team, who becomes owner while the old owner stays a participant.
 */
describe('collaboration: invitable people, any representative, transfer to a team queue', () => {
  let sink: SmtpSink;
  let t: TestNode;
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startInProcessNode({ mail: { host: '127.0.0.1', port: sink.port, retryBaseMs: 200, retryMaxMs: 1000 } });
  });
  afterAll(async () => {
    await t?.stop();
    await sink?.stop();
  });

  async function activeSession(owner: WsTestClient, host: string, pin: string): Promise<{ sessionId: string; desk: Awaited<ReturnType<typeof agent>> }> {
    const desk = await agent(t, host, pin);
    const { sessionId } = await owner.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    return { sessionId, desk };
  }

  it('invites only people logged in or with extended availability, and lists them for the owner', async () => {
    const alice = await person(t, 'alice');
    const { sessionId, desk } = await activeSession(alice, 'desk-inv', '710710');
    const invitable = async (): Promise<Array<{ userId: string; availability: string }>> => (await alice.ask('people.invitable', { sessionId })).people;

    // Nobody else is logged in: only bob, with extended availability, can be invited.
    const first = await alice.ask('people.invitable', { sessionId });
    expect(first.people).toEqual([{ userId: 'bob', name: 'Bob Tech', role: 'technician', teams: ['helpdesk'], availability: 'extended' }]);
    expect(first.teams.map((x: { id: string }) => x.id)).toEqual(['helpdesk', 'network']);
    await expect(alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'carol' } })).rejects.toMatchObject({ code: 'NOT_AVAILABLE' });
    await expect(alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'sam' } })).rejects.toMatchObject({ code: 'NOT_AVAILABLE' });

    // Carol logs in: she is invitable now, and no longer once she is gone again.
    const carol = await person(t, 'carol');
    expect(await invitable()).toEqual(expect.arrayContaining([{ userId: 'carol', name: 'Carol Tech', role: 'technician', teams: ['network'], availability: 'online' }]));
    await expect(carol.ask('people.invitable', { sessionId })).rejects.toMatchObject({ code: 'NOT_OWNER' });
    await carol.close();
    await waitFor('carol gone', async () => !(await invitable()).some((p) => p.userId === 'carol'));
    await expect(alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'carol' } })).rejects.toMatchObject({ code: 'NOT_AVAILABLE' });

    // Bob is not logged in: extended availability makes him invitable, by email; then he is listed no more.
    const { inviteId } = await alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } });
    await waitFor('the invitation mail', () => sink.mails.some((m) => m.to.includes('bob@example.test') && m.raw.includes(inviteId)), 15_000);
    expect((await invitable()).map((p) => p.userId)).not.toContain('bob');
    expect(sink.mails.filter((m) => m.to.includes('carol@example.test') || m.to.includes('sam@example.test'))).toEqual([]);
    await alice.ask('session.end', { sessionId });
    for (const c of [alice, desk.ws]) await c.close();
  }, 30_000);

  it('an "any representative" invitation reaches every member of the team; one accepts, the next is refused', async () => {
    const [carol, alice, bob] = [await person(t, 'carol'), await person(t, 'alice'), await person(t, 'bob')];
    const { sessionId, desk } = await activeSession(carol, 'desk-any', '720720');
    const { inviteId } = await carol.ask('session.invite', { sessionId, target: { kind: 'team', teamId: 'helpdesk' } });
    for (const c of [alice, bob]) expect(await c.next('invite.received', (i) => i.inviteId === inviteId)).toMatchObject({ sessionId, target: { kind: 'team', teamId: 'helpdesk' }, from: { id: 'carol' } });

    await bob.ask('invite.respond', { sessionId, inviteId, accept: true });
    expect(await bob.next('session.state', (s) => s.sessionId === sessionId && s.you === 'participant')).toMatchObject({ ownerId: 'carol' });
    await expect(alice.ask('invite.respond', { sessionId, inviteId, accept: true })).rejects.toMatchObject({ code: 'UNKNOWN_INVITE' });
    expect(await alice.next('invite.closed', (i) => i.inviteId === inviteId)).toMatchObject({ sessionId, reason: 'accepted' });
    const state = await carol.next('session.state', (s) => s.members.some((m: { id: string }) => m.id === 'bob'));
    expect(state.members.map((m: { id: string }) => m.id).sort()).toEqual(['bob', 'carol']);
    expect(state.invitations).toEqual([]);
    await carol.ask('session.end', { sessionId });
    for (const c of [carol, alice, bob, desk.ws]) await c.close();
  }, 30_000);

  it('a transfer to a team queue shows in the team\'s queues; one member takes it and owns it, the old owner stays a participant', async () => {
    const [alice, bob, carol] = [await person(t, 'alice'), await person(t, 'bob'), await person(t, 'carol')];
    const { sessionId, desk } = await activeSession(carol, 'desk-xfer', '730730');
    await carol.ask('session.transfer', { sessionId, to: { kind: 'team', teamId: 'helpdesk' } });
    for (const c of [alice, bob]) await c.next('queue.changed', (q) => ids(q.sessions).includes(sessionId));
    expect((await bob.ask('queue.list', {})).sessions).toEqual(expect.arrayContaining([expect.objectContaining({ sessionId, status: 'queued', queue: { kind: 'team', teamId: 'helpdesk' } })]));
    expect(ids((await carol.ask('queue.list', {})).sessions)).not.toContain(sessionId);
    await expect(carol.ask('member.remove', { sessionId, memberId: 'alice' })).rejects.toMatchObject({ code: 'NOT_OWNER' });

    await alice.ask('queue.take', { sessionId });
    expect(await alice.next('session.state', (s) => s.sessionId === sessionId && s.you === 'owner')).toMatchObject({ status: 'active', ownerId: 'alice' });
    expect(await carol.next('session.state', (s) => s.ownerId === 'alice')).toMatchObject({ you: 'participant' });
    await expect(bob.ask('queue.take', { sessionId })).rejects.toMatchObject({ code: 'NOT_QUEUED' });
    await bob.next('queue.changed', (q) => !ids(q.sessions).includes(sessionId));
    await alice.ask('session.end', { sessionId });
    for (const c of [alice, bob, carol, desk.ws]) await c.close();
  }, 30_000);
});
