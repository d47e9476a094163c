import { toRef } from '../common/actor';
import { viewFor, eventFor } from './session.view';
import { decide } from './session.decider';
import { isRejection } from '../common/decision';
import { GivenEvent, NOW, RuleCase, T0, cust, history, runRules, sys, tech } from '../testing/session-scenario';
import { replay } from './session.evolve';

const agent = { kind: 'customer' as const, id: 'ag_desk', name: 'desk-7', teams: [], rights: [] };
const chat: GivenEvent[] = [
  { type: 'SessionOpened', by: cust, origin: 'click-to-chat', agentId: null, customer: { id: cust.id, name: cust.name }, queue: { kind: 'team', teamId: 'helpdesk' }, chatOnly: true, buttonId: null },
  { type: 'SessionTaken', by: tech, queue: { kind: 'team', teamId: 'helpdesk' }, teams: ['helpdesk'] },
];
const granted: GivenEvent[] = [
  ...chat,
  { type: 'ElevationRequested', by: tech, requestId: 'e1', method: 'prompt', scope: 'full-client' },
  { type: 'ElevationAnswered', by: cust, requestId: 'e1', allow: true, scope: 'full-client' },
];
const EXPIRES = NOW + 60_000;
const issued = (codeHash = 'h1', m: 'hold' | 'observe' | 'interact' = 'observe'): GivenEvent => ({ type: 'AttachCodeIssued', by: cust, codeHash, mode: m, expiresAt: EXPIRES });
const attached: GivenEvent = { type: 'AgentAttached', by: agent, agentId: agent.id, mode: 'observe' };
const seed = 'If you wish to have access to more robust support features such as screen sharing, you must elevate the customer client.';

const cases: RuleCase[] = [
  { id: 'ATTACH-1', rule: 'after the full-client grant the customer gets a one-time attach code, with the mode they choose', seed,
    given: granted, when: { type: 'IssueAttachCode', codeHash: 'h1', mode: 'observe', ttlMs: 60_000 }, actor: cust, then: [{ type: 'AttachCodeIssued', codeHash: 'h1', mode: 'observe', expiresAt: EXPIRES }] },
  { id: 'ATTACH-2', rule: 'no attach code while the session is still chat-only', seed,
    given: chat, when: { type: 'IssueAttachCode', codeHash: 'h1', mode: 'observe', ttlMs: 60_000 }, actor: cust, rejects: 'NOT_AWAITING_AGENT' },
  { id: 'ATTACH-3', rule: 'only the customer asks for the attach code', seed,
    given: granted, when: { type: 'IssueAttachCode', codeHash: 'h1', mode: 'observe', ttlMs: 60_000 }, actor: tech, rejects: 'NOT_CUSTOMER' },
  { id: 'ATTACH-4', rule: 'the agent joins with a valid code: the session gets that agent, in the mode the customer chose', seed: 'Elevate a click-to-chat session to the full customer client',
    given: [...granted, issued()], when: { type: 'AttachAgent', codeHash: 'h1', agentId: agent.id }, actor: agent,
    then: [{ type: 'AgentAttached', agentId: agent.id, mode: 'observe' }, { type: 'ModeChanged', mode: 'observe', previous: 'hold' }] },
  { id: 'ATTACH-5', rule: 'an attach code is used once', seed: 'a one-time code',
    given: [...granted, issued(), attached], when: { type: 'AttachAgent', codeHash: 'h1', agentId: 'ag_other' }, actor: { ...agent, id: 'ag_other' }, rejects: 'ATTACH_CODE_USED' },
  { id: 'ATTACH-6', rule: 'an expired attach code is refused', seed: 'a short-lived code',
    given: [...granted, issued()], when: { type: 'AttachAgent', codeHash: 'h1', agentId: agent.id }, actor: agent, now: EXPIRES, rejects: 'ATTACH_CODE_EXPIRED' },
  { id: 'ATTACH-7', rule: 'an unknown or replaced attach code is refused', seed: 'a one-time code',
    given: [...granted, issued('h1'), issued('h2')], when: { type: 'AttachAgent', codeHash: 'h1', agentId: agent.id }, actor: agent, rejects: 'ATTACH_CODE_UNKNOWN' },
  { id: 'ATTACH-8', rule: 'the attach code dies at session end', seed: 'The session ends',
    given: [...granted, issued(), { type: 'SessionEnded', by: tech, reason: 'owner', lockDesktop: false, releaseClient: true }], when: { type: 'AttachAgent', codeHash: 'h1', agentId: agent.id }, actor: agent, rejects: 'SESSION_ENDED' },
  { id: 'ATTACH-9', rule: 'a representative cannot attach an agent', seed: 'the customer running the agent',
    given: [...granted, issued()], when: { type: 'AttachAgent', codeHash: 'h1', agentId: 'ag_x' }, actor: tech, rejects: 'FORBIDDEN' },
  { id: 'ATTACH-10', rule: 'a code asked in hold attaches in hold (no screen until the customer chooses)', seed: 'hold (default at start)',
    given: [...granted, issued('h1', 'hold')], when: { type: 'AttachAgent', codeHash: 'h1', agentId: agent.id }, actor: sys, then: [{ type: 'AgentAttached', agentId: agent.id, mode: 'hold' }] },
];

describe('click-to-chat elevated: the customer\'s agent attaches (session-attach.rules)', () => {
  runRules(cases);

  test('ATTACH-11 once attached the session is a full session with that agent; the agent acts as the customer and nobody sees the code hash', () => {
    const events = history([...granted, issued(), attached, { type: 'ModeChanged', by: agent, mode: 'observe', previous: 'hold' }]);
    const s = replay(events);
    expect(s).toMatchObject({ agentId: agent.id, chatOnly: false, mode: 'observe', attachCode: { used: true } });
    expect(viewFor(s, toRef(tech))).toMatchObject({ awaitingAgent: false, screenVisible: true, chatOnly: false });
    expect(viewFor(replay(history(granted)), toRef(tech)).awaitingAgent).toBe(true);
    expect(viewFor(s, toRef(agent)).you).toBe('customer');
    // The agent's terminal choices count as the customer's.
    const d = decide(s, { type: 'SetMode', mode: 'interact' }, agent, T0 + 100);
    expect(isRejection(d)).toBe(false);
    const issuedEvent = events.find((e) => e.type === 'AttachCodeIssued')!;
    for (const viewer of [tech, cust]) expect(JSON.stringify(eventFor(s, issuedEvent, toRef(viewer)))).not.toContain('codeHash');
  });
});
