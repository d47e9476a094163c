import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates } from '../support/certificates';
import { headerOf, mailsTo, metric, subjectOf, textOf } from '../support/mail-parts';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { waitFor } from '../support/wait';
import { WsTestClient } from '../support/ws-client';

const FROM = 'Tandem Helpdesk <helpdesk@corp.test>';
/** The first line of each text body one address received: who did what. */
const linesTo = (sink: SmtpSink, address: string): string[] => sink.mails.filter((m) => m.to.includes(address)).map((m) => textOf(m.raw).split('\n')[0]!);

/**
 * The mails of the request changes the main suite does not cover (requests.e2e-spec.ts), each received by a
 * real SMTP server: a One-Time request done and deleted, a launch declined or cancelled going back to
 * Open, an invitation that must not be mailed; every mail from `mail.from`.
 */
describe('request mails: One-Time close, declined launch, sender, invitations', () => {
  let sink: SmtpSink;
  let t: TestNode;
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startInProcessNode({ mail: { host: '127.0.0.1', port: sink.port, from: FROM, retryBaseMs: 200, retryMaxMs: 1000, recoveryMs: 500 } });
  });
  afterAll(async () => {
    await t?.stop();
    await sink?.stop();
  });

  it('mails owner and assignee that a One-Time request is done and deleted when its session closes, from mail.from', async () => {
    const desk = await agent(t, 'desk-onetime', '717171');
    const panel = await WsTestClient.connect(`${t.wsUrl}/ws/console`, (await desk.ws.ask('customer.panel', {})).token, { viaQuery: true });
    const [alice, sam] = [await person(t, 'alice'), await person(t, 'sam')];
    const { requestId } = await panel.ask('request.file', { description: 'New laptop setup', availableFrom: '*', oneTime: true, email: 'ona@example.test' });
    await sam.ask('request.edit', { requestId, assignee: 'bob' });
    const launched = await alice.ask('request.launch', { requestId });
    await desk.ws.next('assist.requested', (a) => a.sessionId === launched.sessionId);
    await desk.ws.ask('assist.respond', { sessionId: launched.sessionId, allow: true });
    await alice.next('request.changed', (c) => c.request.requestId === requestId && c.request.status === 'in-progress');
    await alice.ask('session.end', { sessionId: launched.sessionId });
    expect(await panel.next('request.changed', (c) => c.request.requestId === requestId && c.request.status === 'closed')).toBeDefined();
    await waitFor('the close mails', () => linesTo(sink, 'ona@example.test').length >= 5 && linesTo(sink, 'bob@example.test').length >= 4, 15_000);
    expect(linesTo(sink, 'ona@example.test')).toEqual([
      'desk-onetime filed the request (available from any time (*), one-time).',
      'Sam Supervisor assigned it to Bob Tech.',
      'Alice Tech launched it: Waiting for Connection.',
      'desk-onetime answered it: In Progress.',
      'Alice Tech closed the session: the one-time request is done and deleted.',
    ]);
    expect(linesTo(sink, 'bob@example.test').at(-1)).toBe('Alice Tech closed the session: the one-time request is done and deleted.');
    const done = sink.mails.filter((m) => textOf(m.raw).includes('done and deleted'));
    expect(done.map((m) => m.to[0]).sort()).toEqual(['bob@example.test', 'ona@example.test']);
    expect(textOf(done[0]!.raw)).toContain('Status: Closed');
    expect((await panel.ask('request.list', {})).requests).toEqual([]);
    // Every mail leaves as mail.from: the envelope sender and the From header.
    for (const m of sink.mails) {
      expect(m.from).toBe('helpdesk@corp.test');
      expect(headerOf(m.raw, 'From')).toBe(FROM);
    }
    for (const c of [panel, alice, sam, desk.ws]) await c.close();
  }, 30_000);

  it('mails that a declined launch and a cancelled one sent the request back to Open, naming who did it', async () => {
    const desk = await agent(t, 'desk-declined', '727272');
    const panel = await WsTestClient.connect(`${t.wsUrl}/ws/console`, (await desk.ws.ask('customer.panel', {})).token, { viaQuery: true });
    const alice = await person(t, 'alice');
    const { requestId } = await panel.ask('request.file', { description: 'Slow disk', availableFrom: '*', oneTime: false, email: 'dee@example.test' });
    const first = await alice.ask('request.launch', { requestId });
    await desk.ws.next('assist.requested', (a) => a.sessionId === first.sessionId);
    await desk.ws.ask('assist.respond', { sessionId: first.sessionId, allow: false });
    await panel.next('request.changed', (c) => c.request.requestId === requestId && c.request.status === 'open');
    const second = await alice.ask('request.launch', { requestId });
    await desk.ws.next('assist.requested', (a) => a.sessionId === second.sessionId);
    await alice.ask('session.end', { sessionId: second.sessionId });
    await panel.next('request.changed', (c) => c.request.requestId === requestId && c.request.status === 'open' && c.request.sessionId === null);
    await waitFor('the mails', () => linesTo(sink, 'dee@example.test').length >= 5, 15_000);
    expect(linesTo(sink, 'dee@example.test')).toEqual([
      'desk-declined filed the request (available from any time (*)).',
      'Alice Tech launched it: Waiting for Connection.',
      'desk-declined set its status to Open.',
      'Alice Tech launched it: Waiting for Connection.',
      'Alice Tech set its status to Open.',
    ]);
    expect(mailsTo(sink, 'dee@example.test').at(-1)).toBe('Remote assistance request: set its status to Open');
    expect(sink.mails.filter((m) => m.to.includes('dee@example.test')).every((m) => textOf(m.raw).split('\n')[1] === '')).toBe(true);
    await panel.ask('request.delete', { requestId });
    for (const c of [panel, alice, desk.ws]) await c.close();
  }, 30_000);

  it('mails an invited representative with extended availability and nobody without it', async () => {
    const root = await person(t, 'root');
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-invites', '737373');
    const { sessionId } = await root.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    // Alice (signed in, e-mail known, no extended availability) first, then Bob (extended availability).
    await root.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'alice' } });
    await alice.next('invite.received');
    await root.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } });
    await waitFor('the invitation mail to Bob', () => mailsTo(sink, 'bob@example.test').some((s) => s.includes('Root Admin invites you')), 10_000);
    await waitFor('an empty outbox', async () => (await metric(t, 'tandem_mail_outbox_pending')) === 0, 10_000);
    expect(mailsTo(sink, 'alice@example.test').filter((s) => s.includes('invites you'))).toEqual([]);
    for (const c of [root, alice, desk.ws]) await c.close();
  }, 30_000);
});

/**
 * SMTP over TLS from the first byte (`mail.secure`, port 465 style) with SMTP AUTH (`mail.user`,
 * `mail.pass`) against a real smtp-server that requires both; wrong credentials send nothing.
 */
describe('notification mail over implicit TLS with SMTP AUTH', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-mail-auth-'));
  const certs = makeCertificates(dir);
  let sink: SmtpSink;
  const nodes: TestNode[] = [];
  beforeAll(async () => {
    sink = await startSmtpSink(undefined, certs, { secure: true, auth: { user: 'tandem', pass: 'smtp-secret' } });
  });
  afterAll(async () => {
    for (const n of nodes) await n.stop();
    await sink?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function fileWith(mail: Record<string, unknown>, pin: string): Promise<TestNode> {
    const t = await startInProcessNode({ mail: { host: '127.0.0.1', port: sink.port, secure: true, caFile: certs.ca, retryBaseMs: 200, retryMaxMs: 1000, ...mail } });
    nodes.push(t);
    const desk = await agent(t, `desk-auth-${pin}`, pin);
    const panel = await WsTestClient.connect(`${t.wsUrl}/ws/console`, (await desk.ws.ask('customer.panel', {})).token, { viaQuery: true });
    await panel.ask('request.file', { description: `signed in ${pin}`, availableFrom: '*', oneTime: false, email: `u${pin}@example.test` });
    for (const c of [panel, desk.ws]) await c.close();
    return t;
  }

  it('sends over TLS from the first byte, signed in with mail.user and mail.pass', async () => {
    await fileWith({ user: 'tandem', pass: 'smtp-secret' }, '747471');
    await waitFor('the mail', () => sink.mails.some((m) => m.to.includes('u747471@example.test')), 15_000);
    expect(sink.mails.find((m) => m.to.includes('u747471@example.test'))).toMatchObject({ secure: true, user: 'tandem', from: 'tandem@localhost' });
  }, 30_000);

  it('sends nothing with a wrong password or none, and keeps the mail in the outbox', async () => {
    const wrong = await fileWith({ user: 'tandem', pass: 'guess' }, '747472');
    const anonymous = await fileWith({}, '747473');
    await waitFor('failed attempts on both nodes', async () => (await metric(wrong, 'tandem_mail_send_failures_total')) >= 2 && (await metric(anonymous, 'tandem_mail_send_failures_total')) >= 2, 15_000);
    expect(sink.mails.filter((m) => m.to.includes('u747472@example.test') || m.to.includes('u747473@example.test'))).toEqual([]);
    expect(await metric(wrong, 'tandem_mail_outbox_pending')).toBe(1);
    expect(await metric(anonymous, 'tandem_mail_outbox_pending')).toBe(1);
  }, 30_000);
});

/**
 * The SMTP server dies under the outbox's pool: every connection it holds is cut (one mail mid-DATA) and it
 * refuses new ones for a while, then takes mail again. The outbox retries what failed; what the server
 * acknowledged before the cut is not sent again.
 */
describe('notification mail through the SMTP pool when the server dies mid-stream', () => {
  let sink: SmtpSink;
  let t: TestNode;
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startInProcessNode({ mail: { host: '127.0.0.1', port: sink.port, retryBaseMs: 200, retryMaxMs: 1000, recoveryMs: 500 } });
  });
  afterAll(async () => {
    await t?.stop();
    await sink?.stop();
  });

  it('every mail arrives exactly once when the server cuts the pooled connections and refuses for a while', async () => {
    const N = 40;
    const desk = await agent(t, 'desk-smtp-cut', '757575');
    const panel = await WsTestClient.connect(`${t.wsUrl}/ws/console`, (await desk.ws.ask('customer.panel', {})).token, { viaQuery: true });
    const failedBefore = await metric(t, 'tandem_mail_send_failures_total');
    // The 8th mail is cut off with its connection, and with it every other open one; 1.5 s of 421s follow.
    const cut = sink.cutAtMail(8, 1500);
    const owners = Array.from({ length: N }, (_, i) => `cut${i}@example.test`);
    for (const [i, email] of owners.entries()) await panel.ask('request.file', { description: `Cut ${i}`, availableFrom: '*', oneTime: false, email });
    // More than one connection was open: the mails were flowing through the pool when it died.
    expect(await cut).toBeGreaterThanOrEqual(2);
    await waitFor('a mail to every owner', () => owners.every((o) => sink.mails.some((m) => m.to.includes(o))), 30_000);
    await waitFor('an empty outbox', async () => (await metric(t, 'tandem_mail_outbox_pending')) === 0, 10_000);
    // Two retry rounds more (retryMaxMs): nothing is sent twice.
    await new Promise((r) => setTimeout(r, 2000));
    const received = sink.mails.filter((m) => m.to[0]?.startsWith('cut'));
    expect(received.map((m) => m.to[0]).sort()).toEqual([...owners].sort());
    const ids = received.map((m) => headerOf(m.raw, 'Message-ID'));
    // Each outbox entry has its own Message-ID, the same on every attempt (a resent copy is one message to mail clients).
    expect(ids.every((id) => /^<[0-9a-f]{32}\.tandem@localhost>$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(N);
    expect(new Set(received.map((m) => `${m.to[0]} ${subjectOf(m.raw)}`)).size).toBe(N);
    // The cut and the refusals cost attempts, each retried.
    expect(await metric(t, 'tandem_mail_send_failures_total')).toBeGreaterThan(failedBefore);
    for (const c of [panel, desk.ws]) await c.close();
  }, 60_000);
});
