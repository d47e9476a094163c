import bcrypt from 'bcryptjs';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import { testUsersConfig } from '../support/users';

const ids = (list: Array<{ sessionId: string }>): string[] => list.map((s) => s.sessionId);

/** A supervisor of the network team, besides Sam who supervises helpdesk. */
export const NINA = { username: 'nina', displayName: 'Nina Supervisor', role: 'supervisor', teams: ['network'], passwordHash: bcrypt.hashSync('nina-pw', 4) };

/**
 * Supervisors "see and may join any session of their teams" (design.md): `sessions.list` and live
 * `sessions.changed` show a supervisor the running sessions of their teams; `session.join` makes them an
 * observer. A technician may neither list nor join; a supervisor of another team does not see it.
 */
describe('supervisors watch the sessions of their teams', () => {
  let t: TestNode;
  beforeAll(async () => { t = await startInProcessNode({ users: [...testUsersConfig(), NINA] }); });
  afterAll(async () => t?.stop());

  it('lists the team\'s running sessions live to its supervisor only, who joins as an observer', async () => {
    const [sam, nina, alice, bob] = [await person(t, 'sam'), await person(t, 'nina'), await person(t, 'alice'), await person(t, 'bob')];
    const desk = await agent(t, 'desk-sup', '740740');
    expect((await sam.ask('sessions.list', {})).sessions).toEqual([]);

    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    expect(ids((await sam.next('sessions.changed', (d) => ids(d.sessions).includes(sessionId))).sessions)).toEqual([sessionId]);
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    expect((await sam.ask('sessions.list', {})).sessions).toEqual([expect.objectContaining({ sessionId, status: 'active', ownerId: 'alice', teams: ['helpdesk'] })]);

    // Another team's supervisor does not see it and may not join; technicians may do neither.
    expect(ids((await nina.ask('sessions.list', {})).sessions)).not.toContain(sessionId);
    await expect(nina.ask('session.join', { sessionId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(bob.ask('sessions.list', {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(bob.ask('session.join', { sessionId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(nina.all('sessions.changed').flatMap((d) => ids(d.sessions))).not.toContain(sessionId);
    expect(bob.all('sessions.changed')).toEqual([]);

    // Sam joins as an observer: he is in the session, sees its events, and may not act as a participant.
    await sam.ask('session.join', { sessionId });
    expect(await sam.next('session.state', (s) => s.sessionId === sessionId && s.you === 'observer')).toMatchObject({ ownerId: 'alice', status: 'active' });
    expect(await alice.next('session.event', (e) => e.type === 'SupervisorJoined')).toMatchObject({ member: { id: 'sam' } });
    await expect(sam.ask('session.join', { sessionId })).rejects.toMatchObject({ code: 'ALREADY_MEMBER' });
    await expect(sam.ask('session.invite', { sessionId, target: { kind: 'team', teamId: 'helpdesk' } })).rejects.toMatchObject({ code: 'NOT_OWNER' });

    await alice.ask('session.end', { sessionId });
    await sam.next('sessions.changed', (d) => !ids(d.sessions).includes(sessionId));
    expect(ids((await sam.ask('sessions.list', {})).sessions)).not.toContain(sessionId);
    for (const c of [sam, nina, alice, bob, desk.ws]) await c.close();
  }, 30_000);
});
