import { isRejection } from '../common/decision';
import { admin, cust, sys, tech, tech3 } from '../testing/session-scenario';
import { PresenceCommand, PresenceState, agentStatus, decidePresence, evolvePresence, findByPin, graceExpired, initialPresenceState, visibleAgents } from './presence';

const T = 1_000_000;
const hello = (agentId: string, pin: string, teams: string[]): PresenceCommand => ({ type: 'AgentOnline', agentId, hostname: `host-${agentId}`, osUser: 'carol', os: 'linux', version: '1.0', pin, displays: [{ index: 0, name: ':0', x: 0, y: 0, width: 1920, height: 1080 }], teams });
const run = (s: PresenceState, c: PresenceCommand, now = T) => {
  const d = decidePresence(s, c, sys, now);
  return isRejection(d) ? d.rejection.code : d.events.reduce(evolvePresence, s);
};
const must = (x: PresenceState | string) => { if (typeof x === 'string') throw new Error(x); return x; };
const two = must(run(must(run(initialPresenceState(), hello('a1', '1234', ['helpdesk']))), hello('a2', '5678', ['network'])));

describe('agent presence', () => {
  test('PRES-1 agents come online with hostname, OS user, displays, version and PIN; found by PIN — "Each registered application also has an Assist PIN (4-6 digits), which is displayed in the user\'s session control panel."', () => {
    expect(findByPin(two, '1234')?.agentId).toBe('a1');
    expect(findByPin(two, '0000')).toBeUndefined();
    expect(run(two, hello('a3', '1234', []))).toBe('PIN_IN_USE');
  });

  test('PRES-2 the online list is filtered by team visibility and hides PINs — "Supervisor Master checks the running applications in \\"VISULOX Cockpit / Online\\""', () => {
    expect(visibleAgents(two, tech).map((a) => a.agentId)).toEqual(['a1']);
    expect(visibleAgents(two, tech3).map((a) => a.agentId)).toEqual(['a2']);
    expect(visibleAgents(two, admin)).toHaveLength(2);
    expect(visibleAgents(two, cust)).toEqual([]);
    expect(JSON.stringify(visibleAgents(two, admin))).not.toContain('1234');
  });

  test('PRES-3 an agent that drops stays in grace, then is offline — "In standby mode, the cooperation is active"', () => {
    const off = must(run(two, { type: 'AgentOffline', agentId: 'a1' }, T + 10));
    expect(agentStatus(off.agents.a1, T + 20)).toBe('grace');
    expect(agentStatus(off.agents.a1, T + 10 + 30_000)).toBe('offline');
    expect(agentStatus(off.agents.a2, T + 10 + 30_000)).toBe('online');
    expect(graceExpired(off, T + 10 + 30_000)).toEqual(['a1']);
    expect(findByPin(off, '1234')).toBeUndefined();
    expect(run(off, { type: 'AgentOffline', agentId: 'a1' })).toBe('UNKNOWN_AGENT');
    const gone = must(run(off, { type: 'ForgetAgent', agentId: 'a1' }));
    expect(Object.keys(gone.agents)).toEqual(['a2']);
    expect(run(gone, { type: 'ForgetAgent', agentId: 'a1' })).toBe('UNKNOWN_AGENT');
    expect(isRejection(decidePresence(two, hello('a9', '9999', []), tech, T))).toBe(true);
    expect(isRejection(decidePresence(two, { type: 'Bogus' } as never, sys, T))).toBe(true);
    expect(evolvePresence(two, { type: 'Nope' } as never)).toBe(two);
    expect(evolvePresence(two, { type: 'AgentWentOffline', agentId: 'zz', seq: 7, actor: sys, at: 1 }).seq).toBe(7);
  });
});
