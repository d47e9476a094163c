import { AgentClient } from '../../src/agent/agent-client';
import type { CustomerPrompt } from '../../src/agent/customer-prompt';
import { startInProcessNode, type TestNode } from '../support/node';
import { person } from '../support/people';
import { waitFor } from '../support/wait';
import { WsTestClient } from '../support/ws-client';

const tokenOf = (link: string): string => /#access_token=(.+)$/.exec(link)![1]!;

/** True while a process with this id exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the command shell stops (issue #12): "Disconnect the customer but stay" ends elevation and
 * every shell on the desktop, and an external representative never uses one nor reads its output.
 * The real agent client runs a real shell.
 */
describe('command shell: customer disconnected, external representative', () => {
  let t: TestNode;
  const clients: AgentClient[] = [];
  beforeAll(async () => { t = await startInProcessNode(); });
  afterAll(async () => {
    for (const c of clients) c.stop();
    await t.stop();
  });

  /** An enrolled desktop whose customer says yes to everything; `notices` collects what the customer's terminal prints. */
  async function desk(hostname: string, pin: string): Promise<{ agentId: string; client: AgentClient; notices: string[] }> {
    const res = await fetch(`${t.url}/api/agents/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hostname, secret: 'test-enroll-secret' }) });
    const { agentId, token } = (await res.json()) as { agentId: string; token: string };
    const notices: string[] = [];
    const prompt: CustomerPrompt = { askAssist: async () => true, askRequest: async () => true, askFile: async () => true, notice: (text) => void notices.push(text), onChoice: () => undefined, close: () => undefined };
    const client = new AgentClient({
      state: { server: t.url, agentId, token, pin }, hello: { hostname, osUser: 'carol', os: 'Linux', version: '0.1.0', capabilities: ['shell'] },
      prompt, fps: 10, quality: 70, lockCommand: ['true'], log: () => undefined,
    });
    clients.push(client);
    client.start();
    return { agentId, client, notices };
  }

  /** Alice's active, elevated session on that desktop. */
  async function elevatedSession(alice: WsTestClient, agentId: string): Promise<string> {
    await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.some((a: { agentId: string }) => a.agentId === agentId), 10_000);
    const { sessionId } = await alice.ask('assist.request', { agentId });
    await alice.next('session.state', (s) => s.sessionId === sessionId && s.status === 'active');
    await alice.ask('elevation.request', { sessionId, method: 'prompt' });
    await alice.next('session.state', (s) => s.sessionId === sessionId && s.elevated);
    return sessionId;
  }

  it('customer.disconnect ends elevation and kills the open shell; no shell, input or admin action after it', async () => {
    const { agentId, client, notices } = await desk('desk-shell-disc', '515151');
    const alice = await person(t, 'alice');
    const sessionId = await elevatedSession(alice, agentId);
    const { shellId } = await alice.ask('shell.open', { sessionId });
    await alice.ask('shell.input', { sessionId, shellId, data: 'echo pid-$$\n' });
    const output = (): string => alice.all('shell.output').filter((o) => o.shellId === shellId).map((o) => o.data).join('');
    const pid = Number((await waitFor('the shell\'s pid', () => /pid-(\d+)/.exec(output()), 10_000))[1]);
    expect(client.shells.pids).toEqual([pid]);
    expect(alive(pid)).toBe(true);
    // The customer's terminal said a technician opened a command shell on this computer.
    await waitFor('the shell notice', () => notices.some((n) => /alice|Alice/.test(n) && n.includes('opened a command shell')), 5000);

    await alice.ask('customer.disconnect', { sessionId });
    expect(await alice.next('session.event', (e) => e.sessionId === sessionId && e.type === 'ElevationEnded')).toMatchObject({ reason: 'customer-disconnected' });
    expect(await alice.next('shell.exit', (x) => x.shellId === shellId)).toMatchObject({ sessionId });
    expect(await alice.next('session.event', (e) => e.type === 'ShellClosed' && e.shellId === shellId, 10_000)).toMatchObject({ reason: 'customer-disconnected', bytes: expect.any(Number) });
    await waitFor('the shell process gone', () => !alive(pid), 5000);
    expect(client.shells.count).toBe(0);

    // The session stays open for the technician, but nothing admin-only reaches the desktop any more.
    expect(await alice.next('session.state', (s) => s.sessionId === sessionId && s.customer?.connected === false)).toMatchObject({ status: 'active', elevated: false });
    await expect(alice.ask('shell.input', { sessionId, shellId, data: 'id\n' })).rejects.toMatchObject({ code: 'CUSTOMER_OFFLINE' });
    await expect(alice.ask('shell.resize', { sessionId, shellId, cols: 90, rows: 30 })).rejects.toMatchObject({ code: 'CUSTOMER_OFFLINE' });
    await expect(alice.ask('shell.open', { sessionId })).rejects.toMatchObject({ code: 'CUSTOMER_OFFLINE' });
    await expect(alice.ask('admin.action', { sessionId, action: 'process-list' })).rejects.toMatchObject({ code: 'CUSTOMER_OFFLINE' });
    await expect(alice.ask('elevation.request', { sessionId, method: 'credentials', credentials: { username: 'root', password: 'x' } })).rejects.toMatchObject({ code: 'CUSTOMER_OFFLINE' });
    expect(client.shells.count).toBe(0);
    expect(alice.all('session.event').filter((e) => e.sessionId === sessionId && e.type === 'ShellOpened')).toHaveLength(1);
    await alice.close();
  }, 30_000);

  it('an external representative is refused shell.open, shell.input and shell.resize and never receives shell output', async () => {
    const { agentId, client } = await desk('desk-shell-ext', '525252');
    const alice = await person(t, 'alice');
    const sessionId = await elevatedSession(alice, agentId);
    const invite = await alice.ask('session.invite', { sessionId, target: { kind: 'external', name: 'Xena Vendor' } });
    const xena = await WsTestClient.connect(`${t.wsUrl}/ws/console`, tokenOf(invite.link), { viaQuery: true });
    await xena.next('session.state', (s) => s.you === 'external' && s.elevated);

    await expect(xena.ask('shell.open', { sessionId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const { shellId } = await alice.ask('shell.open', { sessionId });
    await expect(xena.ask('shell.input', { sessionId, shellId, data: 'echo vendor-$((6*7))\n' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(xena.ask('shell.resize', { sessionId, shellId, cols: 20, rows: 5 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await alice.ask('shell.input', { sessionId, shellId, data: 'echo owner-$((3*5))\n' });
    const output = (): string => alice.all('shell.output').filter((o) => o.shellId === shellId).map((o) => o.data).join('');
    await waitFor('the owner\'s output', () => output().includes('owner-15'), 10_000);
    // The external's line never ran.
    expect(output()).not.toContain('vendor-42');

    // The shell closes with elevation; a chat after it is the fence: what xena would have got has arrived.
    await alice.ask('elevation.end', { sessionId });
    await alice.next('shell.exit', (x) => x.shellId === shellId);
    await waitFor('the shell gone on the desktop', () => client.shells.count === 0, 5000);
    await alice.ask('chat.send', { sessionId, text: 'fence' });
    await xena.next('session.event', (e) => e.type === 'ChatSent' && e.text === 'fence');
    expect(xena.all('shell.output')).toEqual([]);
    expect(xena.all('shell.exit')).toEqual([]);
    // The audit still shows everyone that a shell was opened and closed.
    expect(await xena.next('session.event', (e) => e.type === 'ShellOpened')).toMatchObject({ shellId });
    for (const c of [xena, alice]) await c.close();
  }, 30_000);
});
