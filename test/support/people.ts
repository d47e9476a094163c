import type { TestNode } from './node';
import { WsTestClient } from './ws-client';

/** A technician (or supervisor, admin) logged in and connected to /ws/console. */
export async function person(t: TestNode, username: string): Promise<WsTestClient> {
  return WsTestClient.connect(`${t.wsUrl}/ws/console`, await t.login(username));
}

export interface TestAgent {
  agentId: string;
  token: string;
  ws: WsTestClient;
}

/** Enrolls a desktop agent with the test secret, connects it to /ws/agent and says hello. */
export async function agent(t: TestNode, hostname: string, pin: string, osUser = 'carol'): Promise<TestAgent> {
  const res = await fetch(`${t.url}/api/agents/enroll`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hostname, secret: 'test-enroll-secret' }),
  });
  const body = (await res.json()) as { agentId: string; token: string };
  if (res.status !== 201) throw new Error(`enroll failed: ${res.status} ${JSON.stringify(body)}`);
  const ws = await WsTestClient.connect(`${t.wsUrl}/ws/agent`, body.token);
  await ws.ask('agent.hello', { hostname, osUser, os: 'Linux', version: '0.1.0', pin, displays: [{ index: 0, name: 'screen-0', x: 0, y: 0, width: 1280, height: 720, primary: true }] });
  return { agentId: body.agentId, token: body.token, ws };
}

/** Reconnects an agent with its token and says hello again. */
export async function reconnectAgent(t: TestNode, a: TestAgent, hostname: string, pin: string): Promise<TestAgent> {
  const ws = await WsTestClient.connect(`${t.wsUrl}/ws/agent`, a.token);
  await ws.ask('agent.hello', { hostname, osUser: 'carol', os: 'Linux', version: '0.1.0', pin, displays: [] });
  return { ...a, ws };
}

/** The owner invites a representative into the session and they accept: a participant from then on. */
export async function inviteParticipant(owner: WsTestClient, who: WsTestClient, sessionId: string, userId: string): Promise<void> {
  const { inviteId } = await owner.ask('session.invite', { sessionId, target: { kind: 'representative', userId } });
  await who.ask('invite.respond', { sessionId, inviteId, accept: true });
  await who.next('session.state', (st) => st.sessionId === sessionId && st.you === 'participant');
}
