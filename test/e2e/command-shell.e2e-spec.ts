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

/** The command shell of an elevated session, with the real agent client running a real shell. */
describe('command shell', () => {
  let t: TestNode & { node: RunningNode };
  let client: AgentClient;
  beforeAll(async () => { t = await startInProcessNode({ policy: { reasonRequired: { recordingExport: true } } }); });
  afterAll(async () => {
    client?.stop();
    await t.stop();
  });

  it('runs echo and uname only while elevated, closes when elevation ends, and audits a transcript of what the terminal showed, never the input itself', async () => {
    const res = await fetch(`${t.url}/api/agents/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hostname: 'desk-shell', secret: 'test-enroll-secret' }) });
    const { agentId, token } = (await res.json()) as { agentId: string; token: string };
    client = new AgentClient({
      state: { server: t.url, agentId, token, pin: '272727' }, hello: { hostname: 'desk-shell', osUser: 'carol', os: 'Linux', version: '0.1.0', capabilities: ['shell'] },
      prompt: yes, fps: 10, quality: 70, lockCommand: ['true'], log: () => undefined,
    });
    client.start();
    const alice = await person(t, 'alice');
    await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.some((a: { agentId: string }) => a.agentId === agentId), 10_000);
    const { sessionId } = await alice.ask('assist.request', { agentId });
    await alice.next('session.state', (s) => s.status === 'active');

    await expect(alice.ask('shell.open', { sessionId })).rejects.toMatchObject({ code: 'NOT_ELEVATED' });
    await alice.ask('elevation.request', { sessionId, method: 'prompt' });
    await alice.next('session.state', (s) => s.elevated);
    const { shellId } = await alice.ask('shell.open', { sessionId });
    await alice.ask('shell.input', { sessionId, shellId, data: 'echo hello-$((6*7))\nuname\n' });
    const output = async (): Promise<string> => alice.all('shell.output').filter((o) => o.shellId === shellId).map((o) => o.data).join('');
    await waitFor('the shell output', async () => /hello-42[\s\S]*Linux/.test(await output()), 10_000);
    expect(alice.all('session.event').some((e) => e.type === 'AdminActionPerformed' && e.action === 'command-shell')).toBe(true);

    await alice.ask('elevation.end', { sessionId });
    expect(await alice.next('shell.exit', (x) => x.shellId === shellId)).toMatchObject({ sessionId });
    expect(client.shells.count).toBe(0);

    // The audit: a reference to the transcript of the output with its size; the journal never holds the typed command line.
    const closed = await alice.next('session.event', (e) => e.type === 'ShellClosed' && e.shellId === shellId);
    expect(closed).toMatchObject({ transcript: `transcripts/${sessionId}/${shellId}.log`, reason: 'elevation-ended', bytes: expect.any(Number) });
    const journal = (await t.node.app.get<Store>(STORE).journal.read(`session:${sessionId}`, 0)).map((e) => e.event as { type: string });
    expect(journal.filter((e) => e.type === 'ShellOpened')).toEqual([expect.objectContaining({ shellId, transcript: closed.transcript })]);
    expect(journal.filter((e) => e.type === 'ShellClosed')).toEqual([expect.objectContaining({ shellId, transcript: closed.transcript, bytes: closed.bytes })]);
    expect(JSON.stringify(journal)).not.toContain('echo hello');
    expect(JSON.stringify(journal)).not.toContain('6*7');
    const transcripts = t.node.app.get(ShellTranscripts);
    const text = await waitFor('the transcript', async () => {
      const x = await transcripts.read(closed.transcript).catch(() => '');
      return Buffer.byteLength(x) === closed.bytes ? x : null;
    });
    // The shell runs in a pseudo-terminal: the transcript is what the technician's terminal showed, the echo of the command line included.
    expect(text).toContain('echo hello-$((6*7))\r\n');
    expect(text).toMatch(/hello-42\r\n[\s\S]*Linux\r\n/);
    expect(text).toBe(await output());
    await expect(alice.ask('shell.input', { sessionId, shellId, data: 'id\n' })).rejects.toMatchObject({ code: 'NOT_ELEVATED' });

    // An admin reads it over HTTP with a reason (policy here); a technician may not; each read is audited.
    const get = async (path: string, username: string): Promise<Response> => fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${await t.login(username)}` } });
    const path = `/api/admin/transcripts/${sessionId}/${shellId}`;
    expect((await get(path, 'alice')).status).toBe(403);
    const noReason = await get(path, 'root');
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toMatchObject({ code: 'REASON_REQUIRED' });
    expect((await get(`/api/admin/transcripts/${sessionId}/no-such-shell?reason=audit`, 'root')).status).toBe(404);
    expect((await get(`/api/admin/transcripts/${sessionId}/..%2F..%2Fetc?reason=audit`, 'root')).status).toBe(400);
    const read = await get(`${path}?reason=${encodeURIComponent('incident 9')}`, 'root');
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await read.text()).toBe(text);
    const audited = (await (await get('/api/admin/audit?type=TranscriptRead', 'root')).text()).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audited).toEqual([expect.objectContaining({ type: 'TranscriptRead', sessionId, details: expect.objectContaining({ shellId, reason: 'incident 9' }) })]);
    await alice.close();
  }, 30_000);
});
