import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { AgentClient } from '../../src/agent/agent-client';
import type { CustomerPrompt } from '../../src/agent/customer-prompt';
import { MAX_CHUNK } from '../../src/agent/shell-output';
import type { Connection } from '../../src/gateways/connection';
import { ConnectionRegistry } from '../../src/gateways/connection-registry';
import type { RunningNode } from '../../src/node/start-node';
import { ShellTranscripts, truncationNote } from '../../src/recording/shell-transcripts';
import { startInProcessNode, type TestNode } from '../support/node';
import { waitFor } from '../support/wait';

const yes: CustomerPrompt = { askAssist: async () => true, askRequest: async () => true, askFile: async () => true, notice: () => undefined, onChoice: () => undefined, close: () => undefined };

/** How long the flood runs before Ctrl-C. */
const FLOOD_MS = 2500;
/** Caps of this node (small, so that a few seconds of flood reach them). */
const TRANSCRIPT_MAX = 1024 * 1024;
const VIEWER_BUFFER = 512 * 1024;
/** One `shell.output` of ASCII output as the node sends it: its text and the envelope around it. */
const MAX_MESSAGE = MAX_CHUNK + 1024;

/**
 * A technician's console connection that counts the shell output it reads (and what the node says it
 * skipped) and keeps only its tail, so the test itself does not hold the flood in memory.
 */
class Viewer {
  outputBytes = 0;
  skippedBytes = 0;
  tail = '';
  readonly events: { event: string; data: any }[] = [];
  private nextId = 1;
  private readonly replies = new Map<string, (m: { event: string; data: any }) => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { event: string; data: any; id?: string };
      if (m.event === 'shell.output') {
        this.outputBytes += Buffer.byteLength(m.data.data);
        this.skippedBytes += m.data.skipped ?? 0;
        this.tail = (this.tail + m.data.data).slice(-8192);
        return;
      }
      if ((m.event === 'ack' || m.event === 'error') && m.id) {
        this.replies.get(m.id)?.(m);
        this.replies.delete(m.id);
        return;
      }
      if (m.event === 'shell.exit') this.skippedBytes += m.data.skipped ?? 0;
      this.events.push(m);
    });
  }

  static async connect(t: TestNode, username: string): Promise<Viewer> {
    const ws = new WebSocket(`${t.wsUrl}/ws/console`, { headers: { authorization: `Bearer ${await t.login(username)}` } });
    const v = new Viewer(ws);
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    return v;
  }

  /** Every byte of output the shell sent reached this viewer or was counted as skipped for it. */
  get accounted(): number {
    return this.outputBytes + this.skippedBytes;
  }

  async ask(event: string, data: unknown, timeoutMs = 10_000): Promise<any> {
    const id = `v${this.nextId++}`;
    const reply = new Promise<{ event: string; data: any }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${event} in ${timeoutMs} ms`)), timeoutMs);
      this.replies.set(id, (m) => { clearTimeout(timer); resolve(m); });
    });
    this.ws.send(JSON.stringify({ event, data, id }));
    const m = await reply;
    if (m.event === 'error') throw Object.assign(new Error(`${m.data.code}: ${m.data.message}`), m.data);
    return m.data;
  }

  async next(event: string, pred: (d: any) => boolean, timeoutMs = 10_000): Promise<any> {
    return (await waitFor(`event ${event}`, () => this.events.find((e) => e.event === event && pred(e.data)), timeoutMs)).data;
  }
}

/**
 * A command with huge, fast output in the command shell (`yes`), a technician whose tab stopped reading,
 * then Ctrl-C: the agent's pseudo-terminal is read only as fast as the node acknowledges output, so
 * the agent's connection stays up (no flood close), nothing grows without bound — the agent's bytes in
 * flight, the stalled viewer's socket on the node, the transcript — Ctrl-C takes effect and the shell
 * answers, and chat goes on meanwhile. Real node, real agent client with a real shell, real ws clients.
 */
describe('command shell: a flood of output, a stalled viewer, then Ctrl-C', () => {
  let t: TestNode & { node: RunningNode };
  let client: AgentClient;
  const agentLog: string[] = [];
  beforeAll(async () => {
    // A message rate above the default, so the paced agent relays a few MB per second (more than the kernel's socket buffers hold for the stalled viewer).
    t = await startInProcessNode({ ws: { rateLimit: { messagesPerSecond: 150 } }, shell: { transcriptMaxBytes: TRANSCRIPT_MAX, viewerBufferBytes: VIEWER_BUFFER } });
  });
  afterAll(async () => {
    client?.stop();
    await t.stop();
  });

  it('throttles yes at the source, keeps the agent connected and every buffer bounded, and Ctrl-C then echo answers', async () => {
    const res = await fetch(`${t.url}/api/agents/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hostname: 'desk-flood', secret: 'test-enroll-secret' }) });
    const { agentId, token } = (await res.json()) as { agentId: string; token: string };
    client = new AgentClient({
      state: { server: t.url, agentId, token, pin: '393939' }, hello: { hostname: 'desk-flood', osUser: 'carol', os: 'Linux', version: '0.1.0', capabilities: ['shell'] },
      prompt: yes, fps: 10, quality: 70, lockCommand: ['true'], log: (line) => void agentLog.push(line),
    });
    client.start();
    const registry = t.node.app.get(ConnectionRegistry);
    const alice = await Viewer.connect(t, 'alice');
    await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.some((a: { agentId: string }) => a.agentId === agentId), 10_000);
    const { sessionId } = await alice.ask('assist.request', { agentId });
    await alice.next('session.state', (s) => s.sessionId === sessionId && s.status === 'active');
    await alice.ask('elevation.request', { sessionId, method: 'prompt' });
    await alice.next('session.state', (s) => s.sessionId === sessionId && s.elevated);
    // Alice's second tab, which will stop reading: the node's side of it is watched.
    const before = new Set(registry.list().map((c) => c.id));
    const stalled = await Viewer.connect(t, 'alice');
    const onNode: Connection = await waitFor('the stalled tab on the node', () => registry.list().find((c) => c.endpoint === 'console' && !before.has(c.id)));
    const { shellId } = await alice.ask('shell.open', { sessionId });
    await alice.ask('shell.input', { sessionId, shellId, data: 'echo ready-$((6*7))\r' });
    await waitFor('the shell ready', () => alice.tail.includes('ready-42') && stalled.tail.includes('ready-42'), 10_000);

    const connects = client.stats.connects;
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    let peakStalled = 0;
    stalled.ws.pause();
    const sampler = setInterval(() => {
      peakStalled = Math.max(peakStalled, onNode.bufferedAmount);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 10);
    try {
      await alice.ask('shell.input', { sessionId, shellId, data: 'yes flood-line-of-the-command-shell\r' });
      const started = Date.now();
      // The rest of the session answers meanwhile: every chat message is acked.
      let chats = 0;
      while (Date.now() - started < FLOOD_MS) {
        await alice.ask('chat.send', { sessionId, text: `during the flood ${chats++}` });
        await new Promise((r) => setTimeout(r, 100));
      }
      const duringFlood = client.shells.stats.readBytes;
      expect(duringFlood).toBeGreaterThan(TRANSCRIPT_MAX);

      // Ctrl-C, then a command: it answers.
      await alice.ask('shell.input', { sessionId, shellId, data: '\x03' });
      await alice.ask('shell.input', { sessionId, shellId, data: 'echo ok-$((6*7))\r' });
      await waitFor('ok-42 after Ctrl-C', () => alice.tail.includes('ok-42'), 20_000);
    } finally {
      clearInterval(sampler);
    }
    // The agent stayed connected: no flood close, no refusal.
    expect(agentLog.filter((l) => /disconnected|refused/.test(l))).toEqual([]);
    expect(client.stats.connects).toBe(connects);
    const stats = client.shells.stats;
    // Everything the agent read went out and was relayed: alice got it all, or was told what she missed.
    await waitFor('alice has every byte accounted for', () => alice.accounted === client.shells.stats.sentBytes && stats.sentBytes === stats.readBytes, 10_000);
    // The agent never had more than its window (plus one read of the terminal and one message) read and unacknowledged.
    expect(stats.peakInFlight).toBeLessThanOrEqual(client.shells.output.windowBytes + 2 * MAX_CHUNK);
    expect(stats.pauses).toBeGreaterThan(0);
    // The node held at most its bound (plus one message) for the tab that did not read.
    expect(peakStalled).toBeLessThanOrEqual(VIEWER_BUFFER + MAX_MESSAGE);

    // The stalled tab reads again: the next output tells it how much it missed, and nothing else is lost.
    stalled.ws.resume();
    await waitFor('the stalled tab drained', () => onNode.bufferedAmount === 0, 10_000);
    await alice.ask('shell.input', { sessionId, shellId, data: 'echo after-$((7*7))\r' });
    await waitFor('after-49 in the stalled tab', () => stalled.tail.includes('after-49'), 10_000);
    expect(stalled.skippedBytes).toBeGreaterThan(0);
    await waitFor('the stalled tab has every byte accounted for', () => stalled.accounted === client.shells.stats.sentBytes && alice.accounted === client.shells.stats.sentBytes, 10_000);

    // The transcript stopped at its cap, says so, and the audit records what it left out.
    const transcripts = t.node.app.get(ShellTranscripts);
    const sent = client.shells.stats.sentBytes;
    // Every byte relayed is in the file, past the cap, or (had the disk been behind) in a marked gap.
    const { kept, omitted, gapBytes } = transcripts.accounting(sessionId, shellId);
    expect(kept + omitted + gapBytes).toBe(sent);
    expect(kept).toBe(TRANSCRIPT_MAX);
    await alice.ask('elevation.end', { sessionId });
    const closed = await alice.next('session.event', (e) => e.type === 'ShellClosed' && e.shellId === shellId);
    expect(closed.truncated).toEqual({ omittedBytes: omitted });
    expect(closed.bytes).toBeLessThanOrEqual(TRANSCRIPT_MAX + 4096);
    const file = join(t.dataDir, 'recordings', closed.transcript as string);
    const text = await waitFor('the transcript written', async () => {
      const x = await readFile(file).catch(() => Buffer.alloc(0));
      return x.length === closed.bytes ? x.toString('utf8') : null;
    });
    expect(text.endsWith(truncationNote(TRANSCRIPT_MAX))).toBe(true);
    expect(text).toContain('flood-line-of-the-command-shell\r\n');

    const rssGrowth = peakRss - rssBefore;
    // Loose: the test process (node, agent and clients) did not take up the flood in memory.
    expect(rssGrowth).toBeLessThan(256 * 1024 * 1024);
    console.log(`flood: read ${stats.readBytes} B from the pty in ~${FLOOD_MS} ms, relayed ${sent} B, alice got ${alice.outputBytes} B (skipped ${alice.skippedBytes}), `
      + `stalled tab got ${stalled.outputBytes} B (skipped ${stalled.skippedBytes}), peak on the node for it ${peakStalled} B, agent peak in flight ${stats.peakInFlight} B, `
      + `pauses ${stats.pauses}, transcript ${closed.bytes} B (omitted ${closed.truncated.omittedBytes}), RSS +${Math.round(rssGrowth / 1048576)} MiB`);
    for (const v of [alice, stalled]) v.ws.close();
  }, 60_000);
});
