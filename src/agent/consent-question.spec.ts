import { ConsentQuestion } from './consent-question';
import { terminalHarness, tick } from './testing/terminal-harness';

const alice = { id: 'u-alice', name: 'Alice Tech' };

/** ConsentQuestion with the real terminal prompt; the connection is a recorder of the answers sent. */
function setup() {
  const { prompt, answer, type, out, sent } = terminalHarness();
  const consent = new ConsentQuestion({ prompt, answer });
  return { consent, prompt, type, out, sent };
}

describe('ConsentQuestion: an assist request over before the customer answered', () => {
  it('the technician cancelled it: the question goes with a line saying why, a late y sends nothing, the next request is answered', async () => {
    const { consent, prompt, type, out, sent } = setup();
    consent.ask({ sessionId: 's1', technician: alice, action: 'view' });
    expect(out()).toContain('tandem: Alice Tech asks to view your screen. The session starts on hold. Allow? [y/n]\n');
    consent.ended('owner');
    expect(out()).toContain('tandem: Alice Tech no longer asks to help: the request was cancelled\n');
    type('y');
    await tick();
    expect(sent).toEqual([]);
    expect(out()).not.toContain('please answer');
    consent.ask({ sessionId: 's2', technician: alice, action: 'control' });
    type('y');
    await tick();
    expect(sent).toEqual([{ event: 'assist.respond', data: { sessionId: 's2', allow: true } }]);
    // The customer's own answer coming back, and the session's later end, say nothing more.
    consent.onSessionEvent({ type: 'AssistAccepted' });
    consent.ended('owner');
    expect(out().match(/no longer asks|web panel/g)).toHaveLength(1);
    prompt.close();
  });

  it('answered in the web panel, ended by an administrator, or while the desktop was offline: each says so', async () => {
    const { consent, prompt, type, out, sent } = setup();
    consent.ask({ sessionId: 's1', technician: alice, action: 'control' });
    consent.onSessionEvent({ type: 'AssistAccepted' });
    expect(out()).toContain('tandem: Alice Tech\'s request to take control of your screen was allowed in the web panel\n');
    consent.ask({ sessionId: 's2', technician: alice, action: 'view' });
    consent.onSessionEvent({ type: 'AssistDeclined' });
    expect(out()).toContain('tandem: Alice Tech\'s request to view your screen was refused in the web panel\n');
    consent.ask({ sessionId: 's3', technician: alice, action: 'view' });
    consent.ended('admin');
    expect(out()).toContain('tandem: Alice Tech no longer asks to help: an administrator ended the session\n');
    consent.ask({ sessionId: 's4', technician: alice, action: 'view' });
    consent.ended('it ended while this desktop was offline');
    expect(out()).toContain('tandem: Alice Tech no longer asks to help: it ended while this desktop was offline\n');
    type('y');
    type('n');
    await tick();
    expect(sent).toEqual([]);
    prompt.close();
  });
});
