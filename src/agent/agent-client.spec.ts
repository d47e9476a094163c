import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { AgentClient } from './agent-client';
import type { CustomerPrompt } from './customer-prompt';
import type { CaptureResult, InputInjector, ScreenSource } from './screen-source';
import { TerminalPrompt } from './terminal-prompt';

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
  /**
   * A desktop whose agent talks to the scripted node (which acks every request, the hello with `hello()`):
   * what it sent, its frames, its notices, logs and injected input.
   */
  const desktop = async (hello: () => Record<string, unknown> = () => ({ sessionId: null })) => {
    const seen = { received: [] as { event: string; data: Record<string, unknown> }[], frames: 0, notices: [] as string[], logs: [] as string[], injected: [] as string[], ended: [] as string[], disconnected: [] as string[] };
    const sockets: WebSocket[] = [];
    server.on('connection', (ws) => {
      sockets.push(ws);
      ws.on('message', (raw, isBinary) => {
        if (isBinary) return void (seen.frames += 1);
        const msg = JSON.parse(String(raw)) as { event: string; data: Record<string, unknown>; id?: string };
        seen.received.push(msg);
        if (msg.id) ws.send(JSON.stringify({ event: 'ack', id: msg.id, data: msg.event === 'agent.hello' ? hello() : {} }));
      });
    });
    const injector: InputInjector = {
      move: (m, x, y) => seen.injected.push(`move ${m} ${x},${y}`), button: (b, down) => seen.injected.push(`button ${b} ${down}`),
      wheel: (dx, dy) => seen.injected.push(`wheel ${dx},${dy}`), key: (k, down) => seen.injected.push(`key ${k} ${down}`), text: (t) => seen.injected.push(`text ${t}`),
    };
    const prompt: CustomerPrompt = {
      askAssist: async () => true, askRequest: async () => true, askFile: async () => false,
      notice: (text) => seen.notices.push(text), onChoice: () => undefined, close: () => undefined,
    };
    const { port } = server.address() as AddressInfo;
    client = new AgentClient({
      state: { server: `http://127.0.0.1:${port}`, agentId: 'ag-1', token: 'tok', pin: '123456' },
      hello: { hostname: 'desk', osUser: 'uma', os: 'linux', version: 'test', capabilities: [] },
      prompt, screen: new OneTileScreen(), injector, fps: 20, quality: 70, lockCommand: [],
      log: (line) => seen.logs.push(line), onSessionEnded: (id) => seen.ended.push(id), onDisconnected: (id) => seen.disconnected.push(id),
    });
    client.start();
    await until('the hello', () => seen.received.some((m) => m.event === 'agent.hello'));
    const push = (event: string, data: Record<string, unknown>): void => sockets[sockets.length - 1]!.send(JSON.stringify({ event, data }));
    const allow = async (sessionId: string): Promise<void> => {
      push('assist.requested', { sessionId, technician: { id: 't1', name: 'Tess' }, action: 'control' });
      await until(`the customer's answer for ${sessionId}`, () => seen.received.some((m) => m.event === 'assist.respond' && m.data.sessionId === sessionId && m.data.allow === true));
    };
    return { seen, sockets, push, allow };
  };
  it('says its Assist PIN only once the node acknowledged its hello, never for a refused one', async () => {
    const hellos: { ws: WebSocket; id: string }[] = [];
    server.on('connection', (ws) => ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { event: string; id?: string };
      if (msg.event === 'agent.hello' && msg.id) hellos.push({ ws, id: msg.id });
    }));
    const logs: string[] = [];
    const prompt: CustomerPrompt = {
      askAssist: async () => false, askRequest: async () => false, askFile: async () => false,
      notice: () => undefined, onChoice: () => undefined, close: () => undefined,
    };
    const { port } = server.address() as AddressInfo;
    client = new AgentClient({
      state: { server: `http://127.0.0.1:${port}`, agentId: 'ag-1', token: 'tok', pin: '424242' },
      hello: { hostname: 'desk', osUser: 'uma', os: 'linux', version: 'test', capabilities: [] },
      prompt, fps: 20, quality: 70, lockCommand: [], log: (line) => logs.push(line),
    });
    client.start();
    await until('the hello', () => hellos.length === 1);
    // Connected, not yet known to the node: a technician could not find it by the PIN yet.
    await new Promise((r) => setTimeout(r, 100));
    expect(logs.filter((l) => l.includes('connected to'))).toHaveLength(1);
    expect(logs.filter((l) => l.includes('424242'))).toEqual([]);
    // Refused (another online desktop has this PIN): still not said.
    hellos[0]!.ws.send(JSON.stringify({ event: 'error', id: hellos[0]!.id, data: { code: 'PIN_IN_USE', message: 'another online agent uses this Assist PIN' } }));
    await until('the refusal logged', () => logs.some((l) => l.includes('PIN_IN_USE')));
    expect(logs.filter((l) => l.includes('424242'))).toEqual([]);
    // The next connection's hello is acknowledged: now the PIN is said.
    hellos[0]!.ws.terminate();
    await until('the second hello', () => hellos.length === 2, 8000);
    hellos[1]!.ws.send(JSON.stringify({ event: 'ack', id: hellos[1]!.id, data: { sessionId: null } }));
    await until('the PIN', () => logs.some((l) => l.includes('424242')));
    expect(logs.filter((l) => l.includes('424242'))).toEqual(['online; Assist PIN 424242 (read it to the technician who helps you)']);
  });
  const key = (sessionId: string, keysym: number): Record<string, unknown> => ({ sessionId, kind: 'key', monitor: 0, keysym, down: true });

  it('ignores a session.mode and input for another session: no capture or injection for it, the current session still works', async () => {
    const { seen, push, allow } = await desktop();
    await allow('s1');
    push('session.mode', { sessionId: 's1', mode: 'observe' });
    await until('the first frames', () => seen.frames > 0);

    // A stray mode for s2 (interact) would move the desktop into s2: its input would be injected.
    push('session.mode', { sessionId: 's2', mode: 'interact' });
    push('input', key('s2', 0x61));
    push('shell.open', { sessionId: 's2', shellId: 'sh2' });
    // A stray hold for s2 would stop s1's capture.
    push('session.mode', { sessionId: 's2', mode: 'hold' });
    push('request.pending', { sessionId: 's2', requestId: 'r2', kind: 'control', from: { name: 'Mallory' } });
    // s1's own input is refused while it is in observe, and a hold for s2 is not s1's hold either.
    push('input', key('s1', 0x62));
    await until('the refusal of the shell for s2', () => seen.received.some((m) => m.event === 'shell.exit' && m.data.sessionId === 's2'));
    await until('s1\'s input refused', () => client!.stats.inputsRefused === 1);
    expect(seen.injected).toEqual([]);
    expect(client!.captureLoop!.isRunning).toBe(true);
    expect(client!.shells.count).toBe(0);
    expect(seen.received.filter((m) => m.event === 'control.respond')).toEqual([]);
    expect(seen.notices.filter((n) => n.startsWith('mode is now'))).toEqual(['mode is now observe (your screen is shared, no control)']);
    expect(seen.logs).toEqual(expect.arrayContaining([
      'session.mode for session s2 ignored: this desktop\'s session is s1',
      'input for session s2 ignored: this desktop\'s session is s1',
    ]));

    // s1 in interact: its input is injected, s2's still is not.
    push('session.mode', { sessionId: 's1', mode: 'interact' });
    push('input', key('s2', 0x63));
    push('input', key('s1', 0x64));
    await until('s1\'s input injected', () => seen.injected.length > 0);
    expect(seen.injected).toEqual([`key ${0x64} true`]);
    expect(client!.stats.inputsInjected).toBe(1);

    // Once s1 is over, a fresh session's first mode (a Jump Client's "notify" session) opens it; s1's late messages do not.
    push('session.ended', { sessionId: 's1', reason: 'owner' });
    await until('the end of s1', () => seen.ended.length === 1);
    push('session.mode', { sessionId: 's1', mode: 'interact' });
    push('session.mode', { sessionId: 's3', mode: 'interact' });
    push('input', key('s3', 0x65));
    await until('s3\'s input injected', () => seen.injected.length === 2);
    expect(seen.injected[1]).toBe(`key ${0x65} true`);
    expect(client!.captureLoop!.isRunning).toBe(true);
  });

  it('leaves a session the server no longer has it in after a reconnect, and hears the next one', async () => {
    const { seen, sockets, push, allow } = await desktop();
    await allow('s1');
    push('session.resumable', { sessionId: 's1', resumeToken: 'rt-s1' });
    push('session.mode', { sessionId: 's1', mode: 'observe' });
    await until('the first frames', () => seen.frames > 0);
    // The agent is away while s1 ends (and its resume token expires): the node's hello ack names no session.
    sockets[0]!.terminate();
    await until('the reconnect', () => sockets.length === 2 && seen.received.filter((m) => m.event === 'agent.hello').length === 2);
    await until('the end of s1 here', () => seen.ended.length === 1);
    expect(seen.ended).toEqual(['s1']);
    expect(seen.notices).toContain('the session has ended (it ended while this desktop was offline)');
    await allow('s2');
    push('session.mode', { sessionId: 's2', mode: 'interact' });
    push('input', key('s2', 0x66));
    await until('s2\'s input injected', () => seen.injected.length === 1);
    expect(client!.captureLoop!.isRunning).toBe(true);
  });

  it('tells its owner when a technician disconnects the desktop, and then follows nothing of that session', async () => {
    const { seen, push, allow } = await desktop();
    await allow('s1');
    push('session.mode', { sessionId: 's1', mode: 'interact' });
    await until('the first frames', () => seen.frames > 0);
    push('session.event', { sessionId: 's1', seq: 5, type: 'CustomerDisconnected' });
    await until('the disconnect', () => seen.disconnected.length === 1);
    expect(seen.disconnected).toEqual(['s1']);
    expect(client!.captureLoop!.isRunning).toBe(false);
    push('session.mode', { sessionId: 's1', mode: 'interact' });
    push('input', key('s1', 0x67));
    push('session.ended', { sessionId: 's1', reason: 'owner' });
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.injected).toEqual([]);
    expect(seen.ended).toEqual([]);
  });

  it('withdraws the consent question when the technician cancels the request before the customer answered: a late y sends nothing', async () => {
    const received: { event: string; data: Record<string, unknown> }[] = [];
    const sockets: WebSocket[] = [];
    server.on('connection', (ws) => {
      sockets.push(ws);
      ws.on('message', (raw) => {
        const msg = JSON.parse(String(raw)) as { event: string; data: Record<string, unknown>; id?: string };
        received.push(msg);
        if (msg.id) ws.send(JSON.stringify({ event: 'ack', id: msg.id, data: msg.event === 'agent.hello' ? { sessionId: null } : {} }));
      });
    });
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let said = '';
    stdout.on('data', (c: Buffer) => { said += c.toString(); });
    const prompt = new TerminalPrompt(stdin, stdout);
    const ended: string[] = [];
    const { port } = server.address() as AddressInfo;
    client = new AgentClient({
      state: { server: `http://127.0.0.1:${port}`, agentId: 'ag-1', token: 'tok', pin: '123456' },
      hello: { hostname: 'desk', osUser: 'uma', os: 'linux', version: 'test', capabilities: [] },
      prompt, fps: 20, quality: 70, lockCommand: [], log: () => undefined, onSessionEnded: (id) => ended.push(id),
    });
    client.start();
    await until('the hello', () => received.some((m) => m.event === 'agent.hello'));
    const push = (event: string, data: Record<string, unknown>): void => sockets[0]!.send(JSON.stringify({ event, data }));

    push('assist.requested', { sessionId: 's1', technician: { id: 't1', name: 'Alice Tech' }, action: 'view' });
    await until('the question', () => said.includes('Alice Tech asks to view your screen'));
    // The technician cancels: the pending session ends (reason owner), as the node pushes it.
    push('session.ended', { sessionId: 's1', reason: 'owner' });
    await until('the end of s1', () => ended.length === 1);
    expect(said).toContain('tandem: Alice Tech no longer asks to help: the request was cancelled\ntandem: the session has ended (owner)\n');
    stdin.write('y\n');
    // The next request is the one a y answers.
    push('assist.requested', { sessionId: 's2', technician: { id: 't1', name: 'Alice Tech' }, action: 'control' });
    await until('the second question', () => said.includes('Alice Tech asks to take control of your screen'));
    stdin.write('y\n');
    await until('the answer to s2', () => received.some((m) => m.event === 'assist.respond'));
    await new Promise((r) => setTimeout(r, 100));
    expect(received.filter((m) => m.event === 'assist.respond').map((m) => m.data)).toEqual([{ sessionId: 's2', allow: true }]);
    prompt.close();
  });
});
