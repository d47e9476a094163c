import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../src/cluster/memory/memory-store';
import { encodeFrame, Encoding, FrameType } from '../../src/media/frame-codec';
import type { RunningNode } from '../../src/node/start-node';
import { decodeRecording, recordJson, RecordKind } from '../../src/recording/recording-format';
import { SessionRecorder } from '../../src/recording/session-recorder';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';

/** Distinct strings that must never show in the record: what was typed, pasted or given as a credential. */
const TYPED = 'typed-Kx7q-hunter2';
const PASSWORD = 's3cret-Elev-pw-9931';
const CLIPBOARD = 'clip-Zq81-apikey-Aa0b';
/** The key the technician pressed, as keysym (XK_Z + 0x1000000 is not a real key, so it stands out). */
const KEYSYM = 0x100a7e5;

/**
 * Privacy of the record: a recorded, elevated session with typed input, keys and a clipboard paste. The
 * recording file, the journal, and the audit export (JSONL and CSV) hold the events that these happened
 * where the protocol says so (ElevationRequested/Answered, ClipboardSent with its size), never the
 * password, the typed text, the keys, the clipboard content, or a token.
 */
describe('privacy of the record', () => {
  let t: TestNode & { node: RunningNode };
  let store: MemoryStore;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-rec-privacy-'));
    store = new MemoryStore();
    t = await startInProcessNode({ recording: { dir, policy: { teams: ['helpdesk'] } } }, { store });
  });
  afterAll(async () => {
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps keystrokes, typed text, elevation credentials, clipboard contents and tokens out of the recording, the journal and the audit export', async () => {
    const aliceToken = await t.login('alice');
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-privacy', '626262');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    const answered = await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await desk.ws.next('session.event', (e) => e.sessionId === sessionId && e.type === 'RecordingStarted');
    await desk.ws.ask('mode.set', { sessionId, mode: 'observe' });
    const common = { monitor: 0, timestamp: Date.now(), sessionId };
    desk.ws.sendRaw(Buffer.from(encodeFrame({ ...common, frameSeq: 1, type: FrameType.Tile, encoding: Encoding.RawBgra, x: 0, y: 0, width: 16, height: 16, payload: new Uint8Array(16 * 16 * 4).fill(90) })), true);
    desk.ws.sendRaw(Buffer.from(encodeFrame({ ...common, frameSeq: 1, type: FrameType.EndOfFrame, encoding: Encoding.None, x: 0, y: 0, width: 16, height: 16, payload: new Uint8Array(0) })), true);

    // Control to alice, then an elevation with credentials: the agent alone gets them.
    const { requestId } = await alice.ask('control.request', { sessionId });
    await desk.ws.ask('control.respond', { sessionId, requestId, allow: true });
    await desk.ws.next('session.mode', (m) => m.mode === 'interact');
    const elevation = await alice.ask('elevation.request', { sessionId, method: 'credentials', credentials: { username: 'Administrator', password: PASSWORD } });
    expect(await desk.ws.next('elevation.verify')).toMatchObject({ password: PASSWORD });
    await desk.ws.ask('elevation.respond', { sessionId, requestId: elevation.requestId, allow: true });
    await alice.next('session.state', (s) => s.sessionId === sessionId && s.elevated === true);

    // Typed into the elevated prompt: text, key presses, a paste.
    await alice.ask('input', { sessionId, kind: 'text', text: TYPED });
    await alice.ask('input', { sessionId, kind: 'key', keysym: KEYSYM, down: true });
    await alice.ask('input', { sessionId, kind: 'key', keysym: KEYSYM, down: false });
    await alice.ask('clipboard', { sessionId, mime: 'text/plain', text: CLIPBOARD });
    // The agent got them (so they were there to leak).
    expect(await desk.ws.next('input', (i) => i.kind === 'text')).toMatchObject({ text: TYPED });
    expect(await desk.ws.next('clipboard')).toMatchObject({ text: CLIPBOARD });

    await alice.ask('session.end', { sessionId });
    await alice.next('session.ended');
    await desk.ws.ask('ping', {}).catch(() => undefined);
    await t.node.app.get(SessionRecorder).flush(sessionId);

    const secrets = [TYPED, PASSWORD, CLIPBOARD, aliceToken, desk.token, ...(answered.resumeToken ? [answered.resumeToken as string] : [])];
    const leaks = (where: string, text: string): string[] => [
      ...secrets.filter((s) => text.includes(s)).map((s) => `${where} holds ${s.slice(0, 12)}…`),
      ...(/keysym|"kind":"(key|text)"/.test(text) ? [`${where} holds an input event`] : []),
      ...(text.includes(String(KEYSYM)) ? [`${where} holds the keysym`] : []),
    ];

    // The recording file, as stored and as exported.
    const files = readdirSync(dir).filter((f) => f.endsWith('.trec'));
    expect(files).toHaveLength(1);
    const file = readFileSync(join(dir, files[0]!));
    const exported = Buffer.from(await (await fetch(`${t.url}/api/admin/recordings/${sessionId}`, { headers: { authorization: `Bearer ${await t.login('root')}` } })).arrayBuffer());
    expect(exported.equals(file)).toBe(true);
    const parsed = decodeRecording(file);
    if (!parsed.ok) throw new Error(parsed.message);
    const events = parsed.records.filter((r) => r.kind === RecordKind.Event).map((r) => recordJson(r) as { type: string; [k: string]: unknown });
    // Not vacuous: the elevation, the paste and the frame are in it.
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['ElevationRequested', 'ElevationAnswered', 'ClipboardSent']));
    expect(events.find((e) => e.type === 'ClipboardSent')).toMatchObject({ size: Buffer.byteLength(CLIPBOARD) });
    expect(parsed.records.some((r) => r.kind === RecordKind.Media)).toBe(true);
    // The events in the recording carry their chain, as journaled.
    expect(events.every((e) => /^[0-9a-f]{64}$/.test(String(e.hash)) && /^[0-9a-f]{64}$/.test(String(e.prevHash)))).toBe(true);
    // Text in any encoding the file could hold it in: raw bytes, UTF-16, base64.
    const asText = [file.toString('latin1'), file.toString('utf16le'), file.toString('utf8')].join('\n');
    const b64 = secrets.map((s) => Buffer.from(s).toString('base64').slice(0, 16));
    expect([...leaks('the recording', asText), ...b64.filter((s) => asText.includes(s)).map((s) => `the recording holds base64 ${s}`)]).toEqual([]);

    // The journal, the audit export (both formats), and the audit export of the whole day.
    const journal = JSON.stringify((await store.journal.read(`session:${sessionId}`, 0)).map((e) => e.event));
    expect(journal).toContain('ElevationAnswered');
    const root = await t.login('root');
    const exportText = async (q: string): Promise<string> => (await fetch(`${t.url}/api/admin/audit?${q}`, { headers: { authorization: `Bearer ${root}` } })).text();
    const jsonl = await exportText(`sessionId=${sessionId}`);
    const csv = await exportText(`sessionId=${sessionId}&format=csv`);
    const all = await exportText('from=0');
    expect(jsonl).toContain('ElevationRequested');
    // The export carries each session event's chain fields (in details), to be checked against the journal's.
    const lines = jsonl.trim().split('\n').map((l) => JSON.parse(l) as { seq: number | null; details: { hash?: string; prevHash?: string } });
    const journaled = (await store.journal.read(`session:${sessionId}`, 0)).map((e) => e.event as { seq: number; hash: string; prevHash: string });
    for (const j of journaled) expect(lines.find((x) => x.seq === j.seq)?.details).toMatchObject({ hash: j.hash, prevHash: j.prevHash });
    expect([...leaks('the journal', journal), ...leaks('the audit JSONL', jsonl), ...leaks('the audit CSV', csv), ...leaks('the whole audit log', all)]).toEqual([]);
    await alice.close();
    await desk.ws.close();
  });
});
