#!/usr/bin/env node
/*
 * bench/recording: what recording costs the relay, and how large a recording is.
 *
 * 1. Relay throughput with and without recording, in the same run: one Tandem node, an agent
 *    streaming binary tile frames to `--viewers` viewers of a session in observe (as bench/relay.js
 *    does), once in a session that is not recorded (the baseline) and once in a session whose owner
 *    started recording (every relayed frame is appended to the recording on the local disk).
 *    After a discarded warm-up pair, baseline and recorded runs alternate (in alternating order),
 *    --repeat times each; the best of each is compared (on a shared machine the slow runs measure
 *    the neighbours).
 *    Prints MB/s and frames/s delivered, the node's CPU per frame (process CPU minus the load
 *    worker's thread), the bytes the recording wrote, and the ratios. No thresholds.
 *
 * 2. Bytes per minute for a typical office screen: a 1920×1080 desktop (a document window with
 *    text, a task bar) where someone types a few characters a second, a new line every 8 s, the
 *    clock changes every minute and the document scrolls every 45 s; the cursor moves. The frames
 *    are made the way the agent makes them (native diffTiles on 64-pixel tiles + encodeTiles, JPEG
 *    or lossless per tile), sent through the node with recording on, time-compressed (the bytes do
 *    not depend on the pace), and the recording file is measured: the first full frame, then the
 *    steady bytes per minute.
 *
 * The server runs in this thread; the agent and the viewers of part 1 run in a worker thread.
 *   node_modules/.bin/tsc -p tsconfig.build.json && node bench/recording.js [--seconds 3] [--repeat 4] [--viewers 1] [--tiles 12] [--tile-kb 8] [--window 4] [--minutes 5]
 */
'use strict';
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const { join } = require('node:path');
const WebSocket = require('ws');
const { driveFrames } = require('./lib/drive-frames');

const DIST = join(__dirname, '..', 'dist');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};

if (isMainThread) main().catch((err) => { console.error(err); process.exit(1); });
else load(workerData).then((r) => parentPort.postMessage(r), (err) => parentPort.postMessage({ error: String(err && err.stack || err) }));

// ---------------------------------------------------------------------------------------------
// Main thread: the node.

async function main() {
  const { mkdtempSync, rmSync, statSync } = require('node:fs');
  const { tmpdir } = require('node:os');
  const bcrypt = require('bcryptjs');
  const { loadConfig } = require(`${DIST}/config/load-config`);
  const { startNode } = require(`${DIST}/node/start-node`);
  const { SessionRecorder } = require(`${DIST}/recording/session-recorder`);

  const opts = {
    seconds: Number(arg('seconds', 3)), tiles: Number(arg('tiles', 12)), tileBytes: Number(arg('tile-kb', 8)) * 1024, window: Number(arg('window', 4)),
  };
  const repeat = Number(arg('repeat', 4));
  const counts = String(arg('viewers', '1')).split(',').map(Number);
  const most = Math.max(...counts);
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-rec-'));
  const names = ['owner', ...Array.from({ length: most }, (_v, i) => `v${i + 1}`)];
  const users = names.map((u) => ({ username: u, displayName: u, role: 'technician', teams: ['helpdesk'], passwordHash: bcrypt.hashSync(`${u}-pw`, 4) }));
  const config = loadConfig({ env: {}, overrides: {
    node: { host: '127.0.0.1', port: 0, dataDir }, log: { level: 'error', pretty: false },
    auth: { enrollmentSecret: 'bench-secret' }, users,
    ws: { rateLimit: { messagesPerSecond: 1000000, burst: 1000000, framesPerSecond: 1000000, frameBurst: 1000000 } },
    recording: { maxBytes: 64 * 1024 * 1024 * 1024, retentionDays: 0 },
  } });
  const node = await startNode(config);
  const recorder = node.app.get(SessionRecorder);
  const recDir = join(dataDir, 'recordings');
  const fileOf = (sessionId) => join(recDir, `${sessionId.replace(/:/g, '%3A')}.trec`);

  console.log(`bench/recording: ${opts.tiles} tiles × ${opts.tileBytes / 1024} KiB + end-of-frame per frame, ${opts.seconds} s per run, agent ≤ ${opts.window} frames ahead of the slowest viewer; recordings in ${recDir}`);
  const best = (runs) => runs.reduce((a, b) => (b.mbps > a.mbps ? b : a));
  const summary = [];
  for (const viewers of counts) {
    const baseRuns = [];
    const recRuns = [];
    const recorded = async () => {
      const r = await inWorker({ url: node.url, viewers, record: true, ...opts });
      await recorder.flush();
      r.written = statSync(fileOf(r.sessionId)).size;
      // Keep the disk from filling over many runs: the file was measured.
      rmSync(fileOf(r.sessionId), { force: true });
      return r;
    };
    // One discarded pair first (JIT, caches), then pairs in alternating order, so neither side always runs first.
    await inWorker({ url: node.url, viewers, record: false, ...opts });
    await recorded();
    for (let i = 0; i < repeat; i++) {
      if (i % 2 === 0) {
        baseRuns.push(await inWorker({ url: node.url, viewers, record: false, ...opts }));
        recRuns.push(await recorded());
      } else {
        recRuns.push(await recorded());
        baseRuns.push(await inWorker({ url: node.url, viewers, record: false, ...opts }));
      }
    }
    const base = best(baseRuns);
    const rec = best(recRuns);
    const cpu = (runs) => Math.min(...runs.map((x) => x.cpuPerFrame));
    const line = (name, r, runs) => `${name.padEnd(31)} ${r.mbps.toFixed(1).padStart(8)} MB/s  ${r.fps.toFixed(0).padStart(6)} frames/s  ${cpu(runs).toFixed(0).padStart(5)} µs CPU/frame  (${r.frames} frames, lost ${r.lost}; runs ${runs.map((x) => x.mbps.toFixed(0)).join('/')} MB/s, ${runs.map((x) => x.cpuPerFrame.toFixed(0)).join('/')} µs/frame)`;
    console.log(`\n${viewers} viewer${viewers === 1 ? '' : 's'}:`);
    console.log(line('relay, not recorded (baseline)', base, baseRuns));
    console.log(line('relay, recorded', rec, recRuns));
    console.log(`  recording written: ${(rec.written / 1e6).toFixed(1)} MB in ${rec.seconds.toFixed(1)} s = ${(rec.written / rec.seconds / 1e6).toFixed(1)} MB/s (${((rec.written / (rec.frames * (opts.tiles + 1))) || 0).toFixed(0)} B per frame record incl. header)`);
    console.log(`ratio (recorded / baseline): MB/s ${(rec.mbps / base.mbps).toFixed(3)}x, frames/s ${(rec.fps / base.fps).toFixed(3)}x, node CPU per frame ${(cpu(recRuns) / cpu(baseRuns)).toFixed(3)}x`);
    summary.push(`${viewers}v throughput ${(rec.fps / base.fps).toFixed(2)}x, CPU/frame ${(cpu(recRuns) / cpu(baseRuns)).toFixed(2)}x`);
  }

  const office = await officeScreen(node, recorder, fileOf, Number(arg('minutes', 5)));
  console.log(`\noffice screen (1920×1080, typing, a line every 8 s, a scroll every 45 s, the clock each minute), ${office.minutes} simulated minutes:`);
  console.log(`  first full frame            ${(office.first / 1024).toFixed(0).padStart(8)} KiB (${office.firstTiles} tiles)`);
  console.log(`  after it                    ${(office.steadyPerMinute / 1024).toFixed(0).padStart(8)} KiB per minute (${office.tilesPerMinute.toFixed(0)} tiles/min, ${office.recordsPerMinute.toFixed(0)} records/min)`);
  console.log(`  whole recording             ${(office.total / 1024).toFixed(0).padStart(8)} KiB = ${(office.total / office.minutes / 1024).toFixed(0)} KiB per minute including the first frame; ${(office.total / office.minutes * 60 / 1e6).toFixed(1)} MB per hour`);
  console.log(`  baseline in the same run: the raw BGRA of one full screen is ${(1920 * 1080 * 4 / 1024).toFixed(0)} KiB; the same ${office.minutes} minutes as full frames once a second would be ${(1920 * 1080 * 4 * 60 * office.minutes / 1e9).toFixed(1)} GB`);
  console.log(`\nsummary (recorded / not recorded): ${summary.join('; ')}; office screen ${(office.steadyPerMinute / 1024).toFixed(0)} KiB/min steady, ${(office.total / office.minutes / 1024).toFixed(0)} KiB/min with the first frame`);
  await node.close();
  rmSync(dataDir, { recursive: true, force: true });
}

/** utime + stime of this thread in µs (/proc/thread-self/stat fields 14 and 15, in clock ticks). */
function threadCpuMicros() {
  const stat = require('node:fs').readFileSync('/proc/thread-self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * (1e6 / CLK_TCK);
}
const CLK_TCK = Number(require('node:child_process').execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/**
 * Runs the load in a worker; adds `cpuPerFrame`: the CPU µs the process spent per agent frame, minus
 * the worker's own thread (agent and viewers), i.e. the node's relay + recorder + file writes. Less
 * sensitive to neighbours on a shared machine than throughput, since waiting costs no CPU.
 */
function inWorker(data) {
  const before = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'recording.js'), { workerData: data });
    worker.once('message', (r) => {
      if (r.error) return reject(new Error(r.error));
      const used = process.cpuUsage(before);
      r.cpuPerFrame = (used.user + used.system - r.workerCpu) / Math.max(1, r.frames);
      resolve(r);
    });
    worker.once('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// Part 2: the office screen, in the main thread (the frames are made before they are sent).

/** A deterministic pseudo-random source, so every run draws the same screen. */
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

async function officeScreen(node, recorder, fileOf, minutes) {
  const { statSync } = require('node:fs');
  const { diffTiles, encodeTiles } = require(`${DIST}/native/index`);
  const { encodeFrame, Encoding, FrameType } = require(`${DIST}/media/frame-codec`);
  const W = 1920;
  const H = 1080;
  const frame = new Uint8Array(W * H * 4);
  const fill = (x, y, w, h, [r, g, b]) => {
    for (let yy = y; yy < Math.min(H, y + h); yy++) {
      for (let xx = x; xx < Math.min(W, x + w); xx++) {
        const o = (yy * W + xx) * 4;
        frame[o] = b; frame[o + 1] = g; frame[o + 2] = r; frame[o + 3] = 255;
      }
    }
  };
  const rand = rng(42);
  // Desktop, a window with a title bar and a white document, a task bar with a clock.
  fill(0, 0, W, H, [36, 94, 140]);
  fill(160, 80, 1400, 860, [240, 240, 240]);
  fill(160, 80, 1400, 36, [52, 60, 80]);
  fill(200, 140, 1320, 780, [255, 255, 255]);
  fill(0, H - 48, W, 48, [30, 30, 36]);
  const DOC = { x: 220, y: 160, w: 1280, lineH: 22, lines: 34 };
  const glyph = (x, y) => {
    // A character: a few dark strokes in a 9×14 box (text is what changes on an office screen).
    const strokes = 2 + Math.floor(rand() * 3);
    for (let k = 0; k < strokes; k++) {
      const vertical = rand() < 0.5;
      fill(x + Math.floor(rand() * 7), y + Math.floor(rand() * 10), vertical ? 2 : 2 + Math.floor(rand() * 6), vertical ? 4 + Math.floor(rand() * 8) : 2, [20, 20, 30]);
    }
  };
  const lines = [];
  const drawLine = (row, chars) => {
    fill(DOC.x, DOC.y + row * DOC.lineH, DOC.w, DOC.lineH, [255, 255, 255]);
    for (let c = 0; c < chars; c++) if (rand() > 0.16) glyph(DOC.x + c * 10, DOC.y + row * DOC.lineH + 4);
  };
  for (let row = 0; row < 20; row++) { lines.push(40 + Math.floor(rand() * 80)); drawLine(row, lines[row]); }
  const clock = (n) => { fill(W - 110, H - 38, 90, 28, [30, 30, 36]); for (let c = 0; c < 5; c++) if ((n >> c) & 1 || c === 2) fill(W - 100 + c * 16, H - 32, 10, 16, [220, 220, 220]); };
  clock(0);

  // The session, recorded.
  const { agent, sessionId, end } = await tandemSetup(node.url, 1, true);
  const send = (bytes) => agent.send(bytes, { binary: true });
  let seq = 1;
  let prev = null;
  let tiles = 0;
  let records = 0;
  const emit = async () => {
    const rects = prev ? diffTiles(prev, frame, W, H, W * 4) : tilesOf(W, H);
    const encoded = await encodeTiles({ data: frame, width: W, height: H }, rects, { quality: 80, parallel: 2 });
    if (!prev) send(encodeFrame({ type: FrameType.ScreenInfo, encoding: Encoding.None, monitor: 0, frameSeq: seq, timestamp: Date.now(), x: 0, y: 0, width: W, height: H, sessionId, payload: new Uint8Array(0) }));
    for (const t of encoded) {
      send(encodeFrame({ type: FrameType.Tile, encoding: t.encoding === 'jpeg' ? Encoding.Jpeg : Encoding.Lossless, monitor: 0, frameSeq: seq, timestamp: Date.now(), x: t.x, y: t.y, width: t.w, height: t.h, sessionId, payload: t.data }));
    }
    send(encodeFrame({ type: FrameType.EndOfFrame, encoding: Encoding.None, monitor: 0, frameSeq: seq, timestamp: Date.now(), x: 0, y: 0, width: W, height: H, sessionId, payload: new Uint8Array(0) }));
    tiles += encoded.length;
    records += encoded.length + 1;
    seq++;
    prev = frame.slice();
    await ask(agent, 'ping', {});
  };
  await emit();
  await recorder.flush(sessionId);
  const first = statSync(fileOf(sessionId)).size;
  const firstTiles = tiles;
  tiles = 0;
  records = 0;
  let row = lines.length;
  let col = 0;
  for (let second = 1; second <= minutes * 60; second++) {
    // Typing: 3 to 6 characters a second at the caret.
    const n = 3 + Math.floor(rand() * 4);
    for (let c = 0; c < n && col < 125; c++, col++) if (rand() > 0.16) glyph(DOC.x + col * 10, DOC.y + Math.min(row, DOC.lines - 1) * DOC.lineH + 4);
    if (second % 8 === 0) { row++; col = 0; }
    // Scrolling: the document moves up by ten lines.
    if (second % 45 === 0 || row >= DOC.lines) {
      const shift = 10 * DOC.lineH;
      for (let y = DOC.y; y < DOC.y + DOC.lines * DOC.lineH - shift; y++) frame.copyWithin((y * W + DOC.x) * 4, ((y + shift) * W + DOC.x) * 4, ((y + shift) * W + DOC.x + DOC.w) * 4);
      fill(DOC.x, DOC.y + (DOC.lines * DOC.lineH - shift), DOC.w, shift, [255, 255, 255]);
      row = Math.max(0, Math.min(row, DOC.lines) - 10);
    }
    if (second % 60 === 0) clock(second / 60);
    await emit();
    // The cursor moves a little most seconds (a cursor record, as the agent sends it).
    if (rand() < 0.7) {
      send(encodeFrame({ type: FrameType.Cursor, encoding: Encoding.None, monitor: 0, frameSeq: seq, timestamp: Date.now(), x: Math.floor(rand() * W), y: Math.floor(rand() * H), width: 0, height: 0, sessionId, payload: new Uint8Array(0) }));
      records++;
    }
  }
  await ask(agent, 'ping', {});
  await recorder.flush(sessionId);
  const total = statSync(fileOf(sessionId)).size;
  await end();
  return { minutes, first, firstTiles, total, steadyPerMinute: (total - first) / minutes, tilesPerMinute: tiles / minutes, recordsPerMinute: records / minutes };
}

function tilesOf(W, H) {
  const out = [];
  for (let y = 0; y < H; y += 64) for (let x = 0; x < W; x += 64) out.push({ x, y, w: Math.min(64, W - x), h: Math.min(64, H - y) });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Worker thread (part 1): the agent and the viewers.

function connect(url, token) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

let nextId = 1;
function ask(ws, event, data) {
  return new Promise((resolve, reject) => {
    const id = `b${nextId++}`;
    const on = (raw, isBinary) => {
      if (isBinary) return;
      const m = JSON.parse(raw.toString());
      if (m.id !== id) return;
      ws.off('message', on);
      if (m.event === 'ack') resolve(m.data);
      else reject(new Error(`${event}: ${m.data.code} ${m.data.message}`));
    };
    ws.on('message', on);
    ws.send(JSON.stringify({ event, data, id }));
  });
}

async function post(url, body, token) {
  const res = await globalThis.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** An enrolled agent, a session with `viewers` members (the owner is one), in observe, recorded when asked. */
async function tandemSetup(url, viewers, record) {
  const wsUrl = url.replace(/^http/, 'ws');
  const login = async (u) => (await post(`${url}/api/auth/login`, { username: u, password: `${u}-pw` })).token;
  const enrolled = await post(`${url}/api/agents/enroll`, { hostname: `bench-desk-${Date.now()}`, secret: 'bench-secret' });
  const agent = await connect(`${wsUrl}/ws/agent`, enrolled.token);
  await ask(agent, 'agent.hello', { hostname: 'bench-desk', osUser: 'bench', os: 'Linux', version: '0', pin: String(100000 + Math.floor(Math.random() * 899999)), displays: [] });
  const owner = await connect(`${wsUrl}/ws/console`, await login('owner'));
  const { sessionId } = await ask(owner, 'assist.request', { agentId: enrolled.agentId });
  await ask(agent, 'assist.respond', { sessionId, allow: true });
  const views = [owner];
  for (let i = 1; i < viewers; i++) {
    const ws = await connect(`${wsUrl}/ws/console`, await login(`v${i}`));
    const { inviteId } = await ask(owner, 'session.invite', { sessionId, target: { kind: 'representative', userId: `v${i}` } });
    await ask(ws, 'invite.respond', { sessionId, inviteId, accept: true });
    views.push(ws);
  }
  await ask(agent, 'mode.set', { sessionId, mode: 'observe' });
  if (record) await ask(owner, 'recording.start', { sessionId });
  const end = async () => {
    await ask(owner, 'session.end', { sessionId }).catch(() => undefined);
    for (const ws of [agent, ...views]) ws.close();
  };
  return { agent, owner, views, sessionId, end };
}

async function load(o) {
  const setup = await tandemSetup(o.url, o.viewers, o.record);
  const cpu0 = threadCpuMicros();
  const { frames, seconds, delivered, frameBytes, lost } = await driveFrames(setup, o, 300);
  await setup.end();
  return { workerCpu: threadCpuMicros() - cpu0, sessionId: setup.sessionId, frames, seconds, mbps: delivered / seconds / 1e6, fps: frames / seconds, lost: Math.round(lost / frameBytes) };
}
