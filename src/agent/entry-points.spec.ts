import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAgentState, writeAgentState, type AgentState, type InstalledButton } from './agent-config';
import { ButtonError, describeButtons, EntryPoints } from './entry-points';

const NOW = Date.parse('2026-11-25T10:00:00Z');
const HOUR = 3600_000;

describe('the agent\'s entry points', () => {
  let dir: string;
  let file: string;
  let now: number;
  let notices: string[];
  let logs: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-entry-'));
    file = join(dir, 'tandem', 'agent.json');
    now = NOW;
    notices = [];
    logs = [];
    writeAgentState(file, { server: 'http://127.0.0.1:1', agentId: 'ag-1', token: 'tok', pin: '123456' });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** EntryPoints over the config file, as the CLI builds it: every change is written back. */
  function load(): EntryPoints {
    const state = readAgentState(file)!;
    return new EntryPoints({ state, save: (s) => writeAgentState(file, s), notice: (t) => notices.push(t), log: (l) => logs.push(l), now: () => now });
  }
  const saved = (): AgentState => readAgentState(file)!;
  const install = (e: EntryPoints, buttonId: string, name: string, expiresAt: number): void => {
    expect(e.onMessage('support-button.installed', { buttonId, name, profile: 'default', expiresAt })).toBe(true);
  };
  const codeOf = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      expect(err).toBeInstanceOf(ButtonError);
      return (err as ButtonError).code;
    }
    throw new Error('did not throw');
  };

  it('saves an installed button in the config file and tells the customer how to use it', () => {
    install(load(), 'btn-1', 'Helpdesk', NOW + HOUR);
    // An older server sends no title or queue: the name stands for the title.
    expect(saved().supportButtons).toEqual<InstalledButton[]>([{ buttonId: 'btn-1', name: 'Helpdesk', profile: 'default', title: 'Helpdesk', description: '', queue: '', expiresAt: NOW + HOUR }]);
    expect(saved()).toMatchObject({ agentId: 'ag-1', token: 'tok', pin: '123456' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(notices.join('\n')).toContain("support button 'Helpdesk' was installed, valid until 2026-11-25 11:00:00 UTC; run `tandem-agent support`");
  });

  it('keeps the profile\'s title and description and the queue with the button, and lists them (support --list)', () => {
    const e = load();
    e.onMessage('support-button.installed', {
      buttonId: 'btn-1', name: 'Helpdesk', profile: 'default', title: 'Get help from IT', description: 'Start a support session with the helpdesk.',
      queue: { kind: 'team', teamId: 'helpdesk' }, queueName: 'Helpdesk', expiresAt: NOW + HOUR,
    });
    expect(notices.at(-1)).toContain("a support button 'Helpdesk' (Get help from IT) was installed, valid until 2026-11-25 11:00:00 UTC");
    e.onMessage('support-button.installed', { buttonId: 'btn-2', name: 'Payroll', profile: 'payroll', title: 'Payroll questions', description: '', queue: { kind: 'personal', userId: 'bob' }, queueName: 'Bob Baker', expiresAt: NOW + 2 * HOUR });
    expect(saved().supportButtons).toEqual<InstalledButton[]>([
      { buttonId: 'btn-1', name: 'Helpdesk', profile: 'default', title: 'Get help from IT', description: 'Start a support session with the helpdesk.', queue: 'the Helpdesk team', expiresAt: NOW + HOUR },
      { buttonId: 'btn-2', name: 'Payroll', profile: 'payroll', title: 'Payroll questions', description: '', queue: 'Bob Baker', expiresAt: NOW + 2 * HOUR },
    ]);
    expect(describeButtons(load().buttons())).toBe([
      'Helpdesk: Get help from IT',
      '    Start a support session with the helpdesk.',
      "    waits for the Helpdesk team, valid until 2026-11-25 11:00:00 UTC (--button 'Helpdesk')",
      'Payroll: Payroll questions',
      "    waits for Bob Baker, valid until 2026-11-25 12:00:00 UTC (--button 'Payroll')",
    ].join('\n'));
    // Several and none named: the refusal lists them with their titles.
    expect(() => load().pick()).toThrow("2 support buttons are installed ('Helpdesk' (Get help from IT), 'Payroll' (Payroll questions)): choose one with --button NAME");
    expect(() => load().pick('VPN')).toThrow("no support button 'VPN' here; installed: 'Helpdesk' (Get help from IT), 'Payroll' (Payroll questions)");
    expect(describeButtons([])).toMatch(/^no support button is installed on this computer/);
  });

  it('re-installing a button replaces it instead of listing it twice', () => {
    const e = load();
    install(e, 'btn-1', 'Helpdesk', NOW + HOUR);
    install(e, 'btn-1', 'Helpdesk (renamed)', NOW + 2 * HOUR);
    expect(load().buttons().map((b) => b.name)).toEqual(['Helpdesk (renamed)']);
  });

  it('pick() returns the only button, else the one named (by name, case-insensitive, or id)', () => {
    const e = load();
    expect(codeOf(() => e.pick())).toBe('NO_SUPPORT_BUTTON');
    install(e, 'btn-1', 'Helpdesk', NOW + HOUR);
    expect(load().pick().buttonId).toBe('btn-1');
    install(e, 'btn-2', 'Payroll', NOW + HOUR);
    expect(notices.at(-1)).toContain("--button 'Payroll'");
    const again = load();
    expect(codeOf(() => again.pick())).toBe('AMBIGUOUS_BUTTON');
    expect(again.pick('payroll').buttonId).toBe('btn-2');
    expect(again.pick('btn-1').name).toBe('Helpdesk');
    expect(codeOf(() => again.pick('Accounts'))).toBe('UNKNOWN_BUTTON');
  });

  it('pick() refuses an expired button with BUTTON_EXPIRED and drops it from the config file', () => {
    const e = load();
    install(e, 'btn-1', 'Helpdesk', NOW + HOUR);
    install(e, 'btn-2', 'Payroll', NOW + 3 * HOUR);
    now = NOW + 2 * HOUR;
    const later = load();
    expect(codeOf(() => later.pick('Helpdesk'))).toBe('BUTTON_EXPIRED');
    expect(saved().supportButtons?.map((b) => b.buttonId)).toEqual(['btn-2']);
    // Once dropped, the expired button is simply not installed any more; the live one is the only one.
    expect(codeOf(() => load().pick('Helpdesk'))).toBe('UNKNOWN_BUTTON');
    expect(load().pick().buttonId).toBe('btn-2');
    now = NOW + 4 * HOUR;
    expect(codeOf(() => load().pick())).toBe('BUTTON_EXPIRED');
    expect(codeOf(() => load().pick())).toBe('NO_SUPPORT_BUTTON');
    expect(saved().supportButtons).toEqual([]);
  });

  it('removing a button uninstalls it; a removal of another desktop\'s button changes nothing', () => {
    const e = load();
    install(e, 'btn-1', 'Helpdesk', NOW + HOUR);
    expect(e.onMessage('support-button.removed', { buttonId: 'btn-other' })).toBe(true);
    expect(saved().supportButtons).toHaveLength(1);
    const count = notices.length;
    expect(e.onMessage('support-button.removed', { buttonId: 'btn-1' })).toBe(true);
    expect(saved().supportButtons).toEqual([]);
    expect(notices.length).toBe(count + 1);
    expect(notices.at(-1)).toContain("'Helpdesk' was removed");
  });

  it('forget() uninstalls a button the server refused', () => {
    const e = load();
    install(e, 'btn-1', 'Helpdesk', NOW + HOUR);
    e.forget('btn-1');
    expect(saved().supportButtons).toEqual([]);
  });

  it('keeps Jump Client enrolments across restarts until unpinned', () => {
    const e = load();
    e.onMessage('jump.pinned', { jumpClientId: 'jc-1' });
    e.onMessage('jump.pinned', { jumpClientId: 'jc-2' });
    e.onMessage('jump.pinned', { jumpClientId: 'jc-1' });
    expect(saved().jumpClients).toEqual(['jc-1', 'jc-2']);
    expect(notices.at(-1)).toContain('now a Jump Client');
    const restarted = load();
    expect(restarted.jumpClients).toEqual(['jc-1', 'jc-2']);
    restarted.onMessage('jump.unpinned', { jumpClientId: 'jc-1' });
    expect(notices.at(-1)).toContain('no longer a Jump Client (still 1 other enrolment(s))');
    restarted.onMessage('jump.unpinned', { jumpClientId: 'jc-2' });
    expect(notices.at(-1)).toBe('this computer is no longer a Jump Client');
    expect(saved().jumpClients).toEqual([]);
  });

  it('reconcile() adopts the server\'s list: drops what was removed or unpinned while offline, adds what it missed, keeps the rest', () => {
    const e = load();
    install(e, 'btn-1', 'Helpdesk', NOW + HOUR);
    install(e, 'btn-2', 'Payroll', NOW + HOUR);
    e.onMessage('jump.pinned', { jumpClientId: 'jc-1' });
    e.onMessage('jump.pinned', { jumpClientId: 'jc-2' });
    notices = [];
    const later = load();
    later.reconcile({ supportButtons: [{ buttonId: 'btn-2', name: 'Payroll', profile: 'default', expiresAt: NOW + HOUR }, { buttonId: 'btn-3', name: 'VPN', profile: 'vpn', expiresAt: NOW + 2 * HOUR }], jumpClients: ['jc-2'] });
    expect(saved().supportButtons?.map((b) => b.buttonId)).toEqual(['btn-2', 'btn-3']);
    expect(saved().jumpClients).toEqual(['jc-2']);
    expect(notices).toEqual([
      "the support button 'Helpdesk' was removed from this computer while it was offline",
      "a support button 'VPN' is installed, valid until 2026-11-25 12:00:00 UTC",
      'this computer was unpinned as a Jump Client while it was offline (still 1 enrolment(s))',
    ]);
    expect(codeOf(() => load().pick('Helpdesk'))).toBe('UNKNOWN_BUTTON');
    // The same list again changes nothing and says nothing.
    notices = [];
    load().reconcile({ supportButtons: [{ buttonId: 'btn-2', name: 'Payroll', profile: 'default', expiresAt: NOW + HOUR }, { buttonId: 'btn-3', name: 'VPN', profile: 'vpn', expiresAt: NOW + 2 * HOUR }], jumpClients: ['jc-2'] });
    expect(notices).toEqual([]);
    // Everything removed: nothing left, and `support` says so.
    load().reconcile({ supportButtons: [], jumpClients: [] });
    expect(saved()).toMatchObject({ supportButtons: [], jumpClients: [] });
    expect(codeOf(() => load().pick())).toBe('NO_SUPPORT_BUTTON');
    expect(notices.at(-1)).toBe('this computer was unpinned as a Jump Client while it was offline');
    // An enrolment the agent missed is taken in.
    load().reconcile({ supportButtons: [], jumpClients: ['jc-9'] });
    expect(saved().jumpClients).toEqual(['jc-9']);
    expect(notices.at(-1)).toContain('this computer is now a Jump Client');
  });

  it('reconcile() keeps the config as it is when the server sent no list (an older server)', () => {
    const e = load();
    install(e, 'btn-1', 'Helpdesk', NOW + HOUR);
    e.reconcile({});
    e.reconcile({ supportButtons: [] });
    expect(saved().supportButtons?.map((b) => b.buttonId)).toEqual(['btn-1']);
  });

  it('shows a jump notice with the technician\'s name', () => {
    expect(load().onMessage('jump.notice', { sessionId: 's-1', technician: { id: 'alice', name: 'Alice Tech' } })).toBe(true);
    expect(notices.at(-1)).toContain('Alice Tech started an unattended session on this computer (Jump Client)');
  });

  it('remembers the newest disconnected sessions (at most 50) in the config file', () => {
    const e = load();
    for (let i = 0; i < 55; i++) e.disconnectedFrom(`s-${i}`);
    const restarted = load();
    expect(restarted.isDisconnectedFrom('s-54')).toBe(true);
    expect(restarted.isDisconnectedFrom('s-5')).toBe(true);
    expect(restarted.isDisconnectedFrom('s-4')).toBe(false);
    expect(saved().disconnectedSessions).toHaveLength(50);
  });

  it('ignores events that are not entry points', () => {
    expect(load().onMessage('session.event', { sessionId: 's-1' })).toBe(false);
  });

  it('logs a config file it cannot write and keeps the change in memory', () => {
    const state = readAgentState(file)!;
    const e = new EntryPoints({ state, save: () => { throw new Error('disk full'); }, notice: (t) => notices.push(t), log: (l) => logs.push(l), now: () => now });
    install(e, 'btn-1', 'Helpdesk', NOW + HOUR);
    expect(e.pick().buttonId).toBe('btn-1');
    expect(logs).toContain("could not save the agent's config: disk full");
  });
});
