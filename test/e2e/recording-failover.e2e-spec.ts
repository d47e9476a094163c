import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFrame, encodeFrame, Encoding, FrameType } from '../../src/media/frame-codec';
import { X11Screen } from '../../src/native/x11';
import { decodeRecording, recordJson, RecordKind, type RecordingMarker, type RecordingRecord } from '../../src/recording/recording-format';
import { keyframeIndex } from '../../src/recording/seek-index';
import { startDesktopAgent } from '../support/desktop-agent';
import { startHaproxy } from '../support/haproxy';
import { startChildNode, type TestNode } from '../support/node';
import { agent, person, reconnectAgent, type TestAgent } from '../support/people';
import type { TrackedProcess } from '../support/processes';
import { startRedis, type TestRedis } from '../support/redis';
import { waitFor } from '../support/wait';
import { startXvfb } from '../support/xvfb';

type ChildNode = TestNode & { process: TrackedProcess };

const LEASE_TTL_MS = 1000;
/** The agent sends a small frame (one tile and its end) this often. */
const FRAME_EVERY_MS = 20;

const fileOf = (dir: string, sessionId: string): string => join(dir, `${sessionId.replace(/:/g, '%3A')}.trec`);

function recordsIn(path: string): { records: RecordingRecord[]; truncated: boolean } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return { records: [], truncated: false };
  }
  const parsed = decodeRecording(bytes);
  if (!parsed.ok) throw new Error(parsed.message);
  return { records: parsed.records, truncated: parsed.truncated };
}

const frameSeqOf = (r: RecordingRecord): number | null => {
  const p = decodeFrame(r.payload);
  return p.ok && p.frame.type === FrameType.Tile ? p.frame.frameSeq : null;
};

/**
 * Recording across a `kill -9` of the node that owns the session and writes its recording (the session
 * actor, the agent's connection and the writer all on node A; three child nodes on one Redis, one
 * shared recording directory). The agent reconnects to node B, which takes the session over and
 * continues the same file: events from both sides of the kill in order, an intact chain, and a media
 * gap measured against the takeover.
 */
describe('recording across kill -9 of the owning node', () => {
  let redis: TestRedis;
  const nodes: ChildNode[] = [];
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'tandem-rec-shared-'));
    const overrides = {
      auth: { jwtSecret: 'cluster-test-secret-0123456789' },
      store: { leaseTtlMs: LEASE_TTL_MS, redis: { url: redis.url } },
      ws: { agentGraceMs: 20_000 },
      recording: { dir, policy: { teams: ['helpdesk'] } },
    };
    // One after the other: three node processes starting at once on a loaded 2-core machine can miss the harness's start timeout.
    for (let i = 0; i < 3; i++) nodes.push(await startChildNode({ overrides }));
  }, 60_000);
  afterAll(async () => {
    for (const n of nodes) await n.stop();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the new owner resumes the same recording: events from both sides in order, chain intact, the media gap measured', async () => {
    const [a, b, c] = nodes as [ChildNode, ChildNode, ChildNode];
    const nodeId = async (n: ChildNode): Promise<string> => ((await (await fetch(`${n.url}/healthz`)).json()) as { node: string }).node;
    const [idA, idB] = [await nodeId(a), await nodeId(b)];
    const aliceOnA = await person(a, 'alice');
    const aliceOnC = await person(c, 'alice');
    let desk: TestAgent = await agent(a, 'desk-rec-failover', '515151');
    // alice asks on A: the session's actor lives on A, and the agent is connected to A: A writes the recording.
    const { sessionId } = await aliceOnA.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await desk.ws.ask('mode.set', { sessionId, mode: 'observe' });
    // alice's team records by policy: the customer (the agent) is told.
    const started = await desk.ws.next('session.event', (e) => e.sessionId === sessionId && e.type === 'RecordingStarted', 15_000);
    expect(started).toMatchObject({ by: 'policy' });
    await aliceOnC.next('session.state', (s) => s.sessionId === sessionId && s.recording === true && s.mode === 'observe', 15_000);

    // The agent streams frames until the end of the test, to whichever node it is connected to.
    const sentAt = new Map<number, number>();
    let seq = 0;
    const pump = setInterval(() => {
      seq += 1;
      sentAt.set(seq, Date.now());
      const common = { monitor: 0, frameSeq: seq, timestamp: Date.now(), sessionId };
      try {
        desk.ws.sendRaw(Buffer.from(encodeFrame({ ...common, type: FrameType.Tile, encoding: Encoding.RawBgra, x: (seq % 4) * 16, y: 0, width: 16, height: 16, payload: new Uint8Array(16 * 16 * 4).fill(seq & 0xff) })), true);
        desk.ws.sendRaw(Buffer.from(encodeFrame({ ...common, type: FrameType.EndOfFrame, encoding: Encoding.None, x: 0, y: 0, width: 64, height: 16, payload: new Uint8Array(0) })), true);
      } catch {
        // The socket died with node A: these frames are lost, as a real agent's would be.
      }
    }, FRAME_EVERY_MS);
    try {
      await desk.ws.ask('chat.send', { sessionId, text: 'before the kill' });
      await waitFor('frames of A in the shared recording', () => recordsIn(fileOf(dir, sessionId)).records.filter((r) => r.kind === RecordKind.Media && frameSeqOf(r) !== null).length >= 40, 15_000);

      a.process.child.kill('SIGKILL');
      const killedAt = Date.now();
      // The agent reconnects to B (its own resume: same token), as the real agent does after its backoff.
      desk = await waitFor('the agent back on B', async () => {
        try {
          return await reconnectAgent(b, desk, 'desk-rec-failover', '515151');
        } catch {
          return undefined;
        }
      }, 20_000, 50);
      const reconnectedAt = Date.now();
      // The first command after the kill answers once B (or C) took the session's lease over.
      await desk.ws.ask('chat.send', { sessionId, text: 'after the kill' }, 15_000);
      const takeoverMs = Date.now() - killedAt;
      // B resumed the recording and asked the agent for a full frame.
      await waitFor('the refresh request of the resuming node', () => desk.ws.binary.some((raw) => {
        const p = decodeFrame(new Uint8Array(raw));
        return p.ok && p.frame.type === FrameType.RefreshRequest && p.frame.sessionId === sessionId;
      }), 15_000);
      const resumeFrom = seq;
      await waitFor('frames of B in the recording', () => recordsIn(fileOf(dir, sessionId)).records.some((r) => r.kind === RecordKind.Media && (frameSeqOf(r) ?? 0) > resumeFrom + 20), 15_000);
      clearInterval(pump);
      await aliceOnC.ask('session.end', { sessionId });
      await waitFor('the recording closed with SessionEnded', () => recordsIn(fileOf(dir, sessionId)).records.some((r) => r.kind === RecordKind.Event && (recordJson(r) as { type: string }).type === 'SessionEnded'), 15_000);

      const { records, truncated } = recordsIn(fileOf(dir, sessionId));
      expect(truncated).toBe(false);
      const markers = records.flatMap((r, i) => (r.kind === RecordKind.Marker ? [{ i, m: recordJson<RecordingMarker>(r)! }] : []));
      expect(markers.map(({ m }) => [m.kind, m.node])).toEqual([['start', idA], ['resume', idB]]);
      const resumeAt = markers[1].i;

      // Events from both sides of the kill, in their journal order, each once.
      const events = records.filter((r) => r.kind === RecordKind.Event).map((r) => recordJson<{ type: string; seq: number; text?: string }>(r)!);
      const seqs = events.map((e) => e.seq);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(seqs.length);
      const chats = events.filter((e) => e.type === 'ChatSent').map((e) => e.text);
      expect(chats).toEqual(['before the kill', 'after the kill']);
      expect(events[0].type).toBe('RecordingStarted');
      expect(events[events.length - 1].type).toBe('SessionEnded');
      const afterIdx = records.findIndex((r) => r.kind === RecordKind.Event && recordJson<{ text?: string }>(r)!.text === 'after the kill');
      expect(afterIdx).toBeGreaterThan(resumeAt);

      // Frames: increasing, one run missing around the kill; what is missing was sent between the last frame A wrote and the reconnect.
      const frames = records.flatMap((r, i) => { const s = frameSeqOf(r); return s === null ? [] : [{ i, seq: s, time: r.time }]; });
      const before = frames.filter((f) => f.i < resumeAt);
      const after = frames.filter((f) => f.i > resumeAt);
      expect(before.length).toBeGreaterThanOrEqual(40);
      expect(after.length).toBeGreaterThanOrEqual(20);
      const fseqs = frames.map((f) => f.seq);
      expect([...fseqs].sort((x, y) => x - y)).toEqual(fseqs);
      const lastA = before[before.length - 1];
      const firstB = after[0];
      for (let s = before[0].seq; s <= after[after.length - 1].seq; s++) {
        if (s > lastA.seq && s < firstB.seq) continue;
        expect(fseqs).toContain(s);
      }
      expect(sentAt.get(firstB.seq)!).toBeGreaterThanOrEqual(killedAt);
      expect(sentAt.get(lastA.seq + 1) ?? Infinity).toBeLessThanOrEqual(reconnectedAt);

      // B counts what it recorded on /metrics; nothing was dropped (the queue bound was never reached).
      const metrics = await (await fetch(`${b.url}/metrics`)).text();
      expect(Number(/^tandem_recording_frames_total\{[^}]*\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(after.length);
      expect(metrics).toMatch(/^tandem_recording_frames_dropped_total\{[^}]*\} 0$/m);

      // The session's journal chain is intact across the takeover.
      const verdict = await (await fetch(`${b.url}/api/admin/audit/verify?sessionId=${sessionId}`, { headers: { authorization: `Bearer ${await b.login('root')}` } })).json();
      expect(verdict).toMatchObject({ ok: true });

      const gapMs = firstB.time - lastA.time;
      const lostBeforeKill = killedAt - sentAt.get(lastA.seq)!;
      process.stdout.write(
        `recording failover: lease TTL ${LEASE_TTL_MS} ms; takeover (kill -9 → first command answered) ${takeoverMs} ms; agent back on B ${reconnectedAt - killedAt} ms after the kill;\n` +
        `  media gap in the recording (last frame written by A → first frame written by B) ${Math.round(gapMs)} ms; frames missing ${firstB.seq - lastA.seq - 1} (sent every ${FRAME_EVERY_MS} ms);\n` +
        `  last recorded frame of A was sent ${lostBeforeKill} ms before the kill (unflushed queue lost with A)\n`,
      );
    } finally {
      clearInterval(pump);
      for (const cl of [aliceOnA, aliceOnC]) await cl.close().catch(() => undefined);
      await desk.ws.close().catch(() => undefined);
    }
  }, 120_000);
  it('with the real agent on Xvfb behind HAProxy: the surviving node resumes the recording from a whole screen', async () => {
    const survivors = [nodes[1], nodes[2]] as [ChildNode, ChildNode];
    const x = await startXvfb({ width: 320, height: 192 });
    const proxy = await startHaproxy(survivors.map((n) => n.port));
    const x11 = new X11Screen(x.display);
    let painting = true;
    let painter: Promise<void> = Promise.resolve();
    const desk = await startDesktopAgent({ ...survivors[0], url: proxy.url, wsUrl: proxy.wsUrl }, 'desk-rec-x11', { screen: x11, fps: 10 });
    try {
      // HAProxy picked one of the two nodes for the agent: the session's actor goes there too (alice asks on it).
      const agentOn = (text: string): boolean => /^tandem_connections\{kind="agent"[^}]*\} 1$/m.test(text);
      const owner = await waitFor('the node holding the agent', async () => {
        for (const n of survivors) if (agentOn(await (await fetch(`${n.url}/metrics`)).text())) return n;
        return undefined;
      }, 15_000);
      const other = owner === survivors[0] ? survivors[1] : survivors[0];
      const nodeId = async (n: ChildNode): Promise<string> => ((await (await fetch(`${n.url}/healthz`)).json()) as { node: string }).node;
      const [idOwner, idOther] = [await nodeId(owner), await nodeId(other)];
      const aliceOnOwner = await person(owner, 'alice');
      const aliceOther = await person(other, 'alice');
      const { sessionId } = await aliceOnOwner.ask('assist.request', { agentId: desk.agentId });
      await desk.waitForQuestion(/asks to view your screen/);
      desk.type('y');
      await aliceOther.next('session.state', (st) => st.sessionId === sessionId && st.status === 'active', 15_000);
      desk.type('observe');
      await aliceOther.next('session.state', (st) => st.sessionId === sessionId && st.recording === true && st.mode === 'observe', 15_000);
      // The desktop keeps changing (the whole background, four times a second).
      painter = (async () => {
        for (let i = 0; painting; i++) {
          await x.x('xsetroot', ['-solid', ['#3366cc', '#cc6633', '#22aa44', '#aa2288'][i % 4]]).catch(() => undefined);
          await new Promise((r) => setTimeout(r, 250));
        }
      })();
      const file = fileOf(dir, sessionId);
      const tilesIn = (records: RecordingRecord[]): number => records.filter((r) => frameSeqOf(r) !== null).length;
      await waitFor('real tiles from the owner in the recording', () => tilesIn(recordsIn(file).records) >= 30, 20_000);

      owner.process.child.kill('SIGKILL');
      const killedAt = Date.now();
      const resumed = await waitFor('a whole screen written by the surviving node', () => {
        const { records } = recordsIn(file);
        const resumeAt = records.findIndex((r) => r.kind === RecordKind.Marker && recordJson<RecordingMarker>(r)?.kind === 'resume');
        const key = resumeAt < 0 ? undefined : keyframeIndex(records, 0).find((k) => k > resumeAt);
        return key === undefined ? undefined : { records, resumeAt, key };
      }, 30_000, 100);
      painting = false;
      await painter;
      await aliceOther.ask('session.end', { sessionId }, 15_000);
      await waitFor('SessionEnded in the recording', () => recordsIn(file).records.some((r) => r.kind === RecordKind.Event && recordJson<{ type: string }>(r)?.type === 'SessionEnded'), 15_000);

      const { records, truncated } = recordsIn(file);
      expect(truncated).toBe(false);
      const markers = records.flatMap((r) => (r.kind === RecordKind.Marker ? [recordJson<RecordingMarker>(r)!] : []));
      expect(markers.map((m) => [m.kind, m.node])).toEqual([['start', idOwner], ['resume', idOther]]);
      const seqs = records.filter((r) => r.kind === RecordKind.Event).map((r) => recordJson<{ seq: number }>(r)!.seq);
      expect([...seqs].sort((p, q) => p - q)).toEqual(seqs);
      // Whole screens on both sides of the kill: the recording starts from one and the resuming node asked the real agent for one.
      const keys = keyframeIndex(records, 0);
      expect(keys.some((k) => k < resumed.resumeAt)).toBe(true);
      const tiles = records.flatMap((r, i) => (frameSeqOf(r) === null ? [] : [{ i, time: r.time }]));
      const lastBefore = tiles.filter((f) => f.i < resumed.resumeAt).pop()!;
      const firstAfter = tiles.find((f) => f.i > resumed.resumeAt)!;
      const resumeTime = records[resumed.resumeAt].time;
      process.stdout.write(
        `recording failover, real agent behind HAProxy: media gap ${Math.round(firstAfter.time - lastBefore.time)} ms (last tile of the dead node → first tile of the survivor); ` +
        `resume marker ${Math.round(resumeTime - killedAt)} ms after the kill; the whole screen ${Math.round(records[resumed.key].time - resumeTime)} ms after the resume marker\n`,
      );
      for (const c of [aliceOnOwner, aliceOther]) await c.close().catch(() => undefined);
    } finally {
      painting = false;
      await painter;
      desk.stop();
      x11.close();
      await proxy.stop();
      await x.stop();
    }
  }, 120_000);
});
