import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readAgentState, writeAgentState, type AgentState } from '../../src/agent/agent-config';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { startDesktopAgent, type DesktopAgent } from '../support/desktop-agent';
import { startInProcessNode, type TestNode } from '../support/node';
import { person } from '../support/people';
import { startProcess, type TrackedProcess } from '../support/processes';
import { startRedis, type TestRedis } from '../support/redis';
import { waitFor } from '../support/wait';
import type { WsTestClient } from '../support/ws-client';
import { startXvfb, type TestDisplay } from '../support/xvfb';

const CLI = resolve(PROJECT_ROOT, 'dist', 'agent', 'cli.js');
const payroll = { title: 'Payroll questions', description: 'Reaches the payroll team during office hours.' };
const cluster = (redis: TestRedis): Record<string, unknown> => ({
  auth: { jwtSecret: 'entry-resync-secret-0123456789' }, store: { leaseTtlMs: 1000, redis: { url: redis.url } }, supportButtons: { profiles: { payroll } },
});

/** The agent's config file as it is on disk now. */
const configOf = (file: string): AgentState => readAgentState(file)!;
const buttonNames = (file: string): string[] => (configOf(file).supportButtons ?? []).map((b) => b.name).sort();

/** A session between a technician and the real agent, allowed at the agent's terminal. */
async function allowedSession(tech: WsTestClient, desk: DesktopAgent): Promise<string> {
  await waitFor('the agent online', async () => (await tech.ask('online.list', {})).agents.some((a: { agentId: string; status: string }) => a.agentId === desk.agentId && a.status === 'online'));
  const asks = (): number => desk.said().split('asks to view your screen').length;
  const before = asks();
  const { sessionId } = await tech.ask('assist.request', { agentId: desk.agentId });
  await waitFor('the agent to ask the customer', () => asks() > before);
  desk.type('y');
  await tech.next('session.state', (s) => s.sessionId === sessionId && s.status === 'active');
  return sessionId;
}

/**
 * What is installed on a desktop follows the server's store, not what reached the agent: a Support Button
 * removed or a Jump Client unpinned while the agent was stopped is gone from its config file once it is
 * back (`agent.hello` ack, any node of the cluster). And `tandem-agent support` as the real process on a
 * real X display: into the button's queue, then refused with a clear code and exit status 1.
 */
describe('entry points follow the store: resync on hello, and `tandem-agent support` as a process', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tandem-entry-resync-'));
  const procs: TrackedProcess[] = [];
  let redis: TestRedis;
  let a: TestNode;
  let b: TestNode;
  let x: TestDisplay;

  beforeAll(async () => {
    x = await startXvfb({ width: 320, height: 240 });
    redis = await startRedis();
    a = await startInProcessNode(cluster(redis));
    b = await startInProcessNode(cluster(redis));
  });
  afterAll(async () => {
    for (const p of procs) await p.stop();
    await a?.stop();
    await b?.stop();
    await redis?.stop();
    await x?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** `tandem-agent support [--button NAME]` with the config file, on the Xvfb display; resolves when it exits. */
  const support = (file: string, button?: string): TrackedProcess => {
    const p = startProcess(`tandem-agent support ${button ?? ''}`, process.execPath, [
      CLI, 'support', '--config', file, '--display', x.display, '--fps', '5', '--no-webrtc', ...(button ? ['--button', button] : []),
    ], { stdio: ['pipe', 'pipe', 'pipe'] });
    procs.push(p);
    return p;
  };
  /** `tandem-agent support --list`: reads the config file only (no display, no server). */
  const list = (file: string): TrackedProcess => {
    const p = startProcess('tandem-agent support --list', process.execPath, [CLI, 'support', '--list', '--config', file], { stdio: ['pipe', 'pipe', 'pipe'] });
    procs.push(p);
    return p;
  };
  const exited = async (p: TrackedProcess): Promise<number | null> => {
    await waitFor(`${p.name} to exit`, () => p.child.exitCode !== null, 20_000).catch((e: Error) => { throw new Error(`${e.message}; it said: ${p.output()}`); });
    return p.child.exitCode;
  };

  it('drops a button removed and a jump client unpinned while the agent was stopped, keeps the others; a group pin unpinned while it runs is gone at once', async () => {
    const file = join(tmp, 'resync', 'agent.json');
    const root = await person(b, 'root');
    await root.ask('jump-group.define', { groupId: 'ops-resync', name: 'Ops', userIds: [], teams: ['helpdesk'], consent: 'notify' });
    const aliceA = await person(a, 'alice');
    const aliceB = await person(b, 'alice');
    let desk = await startDesktopAgent(a, 'desk-resync', { configFile: file });
    const agents = [desk];
    try {
      const sessionId = await allowedSession(aliceA, desk);
      const expiresAt = new Date(Date.now() + 3600_000).toISOString();
      const gone = await aliceA.ask('support-button.deploy', { sessionId, name: 'Printer', profile: 'default', queue: { kind: 'team', teamId: 'helpdesk' }, expiresAt });
      const kept = await aliceA.ask('support-button.deploy', { sessionId, name: 'Payroll', profile: 'payroll', queue: { kind: 'team', teamId: 'helpdesk' }, expiresAt });
      const group = await aliceA.ask('jump.pin', { sessionId, location: { kind: 'group', groupId: 'ops-resync' } });
      const personal = await aliceA.ask('jump.pin', { sessionId, location: { kind: 'personal' }, consent: 'ask' });
      await waitFor('both buttons and both pins in the config file', () => buttonNames(file).length === 2 && configOf(file).jumpClients?.length === 2);
      // The customer lists them, each with its profile's title, its queue and its expiry (the real CLI).
      const listed = list(file);
      expect(await exited(listed)).toBe(0);
      expect(listed.output()).toContain(`Payroll: Payroll questions\n    ${payroll.description}\n    waits for the Helpdesk team, valid until `);
      expect(listed.output()).toContain('Printer: Get help from IT\n    Start a support session with the helpdesk.\n    waits for the Helpdesk team, valid until ');
      // Two buttons and none named: `support` refuses before connecting and names both with their titles.
      const which = support(file);
      expect(await exited(which)).toBe(1);
      expect(which.output()).toMatch(/AMBIGUOUS_BUTTON: 2 support buttons are installed \(.*'Payroll' \(Payroll questions\).*\): choose one with --button NAME/);
      expect(which.output()).toContain("'Printer' (Get help from IT)");
      await aliceA.ask('session.end', { sessionId });
      await desk.waitForQuestion('the session has ended');

      // The agent is stopped; on the other node, a button is removed and the personal pin unpinned.
      desk.stop();
      await waitFor('the agent offline', async () => !(await aliceB.ask('online.list', {})).agents.some((g: { agentId: string; status: string }) => g.agentId === desk.agentId && g.status === 'online'));
      await aliceB.ask('support-button.remove', { buttonId: gone.buttonId });
      await aliceB.ask('jump.unpin', { jumpClientId: personal.jumpClientId });
      // Nothing reached the stopped agent: its config file still says it has them.
      expect(buttonNames(file)).toEqual(['Payroll', 'Printer']);
      expect(configOf(file).jumpClients?.sort()).toEqual([group.jumpClientId, personal.jumpClientId].sort());

      // It starts again from the same config file (on the other node): the store's list wins.
      desk = await startDesktopAgent(b, 'desk-resync', { configFile: file });
      agents.push(desk);
      await waitFor('the config file to follow the store', () => buttonNames(file).join() === 'Payroll' && configOf(file).jumpClients?.join() === group.jumpClientId);
      expect(configOf(file).supportButtons).toEqual([expect.objectContaining({ buttonId: kept.buttonId, name: 'Payroll', title: payroll.title, queue: 'the Helpdesk team' })]);
      await desk.waitForQuestion("the support button 'Printer' was removed from this computer while it was offline");
      await desk.waitForQuestion('this computer was unpinned as a Jump Client while it was offline (still 1 enrolment(s))');

      // Online, the group pin is unpinned by who pinned it: the running agent uninstalls it at once.
      await aliceB.ask('jump.unpin', { jumpClientId: group.jumpClientId });
      await waitFor('the group pin gone from the config file', () => configOf(file).jumpClients?.length === 0);
      await desk.waitForQuestion('this computer is no longer a Jump Client');
      expect(buttonNames(file)).toEqual(['Payroll']);
      desk.stop();

      // `tandem-agent support` refuses the removed button before it connects.
      const refused = support(file, 'Printer');
      expect(await exited(refused)).toBe(1);
      expect(refused.output()).toContain("UNKNOWN_BUTTON: no support button 'Printer' here; installed: 'Payroll'");
    } finally {
      for (const d of agents) d.stop();
      for (const c of [root, aliceA, aliceB]) await c.close();
    }
  }, 60_000);

  it('`tandem-agent support` opens a session in the button\'s queue; expired or removed, it exits 1 with the code', async () => {
    const file = join(tmp, 'cli', 'agent.json');
    const alice = await person(a, 'alice');
    const bob = await person(b, 'bob');
    const carol = await person(b, 'carol');
    const desk = await startDesktopAgent(a, 'desk-support-cli', { configFile: file });
    const agentId = desk.agentId;
    let front: { buttonId: string };
    let short: { buttonId: string };
    let shortUntil: number;
    try {
      const sessionId = await allowedSession(alice, desk);
      front = await alice.ask('support-button.deploy', { sessionId, name: 'Front desk', profile: 'payroll', queue: { kind: 'team', teamId: 'helpdesk' }, expiresAt: new Date(Date.now() + 3600_000).toISOString() });
      shortUntil = Date.now() + 2000;
      short = await alice.ask('support-button.deploy', { sessionId, name: 'Short', profile: 'default', queue: { kind: 'team', teamId: 'helpdesk' }, expiresAt: new Date(shortUntil).toISOString() });
      await waitFor('both buttons in the config file', () => buttonNames(file).length === 2);
      await alice.ask('session.end', { sessionId });
      await desk.waitForQuestion('the session has ended');
    } finally {
      desk.stop();
    }

    // The real process: the session waits in the button's team queue, where bob (helpdesk) takes it.
    const run = support(file, 'Front desk');
    const waiting = await bob.next('queue.changed', (q) => q.sessions?.some((s: { agentId: string }) => s.agentId === agentId), 20_000)
      .catch((e: Error) => { throw new Error(`${e.message}; the agent said: ${run.output()}`); });
    const queued = waiting.sessions.find((s: { agentId: string }) => s.agentId === agentId);
    expect(queued).toMatchObject({ status: 'queued', queue: { kind: 'team', teamId: 'helpdesk' } });
    await waitFor('the process to say it waits', () => run.output().includes('your request for help is waiting for a technician'));
    // It says what it started, in the words of the button's profile, and whom it waits for.
    expect(run.output()).toContain('Payroll questions — waiting for the Helpdesk team…');
    // carol (network team) does not see the helpdesk queue.
    expect(((await carol.ask('queue.list', {})).sessions as { agentId: string }[]).some((s) => s.agentId === agentId)).toBe(false);
    await bob.ask('queue.take', { sessionId: queued.sessionId });
    expect(await bob.next('session.state', (s) => s.sessionId === queued.sessionId && s.you === 'owner')).toMatchObject({ status: 'active', details: { agentId } });
    await bob.ask('session.end', { sessionId: queued.sessionId });
    await waitFor('the end at the process\'s terminal', () => run.output().includes('the session has ended'));
    await run.stop();
    expect(run.child.exitCode ?? 0).toBe(0);

    // Expired: refused by the agent itself before connecting.
    await waitFor('the short button to expire', () => Date.now() > shortUntil + 100, 5000);
    const expired = support(file, 'Short');
    expect(await exited(expired)).toBe(1);
    expect(expired.output()).toMatch(/tandem-agent: BUTTON_EXPIRED: the support button 'Short' expired at/);

    // A desktop whose clock is behind still thinks it valid: the server refuses it, with the same code.
    writeAgentState(file, { ...configOf(file), supportButtons: [...(configOf(file).supportButtons ?? []), { buttonId: short.buttonId, name: 'Short', profile: 'default', expiresAt: Date.now() + 3600_000 }] });
    const late = support(file, 'Short');
    expect(await exited(late)).toBe(1);
    expect(late.output()).toContain('tandem-agent: BUTTON_EXPIRED');

    // Removed while no agent runs: the stale config still offers it, the server says it is gone.
    await alice.ask('support-button.remove', { buttonId: front.buttonId });
    await alice.ask('support-button.remove', { buttonId: short.buttonId });
    expect(buttonNames(file)).toContain('Front desk');
    const removed = support(file, 'Front desk');
    expect(await exited(removed)).toBe(1);
    expect(removed.output()).toContain('tandem-agent: UNKNOWN_BUTTON');
    expect(configOf(file).supportButtons).toEqual([]);
    // Nothing left: `support` says so and exits 1 without connecting.
    const none = support(file);
    expect(await exited(none)).toBe(1);
    expect(none.output()).toContain('tandem-agent: NO_SUPPORT_BUTTON: no support button is installed on this computer');
    for (const c of [alice, bob, carol]) await c.close();
  }, 90_000);
});
