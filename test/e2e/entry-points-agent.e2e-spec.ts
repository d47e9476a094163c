import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAgentState, writeAgentState, type AgentState, type InstalledButton } from '../../src/agent/agent-config';
import { ButtonError } from '../../src/agent/entry-points';
import { pickSupportButton } from '../../src/agent/support-start';
import { decodeFrame, FrameType } from '../../src/media/frame-codec';
import { X11Screen } from '../../src/native/x11';
import { startDesktopAgent, type DesktopAgent } from '../support/desktop-agent';
import { freePort } from '../support/free-port';
import { startInProcessNode, type TestNode } from '../support/node';
import { person } from '../support/people';
import { startRedis, type TestRedis } from '../support/redis';
import { waitFor, withTimeout } from '../support/wait';
import type { WsTestClient } from '../support/ws-client';
import { startXvfb, type TestDisplay } from '../support/xvfb';

/** The agent's config file as it is on disk now. */
const configOf = (file: string): AgentState => readAgentState(file)!;

/** How often `text` appears in what the agent's terminal said. */
const count = (desk: DesktopAgent, text: string): number => desk.said().split(text).length - 1;

/** What `tandem-agent support [--button NAME]` picks before it connects: the CLI's own function, on this config file. */
const pickFromConfig = (file: string, nameOrId?: string): InstalledButton => pickSupportButton(file, nameOrId, () => undefined)!.button;

/** A session between a technician and the real agent, allowed at the agent's terminal. */
async function allowedSession(tech: WsTestClient, desk: DesktopAgent, who = 'Alice Tech'): Promise<string> {
  await waitFor('the agent online', async () => (await tech.ask('online.list', {})).agents.some((a: { agentId: string }) => a.agentId === desk.agentId));
  const before = count(desk, `${who} (helpdesk) asks to view your screen`);
  const { sessionId } = await tech.ask('assist.request', { agentId: desk.agentId });
  await waitFor('the agent to ask the customer', () => count(desk, `${who} (helpdesk) asks to view your screen`) > before);
  desk.type('y');
  await tech.next('session.state', (s) => s.sessionId === sessionId && s.status === 'active');
  return sessionId;
}

/**
 * The BeyondTrust entry points with the real desktop agent (its AgentClient, its terminal prompt fed
 * through a pipe, its config file on disk): Support Buttons, Jump Clients across agent and node restarts,
 * the customer disconnected while the technicians stay, and the recording notice in the terminal.
 */
describe('entry points with the real desktop agent', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tandem-entry-agent-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  describe('on one node', () => {
    let t: TestNode;
    let x: TestDisplay;
    beforeAll(async () => {
      x = await startXvfb({ width: 320, height: 240 });
      await x.x('xsetroot', ['-solid', '#3366cc']);
      t = await startInProcessNode();
    });
    afterAll(async () => {
      await t?.stop();
      await x?.stop();
    });

    it('installs a support button in the config file, starts a session into its queue through it, refuses it once expired, and uninstalls it when removed', async () => {
      const file = join(tmp, 'button', 'agent.json');
      const alice = await person(t, 'alice');
      const bob = await person(t, 'bob');
      let desk = await startDesktopAgent(t, 'desk-button-real', { configFile: file });
      const agents: DesktopAgent[] = [desk];
      try {
        const sessionId = await allowedSession(alice, desk);
        const expiresAt = Date.now() + 3600_000;
        const { buttonId } = await alice.ask('support-button.deploy', { sessionId, name: 'Helpdesk', profile: 'default', queue: { kind: 'team', teamId: 'helpdesk' }, expiresAt: new Date(expiresAt).toISOString() });
        await waitFor('the button in the config file', () => configOf(file).supportButtons?.length === 1);
        expect(configOf(file).supportButtons).toEqual([{
          buttonId, name: 'Helpdesk', profile: 'default', title: 'Get help from IT', description: 'Start a support session with the helpdesk.', queue: 'the Helpdesk team', expiresAt,
        }]);
        await desk.waitForQuestion("a support button 'Helpdesk' (Get help from IT) was installed");
        await alice.ask('session.end', { sessionId });
        await desk.waitForQuestion('the session has ended');
        desk.stop();

        // `tandem-agent support`: the button comes from the config file; the session waits in its queue.
        const button = pickFromConfig(file);
        expect(button).toMatchObject({ buttonId, name: 'Helpdesk' });
        let started!: (s: { sessionId: string; queue: unknown }) => void;
        const whenStarted = new Promise<{ sessionId: string; queue: unknown }>((resolve) => { started = resolve; });
        desk = await startDesktopAgent(t, 'desk-button-real', { configFile: file, supportButton: button.buttonId, onSupportStarted: (id, queue) => started({ sessionId: id, queue }) });
        agents.push(desk);
        const support = await withTimeout(whenStarted, 10_000, 'support.start to be accepted');
        expect(support.queue).toEqual({ kind: 'team', teamId: 'helpdesk' });
        await desk.waitForQuestion('your request for help is waiting for a technician');
        await bob.next('queue.changed', (q) => q.sessions?.some((s: { sessionId: string }) => s.sessionId === support.sessionId));
        await bob.ask('queue.take', { sessionId: support.sessionId });
        const taken = await bob.next('session.state', (s) => s.sessionId === support.sessionId && s.you === 'owner');
        expect(taken).toMatchObject({ status: 'active', mode: 'hold', details: { agentId: desk.agentId } });
        // The agent is in that session: the customer's choice reaches it.
        desk.type('close');
        expect(await bob.next('session.ended', (e) => e.sessionId === support.sessionId)).toMatchObject({ reason: 'customer' });

        // A button with a short expiry: refused after it, by the agent itself and by the server.
        const second = await allowedSession(alice, desk);
        const shortUntil = Date.now() + 1500;
        const short = await alice.ask('support-button.deploy', { sessionId: second, name: 'Short', profile: 'default', queue: { kind: 'team', teamId: 'helpdesk' }, expiresAt: new Date(shortUntil).toISOString() });
        await waitFor('the short button in the config file', () => configOf(file).supportButtons?.some((b) => b.buttonId === short.buttonId));
        await alice.ask('session.end', { sessionId: second });
        await waitFor('the short button to expire', () => Date.now() > shortUntil + 50, 5000);
        let refusal: unknown;
        try {
          pickFromConfig(file, 'Short');
        } catch (err) {
          refusal = err;
        }
        expect(refusal).toBeInstanceOf(ButtonError);
        expect(refusal).toMatchObject({ code: 'BUTTON_EXPIRED' });
        expect(configOf(file).supportButtons?.map((b) => b.buttonId)).toEqual([buttonId]);

        // A desktop whose clock is behind still thinks it valid: the server refuses it and the agent uninstalls it.
        desk.stop();
        writeAgentState(file, { ...configOf(file), supportButtons: [...configOf(file).supportButtons!, { buttonId: short.buttonId, name: 'Short', profile: 'default', expiresAt: Date.now() + 3600_000 }] });
        let refused!: (code: string) => void;
        const whenRefused = new Promise<string>((resolve) => { refused = resolve; });
        desk = await startDesktopAgent(t, 'desk-button-real', { configFile: file, supportButton: short.buttonId, onSupportRefused: (code) => refused(code) });
        agents.push(desk);
        expect(await withTimeout(whenRefused, 10_000, 'support.start to be refused')).toBe('BUTTON_EXPIRED');
        await desk.waitForQuestion('this support button has expired: ask your technician for a new one');
        expect(configOf(file).supportButtons?.map((b) => b.buttonId)).toEqual([buttonId]);

        // Removing the first button uninstalls it from the (connected) agent's config file.
        await alice.ask('support-button.remove', { buttonId });
        await waitFor('the button gone from the config file', () => configOf(file).supportButtons?.length === 0);
        await desk.waitForQuestion("the support button 'Helpdesk' was removed from this computer");
        expect(() => pickFromConfig(file)).toThrow(expect.objectContaining({ code: 'NO_SUPPORT_BUTTON' }) as Error);
      } finally {
        for (const a of agents) a.stop();
        for (const c of [alice, bob]) await c.close();
      }
    }, 60_000);

    it('marks the customer\'s terminal "[recorded]" while the session records; customer.disconnect stops the capture, tells the customer, keeps the session, and frees the desktop', async () => {
      const screen = new X11Screen(x.display);
      const desk = await startDesktopAgent(t, 'desk-disconnect-real', { screen });
      const alice = await person(t, 'alice');
      const bob = await person(t, 'bob');
      try {
        const sessionId = await allowedSession(alice, desk);
        desk.type('observe');
        await alice.next('session.state', (s) => s.sessionId === sessionId && s.mode === 'observe');
        const tiles = (): number => alice.binary.map((b) => decodeFrame(b)).filter((p) => p.ok && p.frame.sessionId === sessionId && p.frame.type === FrameType.Tile).length;
        await waitFor('tiles of the real screen', () => tiles() > 0);

        // Recording: told at once, then every line says "[recorded]" until it stops.
        await alice.ask('recording.start', { sessionId, reason: 'ticket 4711' });
        await desk.waitForQuestion('tandem: [recorded] this session is now being recorded (started by the technician)');
        desk.type('hold');
        await desk.waitForQuestion('tandem: [recorded] mode is now hold (nobody sees your screen)');
        await alice.ask('mode.request', { sessionId, mode: 'observe' });
        await desk.waitForQuestion('tandem: [recorded] Alice Tech asks to switch to observe. Allow? [y/n]');
        desk.type('y');
        await desk.waitForQuestion('tandem: [recorded] mode is now observe');
        await alice.ask('recording.stop', { sessionId });
        await desk.waitForQuestion('tandem: the recording of this session has stopped');
        desk.type('interact');
        await desk.waitForQuestion(/\ntandem: mode is now interact/);
        expect(desk.said()).not.toMatch(/\[recorded\] mode is now interact/);
        expect(desk.client.captureLoop?.isRunning).toBe(true);

        await alice.ask('customer.disconnect', { sessionId });
        await desk.waitForQuestion('the technician disconnected you from the session: your screen is no longer shared and nobody controls this computer');
        expect(desk.client.captureLoop?.isRunning).toBe(false);
        const state = await alice.next('session.state', (s) => s.sessionId === sessionId && s.customer?.connected === false);
        expect(state).toMatchObject({ status: 'active', you: 'owner' });
        // No more of the screen reaches the technician: a change on the display sends nothing.
        const after = tiles();
        await x.x('xsetroot', ['-solid', '#cc3366']);
        await new Promise((r) => setTimeout(r, 600));
        expect(tiles()).toBe(after);
        // The customer's terminal no longer acts on the session; the technicians still write in it.
        const noticesBefore = desk.said().length;
        desk.type('observe');
        await desk.waitForQuestion('no session is running');
        expect(desk.said().slice(noticesBefore)).not.toContain('mode is now');
        await alice.ask('chat.send', { sessionId, text: 'customer disconnected; follow up by phone' });

        // The desktop is free: a new session is asked of the same agent and runs beside the old one.
        const next = await allowedSession(bob, desk, 'Bob Tech');
        expect(next).not.toBe(sessionId);
        const ends = count(desk, 'the session has ended');
        await alice.ask('session.end', { sessionId });
        await alice.next('session.ended', (e) => e.sessionId === sessionId);
        // The old session's end is not the customer's business any more; the new one goes on.
        await bob.ask('chat.send', { sessionId: next, text: 'still here' });
        expect(bob.received.some((m) => m.event === 'session.ended' && (m.data as { sessionId?: string }).sessionId === next)).toBe(false);
        expect(count(desk, 'the session has ended')).toBe(ends);
        desk.type('observe');
        expect(await bob.next('session.state', (s) => s.sessionId === next && s.mode === 'observe')).toMatchObject({ status: 'active' });
        await bob.ask('session.end', { sessionId: next });
        await waitFor('the new session\'s end at the terminal', () => count(desk, 'the session has ended') > ends);
      } finally {
        desk.stop();
        for (const c of [alice, bob]) await c.close();
      }
    }, 60_000);
  });

  describe('on a Redis-backed node that restarts', () => {
    let redis: TestRedis;
    let port: number;
    let t: TestNode;
    const startOnRedis = (): Promise<TestNode> => startInProcessNode({ node: { port }, auth: { jwtSecret: 'entry-points-agent-secret-0123456789' }, store: { leaseTtlMs: 1000, redis: { url: redis.url } } });
    beforeAll(async () => {
      redis = await startRedis();
      port = await freePort();
      t = await startOnRedis();
    });
    afterAll(async () => {
      await t?.stop();
      await redis?.stop();
    });

    it('keeps a pinned jump client in the config file, across an agent and a node restart, under both consent policies, and refuses outsiders', async () => {
      const file = join(tmp, 'jump', 'agent.json');
      const root = await person(t, 'root');
      await root.ask('jump-group.define', { groupId: 'ops-real', name: 'Ops', userIds: [], teams: ['helpdesk'], consent: 'notify' });
      await root.close();
      let alice = await person(t, 'alice');
      let carol = await person(t, 'carol');
      let desk = await startDesktopAgent(t, 'desk-jump-real', { configFile: file });
      const agentId = desk.agentId;
      const agents: DesktopAgent[] = [desk];
      const jumpNotice = 'Alice Tech started an unattended session on this computer (Jump Client)';
      const online = async (): Promise<boolean> => {
        const list = (await alice.ask('jump.list', {})).jumpClients as { agentId: string; agent: { status: string } | null }[];
        return list.length === 2 && list.every((j) => j.agentId === agentId && j.agent?.status === 'online');
      };
      try {
        const sessionId = await allowedSession(alice, desk);
        const group = await alice.ask('jump.pin', { sessionId, location: { kind: 'group', groupId: 'ops-real' } });
        const personal = await alice.ask('jump.pin', { sessionId, location: { kind: 'personal' }, consent: 'ask' });
        await waitFor('both enrolments in the config file', () => configOf(file).jumpClients?.length === 2);
        expect(configOf(file).jumpClients!.sort()).toEqual([group.jumpClientId, personal.jumpClientId].sort());
        await desk.waitForQuestion('this computer is now a Jump Client');
        await alice.ask('session.end', { sessionId });
        await desk.waitForQuestion('the session has ended');

        // The agent stops and starts again from its config file: the same desktop, still a jump client.
        desk.stop();
        await waitFor('the agent gone', async () => !(await online()));
        desk = await startDesktopAgent(t, 'desk-jump-real', { configFile: file });
        agents.push(desk);
        expect(desk.agentId).toBe(agentId);
        expect(desk.client.entryPoints.jumpClients.sort()).toEqual([group.jumpClientId, personal.jumpClientId].sort());
        await waitFor('the jump clients online again', online);

        // Carol (network team) is no member: she sees none and may start none.
        expect((await carol.ask('jump.list', {})).jumpClients).toEqual([]);
        await expect(carol.ask('jump.start', { jumpClientId: group.jumpClientId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
        await expect(carol.ask('jump.start', { jumpClientId: personal.jumpClientId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
        expect(count(desk, jumpNotice)).toBe(0);

        // notify: the session is active at once and the logged-in user sees the notice in the terminal.
        const notify = await alice.ask('jump.start', { jumpClientId: group.jumpClientId });
        expect(notify.consent).toBe('notify');
        expect(await alice.next('session.state', (s) => s.sessionId === notify.sessionId)).toMatchObject({ status: 'active', jumpNotice: true });
        await desk.waitForQuestion(jumpNotice);
        expect(desk.said()).toContain("Type 'close' to end it, 'hold' to hide your screen.");
        expect(desk.said()).not.toMatch(/Alice Tech \(helpdesk\) asks to/);
        // The notice is not just words: the customer ends the unattended session from the terminal.
        desk.type('close');
        expect(await alice.next('session.ended', (e) => e.sessionId === notify.sessionId)).toMatchObject({ reason: 'customer' });
        await waitFor('the end at the terminal', () => count(desk, 'the session has ended') === 1);

        // ask: the user is asked first; "n" refuses the session, "y" allows the next one.
        const denied = await alice.ask('jump.start', { jumpClientId: personal.jumpClientId });
        expect(denied.consent).toBe('ask');
        await desk.waitForQuestion(/Alice Tech \(helpdesk\) asks to take control of your screen/);
        desk.type('n');
        expect(await alice.next('session.ended', (e) => e.sessionId === denied.sessionId)).toMatchObject({ reason: 'declined' });
        const asked = await alice.ask('jump.start', { jumpClientId: personal.jumpClientId });
        await waitFor('the second question', () => count(desk, 'Alice Tech (helpdesk) asks to take control of your screen') === 2);
        desk.type('y');
        expect(await alice.next('session.state', (s) => s.sessionId === asked.sessionId && s.status === 'active')).toMatchObject({ mode: 'hold' });
        const ends = count(desk, 'the session has ended');
        await alice.ask('session.end', { sessionId: asked.sessionId });
        await waitFor('the end told at the terminal', () => count(desk, 'the session has ended') > ends);

        // The node restarts (same port, same Redis): the agent reconnects by itself and the jump client still works.
        const connects = desk.client.stats.connects;
        await alice.close();
        await carol.close();
        await t.stop();
        t = await startOnRedis();
        await waitFor('the agent to reconnect to the new node', () => desk.client.stats.connects > connects, 20_000);
        alice = await person(t, 'alice');
        carol = await person(t, 'carol');
        await waitFor('the jump clients online on the new node', online, 10_000);
        await expect(carol.ask('jump.start', { jumpClientId: group.jumpClientId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
        const again = await alice.ask('jump.start', { jumpClientId: group.jumpClientId });
        expect(await alice.next('session.state', (s) => s.sessionId === again.sessionId)).toMatchObject({ status: 'active', jumpNotice: true });
        await waitFor('a second jump notice', () => count(desk, jumpNotice) === 2);
        await alice.ask('session.end', { sessionId: again.sessionId });

        // Ending sessions never unpinned; unpinning uninstalls the enrolment from the config file.
        expect(configOf(file).jumpClients).toHaveLength(2);
        await alice.ask('jump.unpin', { jumpClientId: personal.jumpClientId });
        await waitFor('the enrolment gone from the config file', () => configOf(file).jumpClients?.length === 1);
        expect(configOf(file).jumpClients).toEqual([group.jumpClientId]);
        await desk.waitForQuestion('this computer is no longer a Jump Client (still 1 other enrolment(s))');
      } finally {
        for (const a of agents) a.stop();
        for (const c of [alice, carol]) await c.close();
      }
    }, 90_000);
  });
});
