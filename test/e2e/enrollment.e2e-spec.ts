import { startInProcessNode, type TestNode } from '../support/node';
import { WsTestClient } from '../support/ws-client';

const post = async (url: string, body: unknown, token?: string): Promise<{ status: number; body: any }> => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};

/** Agents enroll with the shared secret or a one-time code an admin made; the token opens /ws/agent only. */
describe('agent enrollment', () => {
  let t: TestNode;
  beforeAll(async () => { t = await startInProcessNode(); });
  afterAll(async () => t.stop());

  it('enrolls with the secret, refuses a wrong one, and the token works on /ws/agent', async () => {
    const ok = await post(`${t.url}/api/agents/enroll`, { hostname: 'pc-1', secret: 'test-enroll-secret' });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ agentId: expect.stringMatching(/^ag_/), token: expect.any(String) });
    const ws = await WsTestClient.connect(`${t.wsUrl}/ws/agent`, ok.body.token);
    expect(await ws.ask('ping', { t: 1 })).toMatchObject({ t: 1 });
    await ws.close();
    expect(await post(`${t.url}/api/agents/enroll`, { hostname: 'pc-1', secret: 'wrong' })).toMatchObject({ status: 401, body: { code: 'ENROLLMENT_REFUSED' } });
    expect(await post(`${t.url}/api/agents/enroll`, { hostname: 'pc-1' })).toMatchObject({ status: 400, body: { code: 'INVALID_DATA' } });
  });

  it('takes a one-time code made by an admin exactly once, and only admins make codes', async () => {
    expect(await post(`${t.url}/api/agents/enrollment-codes`, {}, await t.login('alice'))).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(await post(`${t.url}/api/agents/enrollment-codes`, {})).toMatchObject({ status: 401 });
    const made = await post(`${t.url}/api/agents/enrollment-codes`, { teams: ['helpdesk'] }, await t.login('root'));
    expect(made.status).toBe(201);
    const { code } = made.body;
    const [a, b] = await Promise.all([
      post(`${t.url}/api/agents/enroll`, { hostname: 'pc-2', code }),
      post(`${t.url}/api/agents/enroll`, { hostname: 'pc-3', code }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 401]);
    expect((a.status === 401 ? a : b).body.code).toBe('ENROLLMENT_REFUSED');
  });
});
