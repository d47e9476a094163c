import { freePort } from '../support/free-port';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import { startSlapd, type TestSlapd } from '../support/slapd';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { waitFor } from '../support/wait';
import { WsTestClient } from '../support/ws-client';

type Json = Record<string, any>;

const post = async (url: string, body: unknown, token?: string): Promise<{ status: number; body: Json }> => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Json };
};
const ids = (list: { requests: { requestId: string }[] }): string[] => list.requests.map((r) => r.requestId);

/**
 * User databases (issue #11, seed 001 "select the correct user database"): local users plus a real
 * OpenLDAP directory. Login binds as the user; the directory's users are cached for the synchronous
 * lookups (assignees, mails); requests filter by the realm of their owner; a dead directory answers
 * 503 DIRECTORY_UNAVAILABLE while local logins go on, and comes back without a restart.
 */
describe('realms: local users and an LDAP directory', () => {
  let slapd: TestSlapd;
  let sink: SmtpSink;
  let t: TestNode;
  const login = (body: Json): Promise<{ status: number; body: Json }> => post(`${t.url}/api/auth/login`, body);

  beforeAll(async () => {
    slapd = await startSlapd([
      { uid: 'carol', cn: 'Carol Customer', mail: 'carol@corp.test', password: 'carol-ldap-pw' },
      { uid: 'dave', cn: 'Dave Directory', mail: 'dave@corp.test', password: 'dave-ldap-pw', technician: true },
    ]);
    sink = await startSmtpSink();
    t = await startInProcessNode({
      realms: [{ id: 'local', name: 'Local users', kind: 'local' }, slapd.realm()],
      mail: { host: '127.0.0.1', port: sink.port, retryBaseMs: 200, retryMaxMs: 1000 },
    });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await sink?.stop();
    await slapd?.destroy();
  });

  it('lists the realms and logs an LDAP user in by binding as them', async () => {
    const res = await fetch(`${t.url}/api/auth/realms`);
    expect(await res.json()).toEqual({ realms: [{ id: 'local', name: 'Local users', kind: 'local' }, { id: 'corp', name: 'Corp directory', kind: 'ldap' }] });

    const ok = await login({ username: 'dave', password: 'dave-ldap-pw', realm: 'corp' });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ username: 'corp:dave', displayName: 'Dave Directory', role: 'technician', teams: ['helpdesk'], realm: 'corp' });
    expect(ok.body.user.rights).toContain('request.view');
    const dave = await WsTestClient.connect(`${t.wsUrl}/ws/console`, ok.body.token);
    expect(await dave.ask('request.list', { realm: 'corp' })).toEqual({ requests: [] });
    await dave.close();

    expect(await login({ username: 'dave', password: 'wrong', realm: 'corp' })).toMatchObject({ status: 401, body: { code: 'BAD_CREDENTIALS' } });
    expect(await login({ username: 'dave', password: 'dave-ldap-pw' })).toMatchObject({ status: 401, body: { code: 'BAD_CREDENTIALS' } });
    expect(await login({ username: 'dave', password: 'dave-ldap-pw', realm: 'nowhere' })).toMatchObject({ status: 400, body: { code: 'UNKNOWN_REALM' } });
    // A customer of the directory may not use the cockpit.
    expect(await login({ username: 'carol', password: 'carol-ldap-pw', realm: 'corp' })).toMatchObject({ status: 401, body: { code: 'BAD_CREDENTIALS' } });
    // The local realm is unchanged, and now says what the user may do.
    expect((await login({ username: 'sam', password: 'sam-pw', realm: 'local' })).body.user).toMatchObject({ username: 'sam', realm: 'local', rights: expect.arrayContaining(['request.edit']) });
  });

  it('refuses filter injection: the username is one escaped value', async () => {
    for (const username of ['*)(uid=*', '*)(uid=dave', '*', 'dave)(|(uid=*', 'd*', 'dav\\65']) {
      expect(await login({ username, password: 'dave-ldap-pw', realm: 'corp' })).toMatchObject({ status: 401, body: { code: 'BAD_CREDENTIALS' } });
    }
    // An empty password would be an unauthenticated bind, which LDAP servers accept.
    expect((await login({ username: 'dave', password: '', realm: 'corp' })).status).toBe(400);
  });

  it('files an LDAP user\'s request under their realm and mails their directory address', async () => {
    const desk = await agent(t, 'desk-ldap', '262626', 'carol');
    const panelToken = (await desk.ws.ask('customer.panel', {})).token as string;
    expect((await post(`${t.url}/api/auth/panel-login`, { username: 'carol', password: 'nope', realm: 'corp' }, panelToken)).body.code).toBe('BAD_CREDENTIALS');
    expect((await post(`${t.url}/api/auth/panel-login`, { username: 'carol', password: 'carol-ldap-pw', realm: 'corp' })).status).toBe(401);
    const signed = await post(`${t.url}/api/auth/panel-login`, { username: 'carol', password: 'carol-ldap-pw', realm: 'corp' }, panelToken);
    expect(signed).toMatchObject({ status: 200, body: { user: { username: 'corp:carol', displayName: 'Carol Customer', realm: 'corp' } } });
    const panel = await WsTestClient.connect(`${t.wsUrl}/ws/console`, signed.body.token, { viaQuery: true });
    const filed = await panel.ask('request.file', { description: 'Printer offline', availableFrom: '*', oneTime: false });
    expect(filed.request.owner).toEqual({ agentId: desk.agentId, name: 'Carol Customer', userId: 'corp:carol', realm: 'corp' });
    await expect(panel.ask('request.file', { description: 'x', userId: 'corp:dave' })).rejects.toMatchObject({ code: 'FORBIDDEN' });

    // A request of a desktop nobody signed in on belongs to the local users.
    const other = await agent(t, 'desk-local', '272727', 'uma');
    const otherPanel = await WsTestClient.connect(`${t.wsUrl}/ws/console`, (await other.ws.ask('customer.panel', {})).token, { viaQuery: true });
    const local = await otherPanel.ask('request.file', { description: 'Local one', availableFrom: '*', oneTime: false, email: 'uma@example.test' });

    const alice = await person(t, 'alice');
    expect(ids(await alice.ask('request.list', { realm: 'corp' }))).toEqual([filed.requestId]);
    expect(ids(await alice.ask('request.list', { realm: 'local' }))).toEqual([local.requestId]);
    expect(ids(await alice.ask('request.list', {}))).toEqual([filed.requestId, local.requestId]);
    await expect(alice.ask('request.list', { realm: 'nowhere' })).rejects.toMatchObject({ code: 'UNKNOWN_REALM' });
    await expect(alice.ask('request.list', { realm: 'Bad Realm' })).rejects.toMatchObject({ code: 'INVALID_DATA' });

    // An LDAP technician is an assignee like any other: found synchronously, mailed at the directory's address.
    const sam = await person(t, 'sam');
    await sam.ask('request.edit', { requestId: filed.requestId, assignee: 'corp:dave' });
    await waitFor('mails to carol and dave', () => sink.mails.some((m) => m.to.includes('carol@corp.test') && m.raw.includes('assigned it to Dave Directory'))
      && sink.mails.some((m) => m.to.includes('dave@corp.test')), 15_000);

    // An assistant files for a directory user picked from the realm's list.
    await expect(alice.ask('directory.users', { realm: 'corp' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const listed = await sam.ask('directory.users', { realm: 'corp' });
    expect(listed.users).toEqual([
      { id: 'corp:carol', name: 'Carol Customer', email: 'carol@corp.test', role: 'customer' },
      { id: 'corp:dave', name: 'Dave Directory', email: 'dave@corp.test', role: 'technician' },
    ]);
    await expect(sam.ask('directory.users', { realm: 'nowhere' })).rejects.toMatchObject({ code: 'UNKNOWN_REALM' });
    const forCarol = await sam.ask('request.file', { agentId: desk.agentId, userId: 'corp:carol', description: 'Filed for Carol', availableFrom: '*', oneTime: true });
    expect(forCarol.request.owner).toMatchObject({ name: 'Carol Customer', userId: 'corp:carol', realm: 'corp' });
    await expect(sam.ask('request.file', { agentId: desk.agentId, userId: 'corp:nobody', description: 'x' })).rejects.toMatchObject({ code: 'UNKNOWN_USER' });
    await waitFor('the mail of the filed-for request', () => sink.mails.some((m) => m.to.includes('carol@corp.test') && m.raw.includes('Filed for Carol')), 15_000);
    for (const c of [panel, otherPanel, alice, sam, desk.ws, other.ws]) await c.close();
  }, 40_000);

  it('picks up users added to the directory on the next sync', async () => {
    await slapd.add({ uid: 'erin', cn: 'Erin New', mail: 'erin@corp.test', password: 'erin-ldap-pw' });
    const sam = await person(t, 'sam');
    await waitFor('erin in the cached realm', async () => (await sam.ask('directory.users', { realm: 'corp' })).users.some((u: Json) => u.id === 'corp:erin'), 20_000, 500);
    await sam.close();
  }, 30_000);

  it('answers 503 DIRECTORY_UNAVAILABLE while slapd is down, keeps local logins, and recovers when it is back', async () => {
    await slapd.stop();
    const down = await login({ username: 'dave', password: 'dave-ldap-pw', realm: 'corp' });
    expect(down).toMatchObject({ status: 503, body: { code: 'DIRECTORY_UNAVAILABLE', message: expect.stringContaining('corp') } });
    expect((await login({ username: 'alice', password: 'alice-pw' })).status).toBe(200);
    // The cache still serves the synchronous lookups.
    const sam = await person(t, 'sam');
    expect((await sam.ask('directory.users', { realm: 'corp' })).users.map((u: Json) => u.id)).toContain('corp:carol');

    // A node whose directory is unreachable from the start still starts.
    const deadPort = await freePort();
    const t2 = await startInProcessNode({ realms: [{ id: 'local', name: 'Local users', kind: 'local' }, { ...slapd.realm(), ldap: { ...(slapd.realm().ldap as Json), url: `ldap://127.0.0.1:${deadPort}` } }] });
    try {
      expect((await post(`${t2.url}/api/auth/login`, { username: 'dave', password: 'dave-ldap-pw', realm: 'corp' })).body.code).toBe('DIRECTORY_UNAVAILABLE');
      expect((await post(`${t2.url}/api/auth/login`, { username: 'alice', password: 'alice-pw', realm: 'local' })).status).toBe(200);
    } finally {
      await t2.stop();
    }

    await slapd.start();
    expect(await login({ username: 'dave', password: 'dave-ldap-pw', realm: 'corp' })).toMatchObject({ status: 200, body: { user: { username: 'corp:dave' } } });
    await sam.close();
  }, 60_000);
});

describe('realms: LDAP over TLS', () => {
  let slapd: TestSlapd;
  let t: TestNode;

  beforeAll(async () => {
    slapd = await startSlapd([{ uid: 'dave', cn: 'Dave Directory', mail: 'dave@corp.test', password: 'dave-ldap-pw', technician: true }], { tls: true });
    const base = slapd.realm().ldap as Json;
    t = await startInProcessNode({
      realms: [
        { id: 'local', name: 'Local users', kind: 'local' },
        { id: 'tls', name: 'LDAPS', kind: 'ldap', ldap: { ...base, url: slapd.ldapsUrl, caFile: slapd.caFile } },
        { id: 'starttls', name: 'StartTLS', kind: 'ldap', ldap: { ...base, startTls: true, caFile: slapd.caFile } },
        { id: 'untrusted', name: 'LDAPS without the CA', kind: 'ldap', ldap: { ...base, url: slapd.ldapsUrl } },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await slapd?.destroy();
  });

  it('binds over ldaps:// and StartTLS with the configured CA, and refuses a certificate it cannot verify', async () => {
    const login = (realm: string): Promise<{ status: number; body: Json }> => post(`${t.url}/api/auth/login`, { username: 'dave', password: 'dave-ldap-pw', realm });
    expect(await login('tls')).toMatchObject({ status: 200, body: { user: { username: 'tls:dave' } } });
    expect(await login('starttls')).toMatchObject({ status: 200, body: { user: { username: 'starttls:dave' } } });
    expect(await login('untrusted')).toMatchObject({ status: 503, body: { code: 'DIRECTORY_UNAVAILABLE' } });
  }, 30_000);
});

describe('realms: a directory that limits the size of a search', () => {
  let slapd: TestSlapd;
  let t: TestNode;

  beforeAll(async () => {
    slapd = await startSlapd([
      { uid: 'ann', cn: 'Ann A', mail: 'ann@corp.test', password: 'ann-pw', technician: true },
      { uid: 'ben', cn: 'Ben B', mail: 'ben@corp.test', password: 'ben-pw' },
      { uid: 'cat', cn: 'Cat C', mail: 'cat@corp.test', password: 'cat-pw' },
    ], { sizeLimit: 2 });
    t = await startInProcessNode({ realms: [{ id: 'local', name: 'Local users', kind: 'local' }, slapd.realm('corp', 'Corp', { syncIntervalSeconds: 3600 })] });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await slapd?.destroy();
  });

  it('keeps logins working when the full sync hits the limit, and caches each user who logs in', async () => {
    const sam = await person(t, 'sam');
    expect((await sam.ask('directory.users', { realm: 'corp' })).users).toEqual([]);
    expect(await post(`${t.url}/api/auth/login`, { username: 'ann', password: 'ann-pw', realm: 'corp' })).toMatchObject({ status: 200, body: { user: { username: 'corp:ann', role: 'technician' } } });
    expect((await sam.ask('directory.users', { realm: 'corp' })).users.map((u: Json) => u.id)).toEqual(['corp:ann']);
    await sam.close();
  }, 30_000);
});
