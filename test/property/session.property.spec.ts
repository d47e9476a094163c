import fc from 'fast-check';
import { Actor } from '../../src/domain/common/actor';
import { isRejection } from '../../src/domain/common/decision';
import { SessionCommand } from '../../src/domain/session/session.commands';
import { decide } from '../../src/domain/session/session.decider';
import { SessionEvent } from '../../src/domain/session/session.events';
import { evolve, replay } from '../../src/domain/session/session.evolve';
import { authorizeAnnotation, authorizeInput, authorizePointer, screenRecipients } from '../../src/domain/session/session.authorize';
import { inviteePersonKey } from '../../src/domain/session/session-sharing.rules';
import { blockMayStand } from '../../src/domain/session/session-input-block.rules';
import { SessionState, controllerOf, initialSessionState } from '../../src/domain/session/session.state';
import { viewFor } from '../../src/domain/session/session.view';
import { JumpClient, SupportButton } from '../../src/domain/entry-points/entry-points.state';
import { admin, cust, ext, noRights, otherCust, sup, sys, tech, tech2, tech3 } from '../../src/domain/testing/session-scenario';

const SECRET = 'pw-SECRET-4711';
const actors: Actor[] = [tech, tech2, tech3, sup, admin, cust, otherCust, ext, sys, noRights];
const ids = ['a', 'b', 'c'];
const people = actors.map((a) => a.id);
const teams = ['helpdesk', 'network'];
const modeArb = fc.constantFrom('hold' as const, 'observe' as const, 'interact' as const);
const queueArb = fc.oneof(
  fc.constantFrom(...teams).map((teamId) => ({ kind: 'team' as const, teamId })),
  fc.constantFrom(...people).map((userId) => ({ kind: 'personal' as const, userId })),
);
const button: SupportButton = { buttonId: 'b1', name: 'Help', profile: 'p', queue: { kind: 'team', teamId: 'helpdesk' }, agentId: 'a1', expiresAt: 5000, deployedBy: tech.id };
const jump: JumpClient = { jumpClientId: 'j1', agentId: 'a1', location: { kind: 'personal', userId: tech.id }, consent: 'notify', pinnedBy: tech.id };

const commandArb: fc.Arbitrary<SessionCommand> = fc.oneof(
  fc.record({ type: fc.constant('RequestAssist' as const), agentId: fc.constant('a1'), customer: fc.constantFrom({ id: cust.id, name: cust.name }), via: fc.constantFrom('selection' as const, 'pin' as const, 'code' as const), action: fc.constantFrom('view' as const, 'control' as const) }),
  fc.constantFrom<SessionCommand>({ type: 'OpenSession', via: { kind: 'support-button', button } }, { type: 'OpenSession', via: { kind: 'click-to-chat', queue: { kind: 'team', teamId: 'helpdesk' } } }, { type: 'StartJump', jumpClient: jump, customer: { id: cust.id, name: cust.name } }),
  fc.record({ type: fc.constant('RespondAssist' as const), allow: fc.boolean(), mode: fc.option(modeArb, { nil: undefined }) }),
  fc.record({ type: fc.constant('SetMode' as const), mode: modeArb }),
  fc.record({ type: fc.constant('RequestMode' as const), requestId: fc.constantFrom(...ids), mode: modeArb }),
  fc.record({ type: fc.constant('RespondModeRequest' as const), requestId: fc.constantFrom(...ids), allow: fc.boolean() }),
  fc.record({ type: fc.constant('RequestControl' as const), requestId: fc.constantFrom(...ids) }),
  fc.record({ type: fc.constant('RespondControl' as const), requestId: fc.constantFrom(...ids), allow: fc.boolean() }),
  fc.record({ type: fc.constant('HandControl' as const), memberId: fc.constantFrom(...people) }),
  fc.record({ type: fc.constant('SendChat' as const), messageId: fc.constantFrom(...ids), text: fc.string() }),
  fc.record({ type: fc.constant('OfferFile' as const), fileId: fc.constantFrom(...ids), name: fc.constant('f.txt'), size: fc.nat(), sha256: fc.constant('0'.repeat(64)) }),
  fc.record({ type: fc.constant('RespondFile' as const), fileId: fc.constantFrom(...ids), accept: fc.boolean() }),
  fc.record({ type: fc.constant('ReportFile' as const), fileId: fc.constantFrom(...ids), result: fc.oneof(
    fc.record({ ok: fc.constant(true as const), savedAs: fc.option(fc.constant('f (1).txt'), { nil: undefined }) }),
    fc.record({ ok: fc.constant(false as const), code: fc.constantFrom('HASH_MISMATCH' as const, 'SIZE_MISMATCH' as const, 'WRITE_FAILED' as const, 'CANCELLED' as const) })) }),
  fc.record({ type: fc.constant('Invite' as const), inviteId: fc.constantFrom(...ids), target: fc.oneof(
    fc.constantFrom(...people).map((userId) => ({ kind: 'representative' as const, userId })),
    fc.constantFrom(...teams).map((teamId) => ({ kind: 'team' as const, teamId })),
    fc.constant({ kind: 'external' as const, externalId: ext.id, name: ext.name })),
  availability: fc.record({ online: fc.boolean(), extendedAvailability: fc.boolean() }) }),
  fc.record({ type: fc.constant('CancelInvite' as const), inviteId: fc.constantFrom(...ids) }),
  fc.record({ type: fc.constant('RespondInvite' as const), inviteId: fc.constantFrom(...ids), accept: fc.boolean() }),
  fc.record({ type: fc.constant('RemoveMember' as const), memberId: fc.constantFrom(...people) }),
  fc.record({ type: fc.constant('Transfer' as const), to: queueArb }),
  fc.constantFrom<SessionCommand>({ type: 'DisconnectCustomer' }, { type: 'TakeFromQueue' }, { type: 'Watch' }, { type: 'Hold' }, { type: 'End' }, { type: 'Leave' }, { type: 'ForceEnd' }, { type: 'EndElevation' }),
  fc.record({ type: fc.constant('RequestElevation' as const), requestId: fc.constantFrom(...ids), method: fc.constantFrom('prompt' as const, 'credentials' as const), scope: fc.option(fc.constantFrom('admin' as const, 'full-client' as const), { nil: undefined }), credentials: fc.option(fc.constant({ username: 'root', password: SECRET }), { nil: undefined }) }),
  fc.record({ type: fc.constant('RespondElevation' as const), requestId: fc.constantFrom(...ids), allow: fc.boolean() }),
  fc.record({ type: fc.constant('AdminAction' as const), action: fc.constantFrom('restart' as const, 'process-list' as const, 'command-shell' as const, 'protected-window' as const) }),
  fc.record({ type: fc.constant('ReportScreen' as const), paused: fc.boolean() }),
  fc.record({ type: fc.constant('CustomerConnection' as const), online: fc.boolean() }),
  fc.record({ type: fc.constant('IssueAttachCode' as const), codeHash: fc.constantFrom('h1', 'h2'), mode: modeArb, ttlMs: fc.integer({ min: 1, max: 5000 }) }),
  fc.record({ type: fc.constant('AttachAgent' as const), codeHash: fc.constantFrom('h1', 'h2'), agentId: fc.constantFrom('ag_1', 'ag_2') }),
  fc.record({ type: fc.constant('RequestInputBlock' as const), requestId: fc.constantFrom(...ids) }),
  fc.record({ type: fc.constant('RespondInputBlock' as const), requestId: fc.constantFrom(...ids), allow: fc.boolean() }),
  fc.record({ type: fc.constant('ReleaseInputBlock' as const), reason: fc.option(fc.constantFrom('emergency-key' as const, 'unavailable' as const), { nil: undefined }) }),
);

/** Biased towards a started session: most runs begin with an assistance request that the customer allows. */
const stepsArb = fc.tuple(
  fc.boolean(),
  fc.array(fc.record({ command: commandArb, actor: fc.constantFrom(...actors), dt: fc.nat({ max: 1000 }) }), { maxLength: 60 }),
);

function checkInvariants(s: SessionState, departed: Set<string>): void {
  const owners = Object.values(s.members).filter((m) => m.role === 'owner');
  expect(owners.length).toBeLessThanOrEqual(1);
  if (s.ownerId !== null) expect(owners.map((m) => m.id)).toEqual([s.ownerId]);
  else expect(owners).toEqual([]);
  const keys = Object.values(s.invitations).map((i) => inviteePersonKey(i.target)).filter((k) => k !== null);
  expect(new Set(keys).size).toBe(keys.length);
  for (const id of people) {
    const input = authorizeInput(s, id);
    if (!isRejection(input)) {
      expect(s.status).toBe('active');
      expect(s.mode).toBe('interact');
      expect(controllerOf(s)).toBe(id);
      expect(s.members[id]).toBeDefined();
    }
    if (departed.has(id) && !s.members[id]) {
      expect(isRejection(input) && isRejection(authorizePointer(s, id)) && isRejection(authorizeAnnotation(s, id))).toBe(true);
      expect(screenRecipients(s)).not.toContain(id);
    }
  }
  if (s.mode === 'hold' || s.status !== 'active') expect(screenRecipients(s)).toEqual([]);
  if (s.status === 'ended') expect(Object.keys(s.invitations)).toEqual([]);
  if (s.controllerId !== null) expect(s.members[s.controllerId]).toBeDefined();
  // A held keyboard and mouse never outlive interact, their holder's control or the agent's presence.
  if (s.inputBlock) expect(blockMayStand(s, s.inputBlock.by)).toBe(true);
}

describe('session decider properties', () => {
  test('PROP-1 invariants hold after every accepted command from random actors; seq is gapless; replay equals the state built step by step; decide is deterministic', () => {
    fc.assert(fc.property(stepsArb, ([startAssisted, steps]) => {
      let state = initialSessionState('s1');
      let now = 1000;
      const journal: SessionEvent[] = [];
      const departed = new Set<string>();
      const prefix = startAssisted ? [{ command: { type: 'RequestAssist', agentId: 'a1', customer: { id: cust.id, name: cust.name }, via: 'selection', action: 'control' } as SessionCommand, actor: tech, dt: 1 }, { command: { type: 'RespondAssist', allow: true } as SessionCommand, actor: cust, dt: 1 }] : [];
      for (const { command, actor, dt } of [...prefix, ...steps]) {
        now += dt;
        const decision = decide(state, command, actor, now);
        expect(decide(state, command, actor, now)).toEqual(decision);
        expect(JSON.stringify(decision)).not.toContain(SECRET);
        if (isRejection(decision)) continue;
        decision.events.forEach((e, i) => {
          expect(e.seq).toBe(state.seq + i + 1);
          expect(e.at).toBe(now);
          expect(e.sessionId).toBe('s1');
        });
        for (const e of decision.events) {
          state = evolve(state, e);
          if (e.type === 'MemberRemoved' || e.type === 'MemberLeft') departed.add(e.memberId);
          if (e.type === 'InvitationAccepted' || e.type === 'SupervisorJoined') departed.delete(e.member.id);
          if (e.type === 'SessionTaken') departed.delete(e.by.id);
        }
        journal.push(...decision.events);
        expect(state.seq).toBe(journal.length);
        checkInvariants(state, departed);
        for (const viewer of actors) expect(JSON.stringify(viewFor(state, viewer))).not.toContain(SECRET);
      }
      expect(replay(journal, 's1')).toEqual(state);
    }), { numRuns: 400 });
  });

  test('PROP-2 decide never throws for any generated state and command', () => {
    fc.assert(fc.property(stepsArb, fc.constantFrom(...actors), commandArb, ([, steps], actor, command) => {
      let state = initialSessionState('s1');
      for (const step of steps) {
        const d = decide(state, step.command, step.actor, 1);
        if (!isRejection(d)) state = d.events.reduce(evolve, state);
      }
      expect(() => decide(state, command, actor, 2)).not.toThrow();
      expect(() => decide(state, { type: 'Bogus' } as unknown as SessionCommand, actor, 2)).not.toThrow();
    }), { numRuns: 200 });
  });

  test('PROP-3 evolve never throws on any event and ignores unknown ones', () => {
    const base = replay([]);
    fc.assert(fc.property(fc.anything(), fc.constantFrom(...['AssistRequested', 'SessionTaken', 'SessionTransferred', 'InvitationAccepted', 'ModeChanged', 'Nope']), fc.dictionary(fc.string(), fc.anything()), (junk, type, fields) => {
      expect(() => evolve(base, junk as SessionEvent)).not.toThrow();
      expect(() => evolve(base, { ...fields, type } as unknown as SessionEvent)).not.toThrow();
    }), { numRuns: 500 });
    expect(evolve(base, { type: 'Nope', seq: 0 } as unknown as SessionEvent)).toBe(base);
  });
});
