import { AgentClient } from '../../src/agent/agent-client';
import type { CustomerPrompt } from '../../src/agent/customer-prompt';
import type { Store } from '../../src/cluster/ports';
import { STORE } from '../../src/gateways/sessions/tokens';
import type { RunningNode } from '../../src/node/start-node';
import { ShellTranscripts } from '../../src/recording/shell-transcripts';
import { startInProcessNode, type TestNode } from '../support/node';
import { person } from '../support/people';
import { waitFor } from '../support/wait';

/** A customer who says yes to everything, so the test drives the technician's side. */
const yes: CustomerPrompt = { askAssist: async () => true, askRequest: async () => true, askFile: async () => true, notice: () => undefined, onChoice: () => undefined, close: () => undefined };

/** What a technician types at a no-echo prompt: it must reach the shell and nowhere else. */
const SECRET = 'hunter2-Qx7vZ';

/**
 * The command shell runs in a real pseudo-terminal (issue #12): `tty` names a /dev/pts device, the terminal
 * has the size the cockpit gave at open and then with `shell.resize`, and what is typed with echo off (a
 * password prompt) never reaches the technician's screen, the transcript or the journal — while the command
 * lines the terminal echoed are in the transcript, as the screen showed them. The real agent client runs a
 * real shell.
 */
describe('command shell in a pseudo-terminal', () => {
  let t: TestNode & { node: RunningNode };
  let client: AgentClient;
  beforeAll(async () => { t = await startInProcessNode(); });
  afterAll(async () => {
    client?.stop();
    await t.stop();
  });

  it('has a /dev/pts terminal of the cockpit\'s size, follows shell.resize, and keeps input typed with echo off out of the transcript', async () => {
    const res = await fetch(`${t.url}/api/agents/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hostname: 'desk-tty', secret: 'test-enroll-secret' }) });
    const { agentId, token } = (await res.json()) as { agentId: string; token: string };
    client = new AgentClient({
      state: { server: t.url, agentId, token, pin: '282828' }, hello: { hostname: 'desk-tty', osUser: 'carol', os: 'Linux', version: '0.1.0', capabilities: ['shell'] },
      prompt: yes, fps: 10, quality: 70, lockCommand: ['true'], log: () => undefined,
    });
    client.start();
    const alice = await person(t, 'alice');
    await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.some((a: { agentId: string }) => a.agentId === agentId), 10_000);
    const { sessionId } = await alice.ask('assist.request', { agentId });
    await alice.next('session.state', (s) => s.status === 'active');
    await alice.ask('elevation.request', { sessionId, method: 'prompt' });
    await alice.next('session.state', (s) => s.elevated);

    // Sizes out of bounds are bad data, at the edge.
    await expect(alice.ask('shell.open', { sessionId, cols: 1, rows: 24 })).rejects.toMatchObject({ code: 'INVALID_DATA' });
    await expect(alice.ask('shell.open', { sessionId, cols: 80, rows: 501 })).rejects.toMatchObject({ code: 'INVALID_DATA' });

    const { shellId } = await alice.ask('shell.open', { sessionId, cols: 100, rows: 30 });
    const output = (): string => alice.all('shell.output').filter((o) => o.shellId === shellId).map((o) => o.data).join('');
    await alice.ask('shell.input', { sessionId, shellId, data: 'tty; echo size-$(stty size)\r' });
    await waitFor('tty and stty size', () => /size-30 100/.test(output()), 10_000);
    expect(output()).toMatch(/\/dev\/pts\/\d+\r\n/);

    await expect(alice.ask('shell.resize', { sessionId, shellId, cols: 501, rows: 40 })).rejects.toMatchObject({ code: 'INVALID_DATA' });
    await expect(alice.ask('shell.resize', { sessionId, shellId, cols: 120 })).rejects.toMatchObject({ code: 'INVALID_DATA' });
    await alice.ask('shell.resize', { sessionId, shellId, cols: 120, rows: 40 });
    await alice.ask('shell.input', { sessionId, shellId, data: 'echo now-$(stty size)\r' });
    await waitFor('the new size', () => /now-40 120/.test(output()), 10_000);

    // A password prompt: the terminal's echo is off while it reads, so what is typed there is not shown.
    await alice.ask('shell.input', { sessionId, shellId, data: 'stty -echo; printf "Secret: "; read s; stty echo; echo; echo "got-${#s}-chars"\r' });
    await waitFor('the prompt', () => output().includes('Secret: '), 10_000);
    for (const ch of SECRET) await alice.ask('shell.input', { sessionId, shellId, data: ch });
    await alice.ask('shell.input', { sessionId, shellId, data: '\r' });
    await waitFor('the secret read', () => output().includes(`got-${SECRET.length}-chars`), 10_000);

    await alice.ask('elevation.end', { sessionId });
    await alice.next('shell.exit', (x) => x.shellId === shellId);
    const closed = await alice.next('session.event', (e) => e.type === 'ShellClosed' && e.shellId === shellId, 10_000);
    await expect(alice.ask('shell.resize', { sessionId, shellId, cols: 90, rows: 30 })).rejects.toMatchObject({ code: 'NOT_ELEVATED' });

    const transcript = await waitFor('the transcript', async () => {
      const x = await t.node.app.get(ShellTranscripts).read(closed.transcript).catch(() => '');
      return Buffer.byteLength(x) === closed.bytes ? x : null;
    });
    expect(transcript).toBe(output());
    // The echoed command lines are there, as the technician's screen showed them ...
    expect(transcript).toContain('echo "got-${#s}-chars"');
    expect(transcript).toContain(`got-${SECRET.length}-chars`);
    // ... what was typed with echo off is nowhere: not on the screen, in the transcript or in the journal.
    expect(transcript).not.toContain(SECRET);
    expect(transcript).not.toContain(SECRET.slice(0, 4));
    const journal = JSON.stringify(await t.node.app.get<Store>(STORE).journal.read(`session:${sessionId}`, 0));
    expect(journal).not.toContain(SECRET);
    expect(journal).not.toContain('stty');
    await alice.close();
  }, 30_000);
});
