import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { AgentClient } from './agent-client';
import type { CustomerPrompt } from './customer-prompt';
import type { CaptureResult, ScreenSource } from './screen-source';

/** A desktop of one 64×64 monitor whose every capture reports one changed tile (no X server needed). */
class OneTileScreen implements ScreenSource {
  monitors() { return [{ index: 0, name: 'm0', x: 0, y: 0, width: 64, height: 64 }]; }
  async capture(): Promise<CaptureResult> {
    return { paused: false, width: 64, height: 64, timestamp: Date.now(), tiles: [{ x: 0, y: 0, width: 64, height: 64, encoding: 1, data: new Uint8Array([1, 2, 3]) }] };
  }
  close(): void {}
}

const until = async (what: string, check: () => boolean, ms = 5000): Promise<void> => {
  for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 10))) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
};

/**
 * The real AgentClient against a node that says what a test scripts (a ws server on a free port): the one
 * way to hand it a message the real server never sends, such as the end of a session it is not in.
 */
describe('AgentClient', () => {
  let dir: string;
  let server: WebSocketServer;
  let client: AgentClient | undefined;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-agent-client-'));
    server = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/ws/agent' });
    await new Promise((r) => server.once('listening', r));
  });
  afterEach(async () => {
    client?.stop();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('ignores a session.ended for another session: its capture, its shell and the desktop stay as they are', async () => {
    const lockFile = join(dir, 'locked');
    const notices: string[] = [];
    const ended: string[] = [];
    const prompt: CustomerPrompt = {
      askAssist: async () => true, askRequest: async () => false, askFile: async () => false,
      notice: (text) => notices.push(text), onChoice: () => undefined, close: () => undefined,
    };
    const received: { event: string; data: Record<string, unknown> }[] = [];
    const frames: Buffer[] = [];
    const connected = new Promise<WebSocket>((resolve) => server.once('connection', (ws) => {
      ws.on('message', (raw, isBinary) => {
        if (isBinary) return void frames.push(raw as Buffer);
        const msg = JSON.parse(String(raw)) as { event: string; data: Record<string, unknown>; id?: string };
        received.push(msg);
        if (msg.event === 'agent.hello' && msg.id) ws.send(JSON.stringify({ event: 'ack', id: msg.id, data: { sessionId: null } }));
      });
      resolve(ws);
    }));
    const { port } = server.address() as AddressInfo;
    client = new AgentClient({
      state: { server: `http://127.0.0.1:${port}`, agentId: 'ag-1', token: 'tok', pin: '123456' },
      hello: { hostname: 'desk', osUser: 'uma', os: 'linux', version: 'test', capabilities: [] },
      prompt, screen: new OneTileScreen(), fps: 20, quality: 70,
      lockCommand: ['/bin/sh', '-c', `echo locked >> '${lockFile}'`],
      log: () => undefined, onSessionEnded: (id) => ended.push(id),
    });
    client.start();
    const ws = await connected;
    const push = (event: string, data: Record<string, unknown>): void => ws.send(JSON.stringify({ event, data }));
    const shellSaid = (text: string): boolean => received.some((m) => m.event === 'shell.output' && String(m.data.data).includes(text));

    // Uma allows s1; it is shared (observe) and elevated: a command shell runs in it.
    push('assist.requested', { sessionId: 's1', technician: { id: 't1', name: 'Tess' }, action: 'view' });
    await until('the customer\'s answer', () => received.some((m) => m.event === 'assist.respond' && m.data.sessionId === 's1' && m.data.allow === true));
    push('session.mode', { sessionId: 's1', mode: 'observe' });
    await until('the first frames', () => frames.length > 0);
    push('shell.open', { sessionId: 's1', shellId: 'sh1' });
    await until('the shell', () => client!.shells.count === 1);

    // The end of another session (as from an elevated session the customer ended) changes nothing here.
    push('session.ended', { sessionId: 's2', reason: 'customer', lockDesktop: true });
    push('shell.input', { sessionId: 's1', shellId: 'sh1', data: 'echo still-$((40+2))\n' });
    await until('the shell to answer after the stray end', () => shellSaid('still-42'));
    expect(client.shells.count).toBe(1);
    expect(client.captureLoop!.isRunning).toBe(true);
    expect(ended).toEqual([]);
    expect(notices.filter((n) => n.includes('ended'))).toEqual([]);

    // Its own end stops all of it, once, and locks the desktop as an elevated session's end by the customer does.
    push('session.ended', { sessionId: 's1', reason: 'customer', lockDesktop: true });
    await until('the end of s1', () => ended.length > 0);
    expect(ended).toEqual(['s1']);
    expect(client.shells.count).toBe(0);
    expect(client.captureLoop!.isRunning).toBe(false);
    expect(notices).toContain('the session has ended (customer)');
    await until('the lock command', () => { try { return readFileSync(lockFile, 'utf8').length > 0; } catch { return false; } });
    // The lock command ran once: for s1, not for s2 (which would have run first).
    expect(readFileSync(lockFile, 'utf8')).toBe('locked\n');
  });
});
