import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { waitFor } from '../support/wait';
import { WsTestClient } from '../support/ws-client';

/** The Subject header, unfolded (long headers continue on lines starting with white space). */
const subjectOf = (raw: string): string => (/^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1] ?? '').replace(/\r?\n[ \t]/g, ' ').trim();
const mailsTo = (sink: SmtpSink, address: string): string[] => sink.mails.filter((m) => m.to.includes(address)).map((m) => subjectOf(m.raw));

/**
 * Remote assistance requests (seed 001) end to end: a user files one from the customer panel, an editor
 * assigns and schedules it, an assistant launches it, the user answers, the session closes; every change
 * mails the owner and the assigned assistant through a real SMTP server, also across an SMTP outage.
 */
describe('remote assistance requests', () => {
  let sink: SmtpSink;
  let t: TestNode;
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startInProcessNode({ mail: { host: '127.0.0.1', port: sink.port, retryBaseMs: 200, retryMaxMs: 1000 } });
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
    const mail = sink.mails.find((m) => m.to.includes('bob@example.test'))!.raw;
    expect(mail).toContain('Sam Supervisor');
    expect(mail).toMatch(/Content-Type: text\/html/);
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
    await new Promise((r) => setTimeout(r, 1500)); // several failed attempts with backoff
    sink = await startSmtpSink(port);
    await waitFor('the queued mails', () => mailsTo(sink, 'vic@example.test').length >= 4, 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(mailsTo(sink, 'vic@example.test')).toHaveLength(4);
    expect(mailsTo(sink, 'bob@example.test')).toHaveLength(3);
    expect((await panel.ask('request.list', {})).requests).toEqual([]);
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
