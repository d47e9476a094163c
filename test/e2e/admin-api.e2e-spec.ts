import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import { WsTestClient } from '../support/ws-client';

const api = async (t: TestNode, path: string, token?: string, method = 'GET', body?: unknown): Promise<{ status: number; body: any; text: string; type: string | null }> => {
  const res = await fetch(`${t.url}${path}`, {
    method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch { parsed = null; }
  return { status: res.status, body: parsed, text, type: res.headers.get('content-type') };
};

/** The admin endpoint: every call, the role check, the audit export, metrics, token revocation. */
describe('admin API', () => {
  let t: TestNode;
  let root: string;
  let sessionId: string;
  let agentId: string;
  beforeAll(async () => {
    t = await startInProcessNode();
    root = await t.login('root');
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-admin', '121212');
    agentId = desk.agentId;
    ({ sessionId } = await alice.ask('assist.request', { agentId }));
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await alice.ask('chat.send', { sessionId, text: 'for the audit, with a "quote", a comma' });
  });
  afterAll(async () => t.stop());

  it.each(['/api/admin/nodes', '/api/admin/sessions', '/api/admin/agents', '/api/admin/users', '/api/admin/audit'])('refuses %s without a token (401) and to a technician (403)', async (path) => {
    expect((await api(t, path)).status).toBe(401);
    expect(await api(t, path, await t.login('alice'))).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  });

  it('lists nodes, live sessions with their node, agents and users (no password hashes)', async () => {
    const nodes = await api(t, '/api/admin/nodes', root);
    expect(nodes.body.nodes).toHaveLength(1);
    expect(nodes.body.nodes[0]).toMatchObject({ id: expect.any(String), version: '0.1.0', connections: expect.any(Number), draining: false, sessions: expect.any(Number), eventsPerSecond: expect.any(Number), fenced: 0 });
    // The node says where it is reached: node.publicUrl, else the address it listens on.
    expect(nodes.body.nodes[0].address).toBe(t.url);
    const sessions = await api(t, '/api/admin/sessions', root);
    expect(sessions.body.sessions).toEqual(expect.arrayContaining([expect.objectContaining({ sessionId, status: 'active', node: nodes.body.nodes[0].id, ownerId: 'alice', members: 1 })]));
    const one = await api(t, `/api/admin/sessions/${sessionId}`, root);
    expect(one.body.state).toMatchObject({ sessionId, status: 'active' });
    expect(one.body.events.map((e: { type: string }) => e.type)).toEqual(['AssistRequested', 'AssistAccepted', 'ChatSent']);
    expect((await api(t, '/api/admin/sessions/s_nothing', root))).toMatchObject({ status: 404, body: { code: 'UNKNOWN_SESSION' } });
    const agents = await api(t, '/api/admin/agents', root);
    expect(agents.body.agents).toEqual(expect.arrayContaining([expect.objectContaining({ agentId, hostname: 'desk-admin', online: true })]));
    expect(JSON.stringify(agents.body)).not.toContain('121212');
    const users = await api(t, '/api/admin/users', root);
    expect(users.body.users.map((u: { username: string }) => u.username)).toEqual(expect.arrayContaining(['alice', 'bob', 'root']));
    expect(users.text).not.toMatch(/\$2[aby]\$/);
  });

  it('force-ends a session: everyone is told, and the audit log has the event and the admin action', async () => {
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-force', '131313');
    const { sessionId: sid } = await alice.ask('assist.request', { agentId: desk.agentId });
    const ended = await api(t, `/api/admin/sessions/${sid}/end`, root, 'POST', { reason: 'policy' });
    expect(ended).toMatchObject({ status: 200, body: { sessionId: sid } });
    expect(await alice.next('session.ended', (e) => e.sessionId === sid)).toMatchObject({ reason: 'admin' });
    expect(await desk.ws.next('session.ended', (e) => e.sessionId === sid)).toMatchObject({ reason: 'admin' });
    expect((await api(t, `/api/admin/sessions/${sid}/end`, root, 'POST', {})).status).toBe(409);
    const audit = await api(t, `/api/admin/audit?sessionId=${sid}`, root);
    const lines = audit.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['AssistRequested', 'SessionEnded', 'AdminSessionEnded']);
    expect(lines[2]).toMatchObject({ actor: { kind: 'admin', id: 'root' }, details: { reason: 'policy' } });
    await alice.close();
    await desk.ws.close();
  });

  it('exports the audit log as JSON Lines and CSV, filtered by session, actor and type', async () => {
    const jsonl = await api(t, `/api/admin/audit?sessionId=${sessionId}&format=jsonl`, root);
    expect(jsonl.type).toContain('application/x-ndjson');
    expect(jsonl.text.trim().split('\n').map((l) => JSON.parse(l).type)).toEqual(['AssistRequested', 'AssistAccepted', 'ChatSent']);
    const csv = await api(t, `/api/admin/audit?sessionId=${sessionId}&type=ChatSent&actor=alice&format=csv`, root);
    expect(csv.type).toContain('text/csv');
    const rows = csv.text.trim().split('\n');
    expect(rows[0]).toBe('at,type,actor_kind,actor_id,actor_name,session_id,seq,node,details');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain('ChatSent,technician,alice');
    // The details cell is JSON inside a quoted CSV cell: its quotes doubled, the comma kept inside.
    const cell = rows[1]!.slice(rows[1]!.indexOf(',"{') + 1);
    expect(JSON.parse(cell.slice(1, -1).replace(/""/g, '"'))).toMatchObject({ text: 'for the audit, with a "quote", a comma' });
    expect((await api(t, '/api/admin/audit?format=xml', root)).status).toBe(400);
    expect((await api(t, '/api/admin/audit?from=yesterday', root)).status).toBe(400);
    expect((await api(t, `/api/admin/audit?from=${Date.now() + 60_000}`, root)).text).toBe('');
  });

  it('revokes a user\'s tokens at once: open connections close with 4401, old tokens are refused, a new login works', async () => {
    const oldToken = await t.login('bob');
    const bob = await WsTestClient.connect(`${t.wsUrl}/ws/console`, oldToken);
    await new Promise((r) => setTimeout(r, 1100)); // tokens carry whole seconds: the new login must be issued after the revocation second
    const res = await api(t, '/api/admin/users/bob/revoke', root, 'POST');
    expect(res).toMatchObject({ status: 200, body: { username: 'bob', revoked: true, closedHere: 1 } });
    expect(await bob.closed).toMatchObject({ code: 4401 });
    await expect(WsTestClient.connect(`${t.wsUrl}/ws/console`, oldToken)).rejects.toMatchObject({ status: 401 });
    await new Promise((r) => setTimeout(r, 1100));
    const fresh = await WsTestClient.connect(`${t.wsUrl}/ws/console`, await t.login('bob'));
    expect(await fresh.ask('ping', {})).toBeDefined();
    await fresh.close();
    expect((await api(t, '/api/admin/users/nobody/revoke', root, 'POST')).status).toBe(404);
  });

  it('serves Prometheus metrics', async () => {
    const m = await api(t, '/metrics');
    expect(m.status).toBe(200);
    expect(m.type).toContain('text/plain');
    for (const name of ['tandem_connections{', 'tandem_sessions{', 'tandem_command_duration_seconds_bucket{', 'tandem_events_total', 'tandem_actors', 'tandem_store_rtt_seconds', 'nodejs_eventloop_lag_seconds',
      'tandem_media_frames_in_total', 'tandem_media_viewers', 'tandem_media_viewer_queued_bytes{', 'tandem_media_viewer_skipped_frames{']) {
      expect(m.text).toContain(name);
    }
    expect(m.text).toMatch(/tandem_command_duration_seconds_count\{[^}]*event="chat.send"[^}]*\} [1-9]/);
  });
});
