import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/cluster/ports';
import { STORE } from '../../src/gateways/sessions/tokens';
import type { RunningNode } from '../../src/node/start-node';
import { makeCertificates } from '../support/certificates';
import { startInProcessNode, type TestNode } from '../support/node';
import { mailsTo, metric, textOf } from '../support/mail-parts';
import { agent, person } from '../support/people';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { waitFor } from '../support/wait';
import { WsTestClient } from '../support/ws-client';

/**
 * Remote assistance requests (seed 001) end to end: a user files one from the customer panel, an editor
 * assigns and schedules it, an assistant launches it, the user answers, the session closes; every change
 * mails the owner and the assigned assistant through a real SMTP server, also across an SMTP outage.
 */
describe('remote assistance requests', () => {
  let sink: SmtpSink;
  let t: TestNode & { node: RunningNode };
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startInProcessNode({ mail: { host: '127.0.0.1', port: sink.port, retryBaseMs: 200, retryMaxMs: 1000, recoveryMs: 500 } });
  });
  afterAll(async () => {
    await t?.stop();
    await sink?.stop();
  });

  it('goes from filing to Inactive, pushing each change and mailing owner and assignee', async () => {
    const desk = await agent(t, 'desk-request', '181818');
    const panel = await WsTestClient.connect(`${t.wsUrl}/ws/console`, (await desk.ws.ask('customer.panel', {})).token, { viaQuery: true });
    const alice = await person(t, 'alice');
    const sam = await person(t, 'sam');
    const filed = await panel.ask('request.file', { description: 'Outlook keeps crashing', availableFrom: '*', oneTime: false, email: 'uma@example.test' });
    const { requestId } = filed;
    expect(filed.request).toMatchObject({ status: 'open', availableFrom: null, owner: { agentId: desk.agentId } });
    expect((await panel.ask('request.list', {})).requests.map((r: { requestId: string }) => r.requestId)).toEqual([requestId]);
    expect((await alice.ask('request.list', {})).requests.map((r: { requestId: string }) => r.requestId)).toContain(requestId);

    await expect(alice.ask('request.edit', { requestId, assignee: 'bob' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await sam.ask('request.edit', { requestId, assignee: 'bob', scheduledAt: '2026-11-26T09:00:00Z' });
    expect(await panel.next('request.changed', (c) => c.request.assignee?.id === 'bob')).toMatchObject({ request: { scheduledAt: Date.parse('2026-11-26T09:00:00Z') } });

    const launched = await alice.ask('request.launch', { requestId });
    expect(launched.request.status).toBe('waiting');
    await expect(alice.ask('request.launch', { requestId })).rejects.toMatchObject({ code: 'SESSION_EXISTS' });
    await desk.ws.next('assist.requested', (a) => a.sessionId === launched.sessionId);
    await desk.ws.ask('assist.respond', { sessionId: launched.sessionId, allow: true });
    expect(await alice.next('request.changed', (c) => c.request.status === 'in-progress')).toBeDefined();
    await desk.ws.ask('session.end', { sessionId: launched.sessionId });
    expect(await panel.next('request.changed', (c) => c.request.status === 'inactive')).toBeDefined();

    await waitFor('the mails', () => mailsTo(sink, 'uma@example.test').length >= 5 && mailsTo(sink, 'bob@example.test').length >= 4, 15_000);
    expect(mailsTo(sink, 'uma@example.test')).toEqual([
      'Remote assistance request: filed the request (available from any time (*))',
      expect.stringContaining('assigned it to Bob Tech, scheduled it for 2026-11-26 09:00 UTC'),
      'Remote assistance request: launched it',
      'Remote assistance request: answered it',
      'Remote assistance request: closed the session',
    ]);
    expect(mailsTo(sink, 'bob@example.test')).toHaveLength(4);
    // Nobody else was mailed; each mail says who did what (the user's answer and close are theirs, not the server's).
    expect(sink.mails.every((m) => m.to.length === 1 && ['uma@example.test', 'bob@example.test'].includes(m.to[0]!))).toBe(true);
    const bodies = sink.mails.filter((m) => m.to[0] === 'uma@example.test').map((m) => textOf(m.raw).split('\n')[0]);
    expect(bodies).toEqual([
      'desk-request filed the request (available from any time (*)).',
      'Sam Supervisor assigned it to Bob Tech, scheduled it for 2026-11-26 09:00 UTC.',
      'Alice Tech launched it: Waiting for Connection.',
      'desk-request answered it: In Progress.',
      'desk-request closed the session: the request is Inactive.',
    ]);
    const mail = sink.mails.find((m) => m.to.includes('bob@example.test'))!.raw;
    expect(textOf(mail)).toContain('Scheduled: 2026-11-26 09:00 UTC');
    expect(mail).toMatch(/Content-Type: text\/html/);
    expect(mail.replace(/=\r?\n/g, '')).toContain('<th align=3D"left">Scheduled</th><td>2026-11-26 09:00 UTC</td>');

    // Assigned to somebody else: the new assignee and the one taken off the request both hear of it.
    const before = sink.mails.length;
    await sam.ask('request.edit', { requestId, assignee: 'alice' });
    await waitFor('the reassignment mails', () => sink.mails.length >= before + 3, 15_000);
    const reassigned = sink.mails.slice(before);
    expect(reassigned.map((m) => m.to[0]).sort()).toEqual(['alice@example.test', 'bob@example.test', 'uma@example.test']);
    expect(reassigned.every((m) => textOf(m.raw).startsWith('Sam Supervisor assigned it to Alice Tech.'))).toBe(true);
    for (const c of [panel, alice, sam, desk.ws]) await c.close();
  }, 30_000);

  it('goes back to Open when the assistant cancels a launch before the user answered (One-Time too)', async () => {
    const desk = await agent(t, 'desk-request-cancel', '181819');
    const panel = await WsTestClient.connect(`${t.wsUrl}/ws/console`, (await desk.ws.ask('customer.panel', {})).token, { viaQuery: true });
    const alice = await person(t, 'alice');
    const { requestId } = await panel.ask('request.file', { description: 'VPN drops', availableFrom: '*', oneTime: true });
    const launched = await alice.ask('request.launch', { requestId });
    await desk.ws.next('assist.requested', (a) => a.sessionId === launched.sessionId);
    await alice.ask('session.end', { sessionId: launched.sessionId });
    expect(await panel.next('request.changed', (c) => c.request.requestId === requestId && c.request.status === 'open')).toMatchObject({ request: { sessionId: null } });
    expect((await panel.ask('request.list', {})).requests.map((r: { requestId: string }) => r.requestId)).toContain(requestId);
    // Launched again and answered this time, the One-Time request is done and leaves the list.
    const again = await alice.ask('request.launch', { requestId });
    await desk.ws.next('assist.requested', (a) => a.sessionId === again.sessionId);
    await desk.ws.ask('assist.respond', { sessionId: again.sessionId, allow: true });
    await alice.next('request.changed', (c) => c.request.requestId === requestId && c.request.status === 'in-progress');
    await desk.ws.ask('session.end', { sessionId: again.sessionId });
    await waitFor('the One-Time request to leave the list', async () => !(await panel.ask('request.list', {})).requests.some((r: { requestId: string }) => r.requestId === requestId));
    for (const c of [panel, alice, desk.ws]) await c.close();
  }, 30_000);

  it('follows a session whose end it missed (the follow-up lost with a node) the next time requests are listed', async () => {
    const desk = await agent(t, 'desk-request-missed', '181820');
    const panel = await WsTestClient.connect(`${t.wsUrl}/ws/console`, (await desk.ws.ask('customer.panel', {})).token, { viaQuery: true });
    const alice = await person(t, 'alice');
    const { requestId } = await panel.ask('request.file', { description: 'Printer jam', availableFrom: '*', oneTime: false });
    const launched = await alice.ask('request.launch', { requestId });
    await desk.ws.next('assist.requested', (a) => a.sessionId === launched.sessionId);
    await desk.ws.ask('assist.respond', { sessionId: launched.sessionId, allow: true });
    await alice.next('request.changed', (c) => c.request.requestId === requestId && c.request.status === 'in-progress');
    // The link from the session to its request is gone, as if the node died before following the end.
    await t.node.app.get<Store>(STORE).kv.delete(`session:${launched.sessionId}:request`);
    await desk.ws.ask('session.end', { sessionId: launched.sessionId });
    await new Promise((r) => setTimeout(r, 300));
    const listed = (await alice.ask('request.list', {})).requests.find((r: { requestId: string }) => r.requestId === requestId);
    expect(listed).toMatchObject({ status: 'inactive', sessionId: null });
    for (const c of [panel, alice, desk.ws]) await c.close();
  }, 30_000);

  it('lists a request before committing it: a filing the store fails to list commits nothing, and an id a dying node left without a journal is skipped, then dropped', async () => {
    const desk = await agent(t, 'desk-filing', '181821');
    const panel = await WsTestClient.connect(`${t.wsUrl}/ws/console`, (await desk.ws.ask('customer.panel', {})).token, { viaQuery: true });
    const alice = await person(t, 'alice');
    const store = t.node.app.get<Store>(STORE);
    const listed = async (): Promise<string[]> => (await alice.ask('request.list', {})).requests.map((r: { requestId: string }) => r.requestId);
    // The store fails just as the request is listed (before: after the commit, so it was journaled, pushed
    // and mailed as filed, yet no list showed it and the mail recovery never walked it).
    const setAdd = store.kv.setAdd;
    let tried: string | undefined;
    store.kv.setAdd = async (key: string, member: string): Promise<void> => {
      if (key !== 'requests:open') return setAdd.call(store.kv, key, member);
      tried = member;
      throw new Error('store unavailable');
    };
    try {
      await expect(panel.ask('request.file', { description: 'never listed', availableFrom: '*', oneTime: false })).rejects.toMatchObject({ code: 'INTERNAL' });
    } finally {
      store.kv.setAdd = setAdd;
    }
    expect(tried).toMatch(/^req_/);
    expect(await store.journal.version(`request:${tried}`)).toBe(0);
    expect(await listed()).not.toContain(tried);

    // A node died after listing an id and before committing it: while its filing could still be under way
    // the lists skip it and keep it; once that time is over (the filing mark expired) they drop it.
    await store.kv.set('request:req_ghost:filing', '1', 60_000);
    await store.kv.setAdd('requests:open', 'req_ghost');
    expect(await listed()).not.toContain('req_ghost');
    expect(await store.kv.setMembers('requests:open')).toContain('req_ghost');
    await store.kv.delete('request:req_ghost:filing');
    expect(await listed()).not.toContain('req_ghost');
    expect(await store.kv.setMembers('requests:open')).not.toContain('req_ghost');

    // A filing the domain refuses leaves nothing behind either; an ordinary one is listed at once.
    const before = await store.kv.setMembers('requests:open');
    await expect(alice.ask('request.file', { agentId: desk.agentId, description: 'no request.create', availableFrom: '*', oneTime: false })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await store.kv.setMembers('requests:open')).toEqual(before);
    const { requestId } = await panel.ask('request.file', { description: 'listed', availableFrom: '*', oneTime: false });
    expect(await listed()).toContain(requestId);
    await panel.ask('request.delete', { requestId });
    for (const c of [panel, alice, desk.ws]) await c.close();
  }, 30_000);

  it('loses no mail while the SMTP server is down, and sends each once when it is back', async () => {
    const desk = await agent(t, 'desk-outage', '191919');
    const panel = await WsTestClient.connect(`${t.wsUrl}/ws/console`, (await desk.ws.ask('customer.panel', {})).token, { viaQuery: true });
    const sam = await person(t, 'sam');
    const port = sink.port;
    await sink.stop();
    const { requestId } = await panel.ask('request.file', { description: 'VPN down', availableFrom: '2026-11-27T08:00:00Z', oneTime: true, email: 'vic@example.test' });
    await sam.ask('request.edit', { requestId, assignee: 'bob' });
    await sam.ask('request.edit', { requestId, status: 'inactive' });
    await panel.ask('request.delete', { requestId });
    const failedBefore = await metric(t, 'tandem_mail_send_failures_total');
    await waitFor('failed attempts with backoff while the server is down', async () => (await metric(t, 'tandem_mail_send_failures_total')) >= failedBefore + 2, 10_000);
    expect(await metric(t, 'tandem_mail_outbox_pending')).toBeGreaterThanOrEqual(7);
    sink = await startSmtpSink(port);
    await waitFor('the queued mails', () => mailsTo(sink, 'vic@example.test').length >= 4, 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(mailsTo(sink, 'vic@example.test')).toHaveLength(4);
    expect(mailsTo(sink, 'bob@example.test')).toHaveLength(3);
    // In the order the changes were made, each once.
    expect(mailsTo(sink, 'vic@example.test').map((x) => x.split(': ')[1])).toEqual(['filed the request (available from 2026-11-27 08:00 UTC, one-time)', 'assigned it to Bob Tech', 'set its status to Inactive', 'deleted the request']);
    expect(await metric(t, 'tandem_mail_outbox_pending')).toBe(0);
    expect((await panel.ask('request.list', {})).requests).toEqual([]);
    for (const c of [panel, sam, desk.ws]) await c.close();
  }, 40_000);

  it('mails a change committed by a node that died before queueing its mails, once', async () => {
    const desk = await agent(t, 'desk-died', '191920');
    const panel = await WsTestClient.connect(`${t.wsUrl}/ws/console`, (await desk.ws.ask('customer.panel', {})).token, { viaQuery: true });
    const sam = await person(t, 'sam');
    const store = t.node.app.get<Store>(STORE);
    const port = sink.port;
    await sink.stop();
    const { requestId } = await panel.ask('request.file', { description: 'Scanner offline', availableFrom: '*', oneTime: false, email: 'wes@example.test' });
    await sam.ask('request.edit', { requestId, assignee: 'bob' });
    await waitFor('both changes queued', async () => (await store.kv.get(`mail-cursor:request:${requestId}`)) === '2');
    // The store as a node leaves it that died between appending the edit (seq 2) and queueing its mails:
    // the edit is in the journal, no mail of it is queued, the request's mail cursor is still at the filing.
    for (const to of ['wes@example.test', 'bob@example.test']) {
      await store.kv.delete(`outbox:request:${requestId}:2:${to}`);
      await store.kv.setRemove('outbox', `request:${requestId}:2:${to}`);
    }
    await store.kv.set(`mail-cursor:request:${requestId}`, '1', 60_000);
    sink = await startSmtpSink(port);
    await waitFor('the filing and the recovered edit', () => mailsTo(sink, 'wes@example.test').length >= 2 && mailsTo(sink, 'bob@example.test').length >= 1, 20_000);
    // Several recovery rounds later (every 500 ms here), still once each.
    await new Promise((r) => setTimeout(r, 2000));
    expect(mailsTo(sink, 'wes@example.test').map((x) => x.split(': ')[1])).toEqual(['filed the request (available from any time (*))', 'assigned it to Bob Tech']);
    expect(mailsTo(sink, 'bob@example.test').filter((x) => x.includes('assigned it to Bob Tech'))).toHaveLength(1);
    expect(await store.kv.get(`mail-cursor:request:${requestId}`)).toBe('2');
    await panel.ask('request.delete', { requestId });
    for (const c of [panel, sam, desk.ws]) await c.close();
  }, 40_000);

  it('mails an invited representative with extended availability', async () => {
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-invite-mail', '202020');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } });
    await waitFor('the invitation mail', () => mailsTo(sink, 'bob@example.test').some((s) => s.includes('invites you')), 10_000);
    await alice.close();
    await desk.ws.close();
  });
});

/**
 * Mail over TLS: with `mail.requireTls` the outbox sends only after STARTTLS with a certificate it can
 * verify (`mail.caFile`); a server without TLS, or with a certificate nobody vouches for, gets nothing
 * and the mail waits in the outbox (counted on /metrics) instead of going out in the clear.
 */
describe('notification mail over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-mail-tls-'));
  const certs = makeCertificates(dir);
  let tlsSink: SmtpSink;
  let plainSink: SmtpSink;
  const nodes: TestNode[] = [];
  beforeAll(async () => {
    tlsSink = await startSmtpSink(undefined, certs);
    plainSink = await startSmtpSink();
  });
  afterAll(async () => {
    for (const n of nodes) await n.stop();
    await tlsSink?.stop();
    await plainSink?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function fileWith(mail: Record<string, unknown>, pin: string): Promise<TestNode> {
    const t = await startInProcessNode({ mail: { host: '127.0.0.1', retryBaseMs: 200, retryMaxMs: 1000, ...mail } });
    nodes.push(t);
    const desk = await agent(t, `desk-tls-${pin}`, pin);
    const panel = await WsTestClient.connect(`${t.wsUrl}/ws/console`, (await desk.ws.ask('customer.panel', {})).token, { viaQuery: true });
    await panel.ask('request.file', { description: `over TLS ${pin}`, availableFrom: '*', oneTime: false, email: `u${pin}@example.test` });
    for (const c of [panel, desk.ws]) await c.close();
    return t;
  }

  it('sends through STARTTLS to a server whose certificate the configured CA signed', async () => {
    await fileWith({ port: tlsSink.port, requireTls: true, caFile: certs.ca }, '606061');
    await waitFor('the mail over TLS', () => tlsSink.mails.some((m) => m.to.includes('u606061@example.test')), 15_000);
    expect(tlsSink.mails.find((m) => m.to.includes('u606061@example.test'))).toMatchObject({ secure: true });
  }, 30_000);

  it('keeps the mail in the outbox when the server offers no TLS or a certificate it cannot verify', async () => {
    const noTls = await fileWith({ port: plainSink.port, requireTls: true }, '606062');
    const untrusted = await fileWith({ port: tlsSink.port, requireTls: true }, '606063');
    await waitFor('failed attempts on both nodes', async () => (await metric(noTls, 'tandem_mail_send_failures_total')) >= 2 && (await metric(untrusted, 'tandem_mail_send_failures_total')) >= 2, 15_000);
    expect(plainSink.mails.filter((m) => m.to.includes('u606062@example.test'))).toEqual([]);
    expect(tlsSink.mails.filter((m) => m.to.includes('u606063@example.test'))).toEqual([]);
    expect(await metric(noTls, 'tandem_mail_outbox_pending')).toBe(1);
    expect(await metric(untrusted, 'tandem_mail_outbox_pending')).toBe(1);
    expect(await metric(noTls, 'tandem_mail_sent_total')).toBe(0);
  }, 30_000);
});
