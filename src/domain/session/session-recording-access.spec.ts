import { RejectionCode } from '../common/rejection-codes';
import { GivenEvent, accepted, admin, cust, ext, given, otherSup, requested, shared, sup, sys, tech, tech2, tech3 } from '../testing/session-scenario';
import { Actor } from '../common/actor';
import { JumpClient, JumpGroup } from '../entry-points/entry-points.state';
import { decide } from './session.decider';
import { evolve } from './session.evolve';
import { toRef } from '../common/actor';
import { isRejection } from '../common/decision';
import { RecordingPolicy, recordingByPolicy } from './session-recording.rules';
import { authorizeRecordingAccess, RecordingAccessRequest } from './session-recording-access.rules';
import { SessionState } from './session.state';

const ended: GivenEvent = { type: 'SessionEnded', by: tech, reason: 'owner', lockDesktop: false, releaseClient: true };
const PLAYER_SEED = 'Player: in the cockpit and the admin page, play a recording in the browser';
const REASON_SEED = 'policy can require a reason or ticket number before … a recording export';
const play: RecordingAccessRequest = { purpose: 'play', reasonRequired: false };
const exportWithReason = (reason?: string): RecordingAccessRequest => ({ purpose: 'export', reasonRequired: true, ...(reason !== undefined ? { reason } : {}) });

interface AccessCase { id: string; rule: string; seed: string; state: SessionState | null; actor: Actor; req: RecordingAccessRequest; reason?: string; rejects?: RejectionCode }

const cases: AccessCase[] = [
  { id: 'REC-ACCESS-1', rule: 'an admin plays or exports any recording, also one whose session the journal no longer knows', seed: 'admin: everything',
    state: null, actor: admin, req: { purpose: 'export', reasonRequired: false } },
  { id: 'REC-ACCESS-2', rule: 'the owner and the members of a session play its recording, also after its end', seed: PLAYER_SEED,
    state: given(...shared(), ended).state, actor: tech2, req: play },
  { id: 'REC-ACCESS-3', rule: 'a supervisor of one of the session\'s teams plays its recording', seed: PLAYER_SEED,
    state: given(...shared(), ended).state, actor: sup, req: play },
  { id: 'REC-ACCESS-4', rule: 'staff who are not members and not supervisors of its teams do not play it', seed: PLAYER_SEED,
    state: given(...shared(), ended).state, actor: tech3, req: play, rejects: 'NOT_MEMBER' },
  { id: 'REC-ACCESS-5', rule: 'a supervisor of another team does not play it, nor does a technician when the session is unknown', seed: PLAYER_SEED,
    state: given(...shared()).state, actor: otherSup, req: play, rejects: 'NOT_MEMBER' },
  { id: 'REC-ACCESS-6', rule: 'customers, external representatives and the server itself never get a recording', seed: 'Privacy of the record',
    state: given(...shared()).state, actor: cust, req: play, rejects: 'FORBIDDEN' },
  { id: 'REC-ACCESS-7', rule: 'where policy requires it, playing or exporting a recording needs a reason or ticket number', seed: REASON_SEED,
    state: given(...shared(), ended).state, actor: tech, req: exportWithReason('   '), rejects: 'REASON_REQUIRED' },
  { id: 'REC-ACCESS-8', rule: 'the reason is kept (trimmed) for the audit entry, whether required or not', seed: REASON_SEED,
    state: given(...shared(), ended).state, actor: tech, req: exportWithReason('  INC-4711 audit request '), reason: 'INC-4711 audit request' },
];

describe('recording access', () => {
  test.each(cases.map((c) => [`${c.id} ${c.rule} — "${c.seed}"`, c] as const))('%s', (_name, c) => {
    const d = authorizeRecordingAccess(c.state, c.actor, c.req);
    if (c.rejects) {
      expect('rejection' in d ? d.rejection.code : 'allowed').toBe(c.rejects);
      return;
    }
    expect(d).toEqual(c.reason ? { ok: true, reason: c.reason } : { ok: true });
  });

  test('REC-ACCESS-9 the decision is the same for every kind of actor and purpose: only the listed ones get through — "Privacy of the record"', () => {
    const s = given(...shared(), ended).state;
    const allowed = [tech, tech2, sup, admin, otherSup, tech3, cust, ext, sys]
      .filter((a) => 'ok' in authorizeRecordingAccess(s, a, { purpose: 'export', reasonRequired: false }))
      .map((a) => a.id);
    expect(allowed).toEqual([tech.id, tech2.id, sup.id, admin.id]);
    expect(authorizeRecordingAccess(null, tech, play)).toMatchObject({ rejection: { code: 'NOT_MEMBER' } });
    expect(authorizeRecordingAccess(s, ext, play)).toMatchObject({ rejection: { code: 'FORBIDDEN' } });
    expect(authorizeRecordingAccess(s, admin, exportWithReason())).toMatchObject({ rejection: { code: 'REASON_REQUIRED' } });
    expect(authorizeRecordingAccess(s, tech, { purpose: 'play', reasonRequired: false, reason: 'x'.repeat(300) })).toEqual({ ok: true, reason: 'x'.repeat(200) });
  });
});

describe('recording by policy', () => {
  const group: JumpGroup = { groupId: 'servers', name: 'Servers', userIds: [], teams: ['helpdesk'], consent: 'notify' };
  const askGroup: JumpGroup = { ...group, consent: 'ask' };
  const pin: JumpClient = { jumpClientId: 'j1', agentId: 'a1', location: { kind: 'group', groupId: 'servers' }, consent: 'notify', pinnedBy: tech.id };
  const personal: JumpClient = { ...pin, jumpClientId: 'j2', location: { kind: 'personal', userId: tech.id } };
  const policy = (p: Partial<RecordingPolicy>): RecordingPolicy => ({ teams: [], jumpGroups: [], ...p });
  /** The state and events after a jump through `jc`. */
  function jumped(jc: JumpClient, g?: JumpGroup) {
    const d = decide(given().state, { type: 'StartJump', jumpClient: jc, ...(g ? { group: g } : {}) }, tech, 1);
    if (isRejection(d)) throw new Error(d.rejection.code);
    return { state: evolve(given().state, d.events[0]), events: d.events };
  }

  test('REC-POLICY-1 an unattended session started through a Jump Client of a policy Jump Group is recorded from its start, with the group as reason — "Recording: per policy (team, jump group …)"', () => {
    const { state, events } = jumped(pin, group);
    expect(state.jumpGroupId).toBe('servers');
    expect(recordingByPolicy(state, events, policy({ jumpGroups: ['servers'] }))).toBe('policy: jump group servers');
    expect(recordingByPolicy(state, events, policy({ jumpGroups: ['other'] }))).toBeNull();
    // The reason travels in RecordingStarted, which every member and the customer get.
    const started = decide(state, { type: 'StartRecording', reason: 'policy: jump group servers' }, sys, 2);
    expect(isRejection(started) ? null : started.events[0]).toMatchObject({ type: 'RecordingStarted', by: 'policy', reason: 'policy: jump group servers' });
  });

  test('REC-POLICY-2 a group\'s "ask" jump is recorded once the customer allows it, not while it waits — "Nothing is recorded in hold"', () => {
    const { state, events } = jumped(pin, askGroup);
    expect(state.status).toBe('pending');
    expect(recordingByPolicy(state, events, policy({ jumpGroups: ['servers'] }))).toBeNull();
    const after = evolve(state, { type: 'AssistAccepted', seq: 2, sessionId: state.sessionId, actor: toRef(cust), at: 2 });
    expect(recordingByPolicy(after, [{ type: 'AssistAccepted' } as never], policy({ jumpGroups: ['servers'] }))).toBe('policy: jump group servers');
  });

  test('REC-POLICY-3 a personal pin is not in a group; team policy still applies; a recorded or inactive session is left alone — "Recording: per policy (team …)"', () => {
    const { state, events } = jumped(personal);
    expect(state.jumpGroupId).toBeNull();
    expect(recordingByPolicy(state, events, policy({ jumpGroups: ['servers'] }))).toBeNull();
    expect(recordingByPolicy(state, events, policy({ teams: ['helpdesk'] }))).toBe('policy: team helpdesk');
    const assisted = given(requested(), accepted);
    expect(recordingByPolicy(assisted.state, [{ type: 'AssistAccepted' } as never], policy({ teams: ['network', 'helpdesk'] }))).toBe('policy: team helpdesk');
    expect(recordingByPolicy(assisted.state, [{ type: 'ChatSent' } as never], policy({ teams: ['helpdesk'] }))).toBeNull();
    expect(recordingByPolicy({ ...assisted.state, recording: true }, [{ type: 'AssistAccepted' } as never], policy({ teams: ['helpdesk'] }))).toBeNull();
  });
});
