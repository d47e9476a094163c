import { assistAccepted, startDesktopAgent } from '../support/desktop-agent';
import { startInProcessNode, type TestNode } from '../support/node';
import { inviteParticipant, person } from '../support/people';
import { waitFor } from '../support/wait';

/**
 * A request dies with the member who asked it (MODE-13, CTRL-10): the session journals no event of its own, and
 * the real agent learns it from the asker's MemberRemoved/MemberLeft — its terminal question goes, saying why.
 */
describe('the real agent: a request whose asker is gone leaves the terminal', () => {
  let t: TestNode;
  beforeAll(async () => { t = await startInProcessNode(); });
  afterAll(async () => { await t.stop(); });

  it('removed, then left: each question is withdrawn with a line saying why; a late y sends nothing (no UNKNOWN_REQUEST); the next request is answered', async () => {
    const logs: string[] = [];
    const alice = await person(t, 'alice');
    const bob = await person(t, 'bob');
    const carol = await person(t, 'carol');
    const desk = await startDesktopAgent(t, 'desk-withdrawn-requests', { log: (line) => logs.push(line) });
    try {
      const sessionId = await assistAccepted(alice, desk);
      await inviteParticipant(alice, bob, sessionId, 'bob');
      await inviteParticipant(alice, carol, sessionId, 'carol');

      // Bob asks for interact, Carol for control (behind it). The owner removes Bob before the customer answers.
      await bob.ask('mode.request', { sessionId, mode: 'interact' });
      await carol.ask('control.request', { sessionId });
      await desk.waitForQuestion('Bob Tech asks to switch to interact');
      await alice.ask('member.remove', { sessionId, memberId: 'bob' });
      await desk.waitForQuestion('tandem: Bob Tech no longer asks to switch to interact: they were removed from the session\ntandem: Carol Tech asks to take control');

      // Carol leaves with her request still asked.
      await carol.ask('session.leave', { sessionId });
      await desk.waitForQuestion('tandem: Carol Tech no longer asks to take control: they left the session\n');
      desk.type('y', 'y');

      // The next request is the one the customer's answer goes to.
      await alice.ask('mode.request', { sessionId, mode: 'observe' });
      await desk.waitForQuestion('Alice Tech asks to switch to observe');
      desk.type('y');
      expect(await alice.next('session.event', (e) => e.sessionId === sessionId && e.type === 'ModeChanged')).toMatchObject({ mode: 'observe' });
      expect(alice.all('session.event').filter((e) => /RequestAnswered$/.test(e.type)).map((e) => [e.type, e.allow])).toEqual([['ModeRequestAnswered', true]]);
      expect(logs.filter((l) => l.includes('UNKNOWN_REQUEST'))).toEqual([]);
      await alice.ask('session.end', { sessionId });
    } finally {
      desk.stop();
      for (const c of [alice, bob, carol]) await c.close();
    }
  }, 30_000);

  it('the technician cancels before the customer answered: the consent question is withdrawn saying so, a late y sends nothing, the next request is answered', async () => {
    const logs: string[] = [];
    const alice = await person(t, 'alice');
    const desk = await startDesktopAgent(t, 'desk-withdrawn-consent', { log: (line) => logs.push(line) });
    try {
      await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.some((a: { agentId: string }) => a.agentId === desk.agentId));
      const first = await alice.ask('assist.request', { agentId: desk.agentId });
      await desk.waitForQuestion('Alice Tech (helpdesk) asks to view your screen');
      // Alice cancels her pending request: she ends the session (END-12).
      await alice.ask('session.end', { sessionId: first.sessionId });
      await desk.waitForQuestion('tandem: Alice Tech no longer asks to help: the request was cancelled\ntandem: the session has ended (owner)\n');
      desk.type('y');

      const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId, action: 'control' });
      await desk.waitForQuestion('Alice Tech (helpdesk) asks to take control of your screen');
      desk.type('y');
      await alice.next('session.event', (e) => e.sessionId === sessionId && e.type === 'AssistAccepted');
      expect(alice.all('session.event').filter((e) => e.sessionId === first.sessionId).map((e) => e.type)).not.toContain('AssistAccepted');
      expect(logs.filter((l) => l.includes('server refused'))).toEqual([]);
      await alice.ask('session.end', { sessionId });
    } finally {
      desk.stop();
      await alice.close();
    }
  }, 30_000);
});
