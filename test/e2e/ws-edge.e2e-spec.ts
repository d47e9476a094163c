import { TokenService } from '../../src/auth/token.service';
import { startInProcessNode, type TestNode } from '../support/node';
import { WsTestClient } from '../support/ws-client';
import type { RunningNode } from '../../src/node/start-node';

describe('WebSocket edge: authentication, validation, limits', () => {
  let t: TestNode & { node: RunningNode };
  let token: string;

  beforeAll(async () => {
    t = await startInProcessNode({ ws: { maxPayloadBytes: 4096, rateLimit: { messagesPerSecond: 20, burst: 40 } } });
    token = await t.login('alice');
  });
  afterAll(async () => t.stop());

  it.each([
    ['no token', undefined],
    ['a malformed token', 'not-a-jwt'],
    ['a token signed with another key', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'],
  ])('refuses the upgrade with HTTP 401 for %s', async (_what, bad) => {
    await expect(WsTestClient.connect(`${t.wsUrl}/ws/console`, bad)).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a person token on /ws/agent and an agent token on /ws/console', async () => {
    const agentToken = await t.node.app.get(TokenService).issue({ sub: 'agent-x', kind: 'agent', role: 'agent', name: 'host', teams: [] });
    await expect(WsTestClient.connect(`${t.wsUrl}/ws/agent`, token)).rejects.toMatchObject({ status: 401 });
    await expect(WsTestClient.connect(`${t.wsUrl}/ws/console`, agentToken)).rejects.toMatchObject({ status: 401 });
    const agent = await WsTestClient.connect(`${t.wsUrl}/ws/agent`, agentToken);
    expect((await agent.ask('ping', { t: 1 })).t).toBe(1);
    await agent.close();
  });

  it('accepts the token in the access_token query parameter (browsers)', async () => {
    const c = await WsTestClient.connect(`${t.wsUrl}/ws/console`, token, { viaQuery: true });
    expect(await c.ask('ping', { t: 42 })).toMatchObject({ t: 42, serverTime: expect.any(Number) });
    await c.close();
  });

  it('answers every kind of bad input with a stable code and keeps the connection usable', async () => {
    const c = await WsTestClient.connect(`${t.wsUrl}/ws/console`, token);
    const cases: [string, () => void, string][] = [
      ['bad JSON', () => c.sendRaw('{"event": "ping", "id": "b1", '), 'BAD_JSON'],
      ['not an object', () => c.sendRaw('[1,2,3]'), 'BAD_JSON'],
      ['unknown event', () => c.send('no.such.event', {}, 'b2'), 'UNKNOWN_EVENT'],
      ['agent-only event on the console', () => c.send('agent.hello', {}, 'b3'), 'UNKNOWN_EVENT'],
      ['wrong type', () => c.send('ping', { t: 'soon' }, 'b4'), 'INVALID_DATA'],
      ['unknown field', () => c.send('ping', { t: 1, x: 2 }, 'b5'), 'INVALID_DATA'],
      ['oversized frame', () => c.send('ping', { pad: 'x'.repeat(10000) }, 'b6'), 'PAYLOAD_TOO_LARGE'],
      ['binary on the console', () => c.sendRaw(Buffer.from([1, 2, 3]), true), 'UNKNOWN_EVENT'],
    ];
    for (const [what, send, code] of cases) {
      const before = c.all('error').length;
      send();
      const err = await c.next('error', () => true, 3000).catch(() => undefined);
      expect({ what, code: err?.code }).toEqual({ what, code });
      expect(c.all('error').length).toBe(before + 1);
      expect(c.isOpen).toBe(true);
      expect((await c.ask('ping', { t: 7 })).t).toBe(7);
    }
    const invalid = c.all('error').find((e) => e.code === 'INVALID_DATA');
    expect(invalid.message).toMatch(/^t: /);
    await c.close();
  });

  it('correlates errors with the command id', async () => {
    const c = await WsTestClient.connect(`${t.wsUrl}/ws/console`, token);
    const reply = await c.request('no.such', {});
    expect(reply).toMatchObject({ event: 'error', data: { code: 'UNKNOWN_EVENT' } });
    await c.close();
  });

  it('closes a flooding client with 1008', async () => {
    const c = await WsTestClient.connect(`${t.wsUrl}/ws/console`, token);
    for (let i = 0; i < 200; i++) c.send('ping', {});
    expect((await c.closed).code).toBe(1008);
  });

  it('closes with 4401 when the token expires mid-connection', async () => {
    const short = await t.node.app.get(TokenService).issue({ sub: 'alice', kind: 'person', role: 'technician', name: 'Alice', teams: [] }, 1);
    const c = await WsTestClient.connect(`${t.wsUrl}/ws/console`, short);
    const closed = await c.closed;
    expect(closed.code).toBe(4401);
    expect(c.all('error').map((e) => e.code)).toContain('TOKEN_EXPIRED');
  });
});

describe('WebSocket edge: shutdown', () => {
  it('closes every socket with 1001 (going away) when the node stops', async () => {
    const t = await startInProcessNode();
    const c = await WsTestClient.connect(`${t.wsUrl}/ws/console`, await t.login('bob'));
    await t.stop();
    expect((await c.closed).code).toBe(1001);
  });
});
