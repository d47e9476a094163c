import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person, reconnectAgent } from '../support/people';
import { WsTestClient } from '../support/ws-client';

/** BeyondTrust entry points: Support Buttons into a queue until they expire, Jump Clients under a group's consent policy. */
describe('entry points: support buttons and jump clients', () => {
  let t: TestNode;
  let now = Date.parse('2026-11-25T10:00:00Z');
  const payroll = { title: 'Payroll questions', description: 'Reaches the payroll team during office hours.' };
  beforeAll(async () => { t = await startInProcessNode({ supportButtons: { profiles: { payroll } } }, { clock: () => now }); });
  afterAll(async () => t.stop());

  it('a support button opens sessions into its queue until it expires, and is uninstalled when removed', async () => {
    const alice = await person(t, 'alice');
    const bob = await person(t, 'bob');
    const desk = await agent(t, 'desk-button', '232323');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const { buttonId } = await alice.ask('support-button.deploy', { sessionId, name: 'Helpdesk', queue: { kind: 'team', teamId: 'helpdesk' }, expiresAt: new Date(now + 3600_000).toISOString() });
    expect(await desk.ws.next('support-button.installed')).toMatchObject({ buttonId, name: 'Helpdesk' });
    await alice.ask('session.end', { sessionId });

    const started = await desk.ws.ask('support.start', { buttonId });
    expect(started.queue).toEqual({ kind: 'team', teamId: 'helpdesk' });
    expect((await bob.next('queue.changed', (q) => q.sessions.some((s: { sessionId: string }) => s.sessionId === started.sessionId)))).toBeDefined();
    await bob.ask('queue.take', { sessionId: started.sessionId });
    expect(await bob.next('session.state', (s) => s.sessionId === started.sessionId && s.you === 'owner')).toMatchObject({ status: 'active' });
    await bob.ask('session.end', { sessionId: started.sessionId });

    now += 2 * 3600_000;
    await expect(desk.ws.ask('support.start', { buttonId })).rejects.toMatchObject({ code: 'BUTTON_EXPIRED' });
    await alice.ask('support-button.remove', { buttonId });
    expect(await desk.ws.next('support-button.removed')).toEqual({ buttonId });
    await expect(desk.ws.ask('support.start', { buttonId })).rejects.toMatchObject({ code: 'UNKNOWN_BUTTON' });
    for (const c of [alice, bob, desk.ws]) await c.close();
  });

  it('a profile nobody configured is UNKNOWN_PROFILE and installs nothing; a configured one reaches the agent with its title, at deploy and at hello', async () => {
    const alice = await person(t, 'alice');
    let desk = await agent(t, 'desk-profile', '262626');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await alice.next('session.state', (s) => s.sessionId === sessionId && s.status === 'active');
    const deploy = (profile: string): Promise<{ buttonId: string }> => alice.ask('support-button.deploy', { sessionId, name: 'Pay help', profile, queue: { kind: 'team', teamId: 'helpdesk' }, expiresAt: new Date(now + 3600_000).toISOString() });

    // The deploy form's list: the configured profiles, in their order, with their titles.
    const { profiles } = await alice.ask('support-button.list', { sessionId });
    expect(profiles).toEqual([{ id: 'default', title: 'Get help from IT', description: 'Start a support session with the helpdesk.' }, { id: 'payroll', ...payroll }]);

    for (const unknown of ['kiosk', 'Payroll', 'payroll ']) {
      await expect(deploy(unknown)).rejects.toMatchObject({ code: 'UNKNOWN_PROFILE' });
    }
    expect((await alice.ask('support-button.list', { sessionId })).buttons).toEqual([]);
    expect(desk.ws.received.filter((m) => m.event === 'support-button.installed')).toEqual([]);

    const { buttonId } = await deploy('payroll');
    expect(await desk.ws.next('support-button.installed')).toEqual({
      buttonId, name: 'Pay help', profile: 'payroll', ...payroll, queue: { kind: 'team', teamId: 'helpdesk' }, queueName: 'Helpdesk', expiresAt: now + 3600_000,
    });
    expect((await alice.ask('support-button.list', { sessionId })).buttons).toEqual([expect.objectContaining({ buttonId, profile: 'payroll' })]);
    await alice.ask('session.end', { sessionId });

    // A restarted agent gets the same from the hello ack (what it keeps in its config file).
    await desk.ws.close();
    const ws = await WsTestClient.connect(`${t.wsUrl}/ws/agent`, desk.token);
    const hello = await ws.ask('agent.hello', { hostname: 'desk-profile', osUser: 'carol', os: 'Linux', version: '0.1.0', pin: '262626', displays: [] });
    expect(hello.entryPoints.supportButtons).toEqual([expect.objectContaining({ buttonId, profile: 'payroll', title: payroll.title, description: payroll.description, queueName: 'Helpdesk' })]);
    desk = { ...desk, ws };
    await alice.ask('support-button.remove', { buttonId });
    for (const c of [alice, desk.ws]) await c.close();
  });

  it('jump clients start unattended sessions under the consent policy, survive an agent restart, refuse outsiders', async () => {
    const root = await person(t, 'root');
    await root.ask('jump-group.define', { groupId: 'ops', name: 'Ops', userIds: [], teams: ['helpdesk'], consent: 'notify' });
    const alice = await person(t, 'alice');
    const carol = await person(t, 'carol'); // network team: not in the group
    let desk = await agent(t, 'desk-jump', '242424');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const group = await alice.ask('jump.pin', { sessionId, location: { kind: 'group', groupId: 'ops' } });
    expect(await desk.ws.next('jump.pinned')).toEqual({ jumpClientId: group.jumpClientId });
    const personal = await alice.ask('jump.pin', { sessionId, location: { kind: 'personal' }, consent: 'ask' });
    await alice.ask('session.end', { sessionId }); // ending never unpins

    // The agent restarts (same enrollment) and is still a jump client.
    await desk.ws.close();
    desk = await reconnectAgent(t, desk, 'desk-jump', '242424');
    const list = await alice.ask('jump.list', {});
    expect(list.jumpClients.map((j: { jumpClientId: string }) => j.jumpClientId).sort()).toEqual([group.jumpClientId, personal.jumpClientId].sort());
    expect((await carol.ask('jump.list', {})).jumpClients).toEqual([]);
    await expect(carol.ask('jump.start', { jumpClientId: group.jumpClientId })).rejects.toMatchObject({ code: 'FORBIDDEN' });

    // notify: active at once, with a visible notice for the logged-in user.
    const notify = await alice.ask('jump.start', { jumpClientId: group.jumpClientId });
    expect(notify.consent).toBe('notify');
    expect(await alice.next('session.state', (s) => s.sessionId === notify.sessionId)).toMatchObject({ status: 'active', jumpNotice: true });
    await alice.ask('session.end', { sessionId: notify.sessionId });

    // ask: pending until the user allows.
    const ask = await alice.ask('jump.start', { jumpClientId: personal.jumpClientId });
    expect(await desk.ws.next('assist.requested', (a) => a.sessionId === ask.sessionId)).toMatchObject({ via: 'jump' });
    await desk.ws.ask('assist.respond', { sessionId: ask.sessionId, allow: true });
    expect(await alice.next('session.state', (s) => s.sessionId === ask.sessionId && s.status === 'active')).toBeDefined();
    await alice.ask('session.end', { sessionId: ask.sessionId });

    await alice.ask('jump.unpin', { jumpClientId: personal.jumpClientId });
    expect(await desk.ws.next('jump.unpinned')).toEqual({ jumpClientId: personal.jumpClientId });
    const audit = await (await fetch(`${t.url}/api/admin/audit?type=JumpStarted&to=9999999999999`, { headers: { authorization: `Bearer ${await t.login('root')}` } })).text();
    expect(audit.trim().split('\n')).toHaveLength(2);
    for (const c of [root, alice, carol, desk.ws]) await c.close();
  });

  it('only the session\'s owner pins or deploys, only while it runs; only who deployed (or pinned) removes it', async () => {
    const root = await person(t, 'root');
    await root.ask('jump-group.define', { groupId: 'front-owner', name: 'Front', userIds: [], teams: ['helpdesk', 'network'], consent: 'notify' });
    const alice = await person(t, 'alice');
    const bob = await person(t, 'bob'); // same team, invited into the session: a member, not its owner
    const carol = await person(t, 'carol'); // another team, knows the session id
    const sam = await person(t, 'sam'); // supervisor of helpdesk
    const desk = await agent(t, 'desk-owner', '252525');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const { inviteId } = await alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } });
    await bob.ask('invite.respond', { sessionId, inviteId, accept: true });
    expect(await bob.next('session.state', (s) => s.sessionId === sessionId && s.you === 'participant')).toMatchObject({ status: 'active' });
    const expiresAt = new Date(now + 3600_000).toISOString();
    const button = { sessionId, name: 'Sneaky', profile: 'default', queue: { kind: 'team', teamId: 'network' }, expiresAt };

    // Neither the other team's technician nor a member who is not the owner pins or deploys.
    for (const who of [carol, bob]) {
      await expect(who.ask('jump.pin', { sessionId, location: { kind: 'personal' }, consent: 'notify' })).rejects.toMatchObject({ code: 'NOT_OWNER' });
      await expect(who.ask('jump.pin', { sessionId, location: { kind: 'group', groupId: 'front-owner' } })).rejects.toMatchObject({ code: 'NOT_OWNER' });
      await expect(who.ask('support-button.deploy', button)).rejects.toMatchObject({ code: 'NOT_OWNER' });
    }
    const onDesk = (list: { agentId: string }[]): unknown[] => list.filter((j) => j.agentId === desk.agentId);
    expect(onDesk((await carol.ask('jump.list', {})).jumpClients)).toEqual([]);
    expect(onDesk((await root.ask('jump.list', {})).jumpClients)).toEqual([]);
    expect((await root.ask('support-button.list', { sessionId })).buttons).toEqual([]);
    expect(desk.ws.received.filter((m) => m.event === 'jump.pinned' || m.event === 'support-button.installed')).toEqual([]);

    // The owner does; then only she (a supervisor of the queue's team, an admin) removes the button,
    // and only she (a supervisor in the group, an admin) unpins the group pin the others jump through.
    const { buttonId } = await alice.ask('support-button.deploy', { ...button, name: 'Helpdesk', queue: { kind: 'team', teamId: 'helpdesk' } });
    const { jumpClientId } = await alice.ask('jump.pin', { sessionId, location: { kind: 'group', groupId: 'front-owner' } });
    expect(onDesk((await carol.ask('jump.list', {})).jumpClients)).toEqual([expect.objectContaining({ jumpClientId, mayUnpin: false })]);
    expect(onDesk((await alice.ask('jump.list', {})).jumpClients)).toEqual([expect.objectContaining({ jumpClientId, mayUnpin: true })]);
    expect((await bob.ask('support-button.list', { sessionId })).buttons).toEqual([expect.objectContaining({ buttonId, mayRemove: false })]);
    expect((await alice.ask('support-button.list', { sessionId })).buttons).toEqual([expect.objectContaining({ buttonId, mayRemove: true })]);
    // Who may not see the session learns nothing about its desktop's buttons; a supervisor of its team does.
    await expect(carol.ask('support-button.list', { sessionId })).rejects.toMatchObject({ code: 'NOT_MEMBER' });
    expect((await sam.ask('support-button.list', { sessionId })).buttons).toEqual([expect.objectContaining({ buttonId, name: 'Helpdesk', mayRemove: true })]);
    expect((await root.ask('support-button.list', { sessionId })).buttons).toEqual([expect.objectContaining({ buttonId })]);
    for (const who of [bob, carol]) {
      await expect(who.ask('support-button.remove', { buttonId })).rejects.toMatchObject({ code: 'NOT_DEPLOYER' });
      await expect(who.ask('jump.unpin', { jumpClientId })).rejects.toMatchObject({ code: 'NOT_PINNER' });
    }
    expect(desk.ws.received.filter((m) => m.event === 'jump.unpinned' || m.event === 'support-button.removed')).toEqual([]);

    // An ended session pins and deploys nothing, not even for its owner.
    await alice.ask('session.end', { sessionId });
    await expect(alice.ask('jump.pin', { sessionId, location: { kind: 'personal' } })).rejects.toMatchObject({ code: 'SESSION_ENDED' });
    await expect(alice.ask('support-button.deploy', { ...button, queue: { kind: 'team', teamId: 'helpdesk' } })).rejects.toMatchObject({ code: 'SESSION_ENDED' });
    await expect(carol.ask('jump.pin', { sessionId, location: { kind: 'personal' } })).rejects.toMatchObject({ code: 'SESSION_ENDED' });
    await expect(carol.ask('support-button.list', { sessionId })).rejects.toMatchObject({ code: 'NOT_MEMBER' });
    expect((await bob.ask('support-button.list', { sessionId })).buttons).toEqual([expect.objectContaining({ buttonId })]);

    await sam.ask('support-button.remove', { buttonId });
    expect(await desk.ws.next('support-button.removed')).toEqual({ buttonId });
    await sam.ask('jump.unpin', { jumpClientId });
    expect(await desk.ws.next('jump.unpinned')).toEqual({ jumpClientId });
    for (const c of [root, alice, bob, carol, sam, desk.ws]) await c.close();
  });

  it('a session id that does not exist is UNKNOWN_SESSION to everyone: list, deploy, pin', async () => {
    const root = await person(t, 'root');
    const alice = await person(t, 'alice');
    const sam = await person(t, 'sam');
    const sessionId = 's-does-not-exist';
    const expiresAt = new Date(now + 3600_000).toISOString();
    for (const who of [alice, sam, root]) {
      await expect(who.ask('support-button.list', { sessionId })).rejects.toMatchObject({ code: 'UNKNOWN_SESSION' });
      await expect(who.ask('support-button.deploy', { sessionId, name: 'Ghost', profile: 'default', queue: { kind: 'team', teamId: 'helpdesk' }, expiresAt })).rejects.toMatchObject({ code: 'UNKNOWN_SESSION' });
      await expect(who.ask('jump.pin', { sessionId, location: { kind: 'personal' } })).rejects.toMatchObject({ code: 'UNKNOWN_SESSION' });
    }
    // Nothing was made for it: no button, no pin.
    expect((await root.ask('support-button.list', {})).buttons.filter((b: { name: string }) => b.name === 'Ghost')).toEqual([]);
    for (const c of [root, alice, sam]) await c.close();
  });
});
