import { RequestQuestions } from './request-questions';
import { terminalHarness, tick } from './testing/terminal-harness';

const bob = { id: 'u-bob', name: 'Bob Tech' };
const alice = { id: 'u-alice', name: 'Alice Tech' };

/** RequestQuestions with the real terminal prompt; the connection is a recorder of the answers sent. */
function setup() {
  const { prompt, answer, type, out, sent } = terminalHarness();
  const questions = new RequestQuestions({ prompt, answer });
  return { questions, prompt, type, out, sent };
}

describe('RequestQuestions: a request over before the customer answered', () => {
  it('its asker left: the question goes with a line saying why, the next is asked, and y answers only that one', async () => {
    const { questions, prompt, type, out, sent } = setup();
    questions.ask({ sessionId: 's', requestId: 'r1', kind: 'mode', from: bob, mode: 'interact' });
    questions.ask({ sessionId: 's', requestId: 'r2', kind: 'elevation', from: bob });
    questions.ask({ sessionId: 's', requestId: 'r3', kind: 'control', from: alice });
    expect(out()).toContain('Bob Tech asks to switch to interact. Allow? [y/n]');
    // Someone else leaving changes nothing.
    questions.onSessionEvent({ type: 'MemberLeft', memberId: 'u-carol' });
    questions.onSessionEvent({ type: 'MemberLeft', memberId: 'u-bob' });
    expect(out()).toContain('tandem: Bob Tech no longer asks to switch to interact: they left the session\n'
      + 'tandem: Bob Tech no longer asks to start an admin (elevated) session: they left the session\n'
      + 'tandem: Alice Tech asks to take control. Allow? [y/n]\n');
    expect(out()).not.toContain('Bob Tech asks to start an admin');
    type('y');
    await tick();
    type('n');
    await tick();
    expect(sent).toEqual([{ event: 'control.respond', data: { sessionId: 's', requestId: 'r3', allow: true } }]);
    prompt.close();
  });

  it('its asker was removed; answered in the web panel; the customer\'s own answer coming back says nothing', async () => {
    const { questions, prompt, type, out, sent } = setup();
    questions.ask({ sessionId: 's', requestId: 'r1', kind: 'input-block', from: bob });
    questions.onSessionEvent({ type: 'MemberRemoved', memberId: 'u-bob', actor: { kind: 'technician', name: 'Alice Tech' } });
    expect(out()).toContain('tandem: Bob Tech no longer asks to block your keyboard and mouse while they work: they were removed from the session\n');
    questions.ask({ sessionId: 's', requestId: 'r2', kind: 'control', from: alice });
    questions.onSessionEvent({ type: 'ControlRequestAnswered', requestId: 'r2', allow: false, actor: { kind: 'customer', name: 'carol' } });
    expect(out()).toContain('tandem: Alice Tech\'s request to take control was refused in the web panel\n');
    type('y');
    await tick();
    expect(sent).toEqual([]);
    questions.ask({ sessionId: 's', requestId: 'r3', kind: 'mode', from: alice, mode: 'observe' });
    type('y');
    await tick();
    questions.onSessionEvent({ type: 'ModeRequestAnswered', requestId: 'r3', allow: true, actor: { kind: 'customer', name: 'carol' } });
    expect(out()).not.toContain('was allowed');
    expect(sent).toEqual([{ event: 'mode.respond', data: { sessionId: 's', requestId: 'r3', allow: true } }]);
    prompt.close();
  });

  it('gone from the session.state it was in (an input block released): withdrawn; a state from before it was asked withdraws nothing', async () => {
    const { questions, prompt, type, out, sent } = setup();
    questions.ask({ sessionId: 's', requestId: 'r1', kind: 'input-block', from: alice });
    // A state older than the request (it may arrive after request.pending) does not hold it yet.
    questions.onState([]);
    expect(out()).not.toContain('no longer');
    questions.onState([{ requestId: 'r1' }]);
    questions.onState([]);
    expect(out()).toContain('tandem: Alice Tech no longer asks to block your keyboard and mouse while they work\n');
    // A request whose state came first is known to be in it.
    questions.onState([{ requestId: 'r2' }]);
    questions.ask({ sessionId: 's', requestId: 'r2', kind: 'control', from: alice });
    questions.onState([]);
    expect(out()).toContain('tandem: Alice Tech no longer asks to take control\n');
    type('y');
    await tick();
    expect(sent).toEqual([]);
    prompt.close();
  });

  it('the session is over: open questions go and a late answer is not sent', async () => {
    const { questions, prompt, type, out, sent } = setup();
    questions.ask({ sessionId: 's', requestId: 'r1', kind: 'control', from: bob });
    questions.clear();
    expect(out()).toContain('tandem: Bob Tech no longer asks to take control\n');
    type('y');
    await tick();
    expect(sent).toEqual([]);
    prompt.close();
  });
});
