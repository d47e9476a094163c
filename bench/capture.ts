/**
 * The capture core on a real 1920x1080 Xvfb, every figure next to a baseline measured in the same
 * run: one memcpy of a frame for the stages, and x11vnc serving the same screen changes to a VNC
 * client for the whole pipeline. Prints; never judges (no thresholds: these machines are noisy).
 *
 *   npm run bench            (all benches)   node build/bench/bench/capture.js [--seconds 5] [--rate 30] [--pairs N] [--agent-b OTHER/capture-agent.js]
 *
 * Stages (median of many runs): grab + diff of an unchanged frame (with XDamage the grab is skipped;
 * also forced), diff at 0 % / 5 % / 100 % change, the whole pipeline for a 5 % change, encode of a
 * full frame. Pipeline: a painter process changes 5 % of the screen 30 times a second; the agent's
 * capture loop (its own process) captures at 30 fps and sends tiles over a WebSocket, and x11vnc
 * serves the same changes to an RFB client asking for incremental ZRLE updates. Both processes'
 * CPU is read from /proc; frames delivered are counted at the receiving end. Then the same on an
 * unchanged screen (the painter stopped): what watching a quiet screen costs.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { WebSocketServer } from 'ws';
import { X11Screen } from '../src/native/x11';
import { freePort } from '../test/support/free-port';
import { startProcess, type TrackedProcess } from '../test/support/processes';
import { startXvfb } from '../test/support/xvfb';

const W = 1920;
const H = 1080;
const FRAME = W * H * 4;
const SECONDS = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 5;
const RATE = 30;
const arg = (name: string): string | undefined => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
/** Changes a second the painter makes (the agent captures at RATE fps whatever it is). */
const PAINT_RATE = Number(arg('--rate')) || RATE;
/** Pipeline rounds (x11vnc, the agent, the B agent in turn each round). */
const PAIRS = Number(arg('--pairs')) || 1;
/** Another build's bench/lib/capture-agent.js, measured in turn with this one (A/B in one run). */
const AGENT_B = arg('--agent-b');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (v: number): string => `${v.toFixed(2).padStart(7)} ms`;

function row(label: string, value: number, base: number, extra = ''): void {
  console.log(`  ${label.padEnd(50)} ${ms(value)}  ${(value / base).toFixed(2).padStart(6)}× memcpy${extra ? `  ${extra}` : ''}`);
}

function memcpyMs(): number {
  const a = Buffer.alloc(FRAME, 1);
  const b = Buffer.alloc(FRAME, 2);
  const runs: number[] = [];
  for (let i = 0; i < 60; i++) {
    const t0 = performance.now();
    a.copy(b);
    runs.push(performance.now() - t0);
  }
  return median(runs);
}

/** utime + stime of a process in clock ticks (/proc/PID/stat fields 14 and 15). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

async function cpuPercentOver(pid: number, seconds: number, during?: () => void): Promise<number> {
  const t0 = cpuTicks(pid);
  const w0 = performance.now();
  during?.();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return ((cpuTicks(pid) - t0) / TICKS_PER_SECOND / ((performance.now() - w0) / 1000)) * 100;
}

/** A minimal RFB 3.8 client: no authentication, ZRLE, incremental updates back to back; counts updates. */
class RfbCounter {
  updates = 0;
  bytes = 0;
  private buf = Buffer.alloc(0);
  private stage: 'version' | 'security' | 'result' | 'init' | 'messages' = 'version';
  private width = 0;
  private height = 0;
  private readonly sock: Socket;

  constructor(port: number, private readonly onReady: () => void) {
    this.sock = createConnection({ host: '127.0.0.1', port });
    this.sock.on('data', (d) => {
      this.bytes += d.length;
      this.buf = Buffer.concat([this.buf, d]);
      while (this.step()) { /* parse what is complete */ }
    });
    this.sock.on('error', () => undefined);
  }

  close(): void {
    this.sock.destroy();
  }

  private request(): void {
    const m = Buffer.alloc(10);
    m.writeUInt8(3, 0);
    m.writeUInt8(1, 1); // incremental
    m.writeUInt16BE(this.width, 6);
    m.writeUInt16BE(this.height, 8);
    this.sock.write(m);
  }

  private take(n: number): Buffer | null {
    if (this.buf.length < n) return null;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  private step(): boolean {
    switch (this.stage) {
      case 'version': {
        if (!this.take(12)) return false;
        this.sock.write('RFB 003.008\n');
        this.stage = 'security';
        return true;
      }
      case 'security': {
        if (this.buf.length < 1 || this.buf.length < 1 + this.buf[0]!) return false;
        const n = this.buf[0]!;
        const types = [...this.take(1 + n)!.subarray(1)];
        if (!types.includes(1)) throw new Error(`x11vnc offers no "None" security (${types.join(',')})`);
        this.sock.write(Buffer.from([1]));
        this.stage = 'result';
        return true;
      }
      case 'result': {
        const r = this.take(4);
        if (!r) return false;
        if (r.readUInt32BE(0) !== 0) throw new Error('RFB security handshake failed');
        this.sock.write(Buffer.from([1])); // ClientInit: shared
        this.stage = 'init';
        return true;
      }
      case 'init': {
        if (this.buf.length < 24) return false;
        const nameLength = this.buf.readUInt32BE(20);
        const init = this.take(24 + nameLength);
        if (!init) return false;
        this.width = init.readUInt16BE(0);
        this.height = init.readUInt16BE(2);
        const enc = Buffer.alloc(8);
        enc.writeUInt8(2, 0);
        enc.writeUInt16BE(1, 2);
        enc.writeInt32BE(16, 4); // ZRLE
        this.sock.write(enc);
        this.stage = 'messages';
        this.onReady();
        this.request();
        return true;
      }
      case 'messages':
        return this.message();
    }
  }

  /** One whole server message, or false until it has arrived. */
  private message(): boolean {
    if (this.buf.length < 1) return false;
    const type = this.buf[0]!;
    if (type === 0) {
      if (this.buf.length < 4) return false;
      const rects = this.buf.readUInt16BE(2);
      let off = 4;
      for (let i = 0; i < rects; i++) {
        if (this.buf.length < off + 12) return false;
        const w = this.buf.readUInt16BE(off + 4);
        const h = this.buf.readUInt16BE(off + 6);
        const enc = this.buf.readInt32BE(off + 8);
        off += 12;
        if (enc === 16) {
          if (this.buf.length < off + 4) return false;
          off += 4 + this.buf.readUInt32BE(off);
        } else if (enc === 0) {
          off += w * h * 4;
        } else if (enc === -223 || enc === -224) {
          // DesktopSize / LastRect pseudo-encodings: no payload
        } else {
          throw new Error(`unexpected RFB encoding ${enc}`);
        }
        if (this.buf.length < off) return false;
      }
      this.take(off);
      this.updates++;
      this.request();
      return true;
    }
    if (type === 2) {
      this.take(1);
      return true;
    }
    if (type === 3) {
      if (this.buf.length < 8) return false;
      const len = this.buf.readUInt32BE(4);
      return this.take(8 + len) !== null;
    }
    if (type === 1) {
      if (this.buf.length < 6) return false;
      const n = this.buf.readUInt16BE(4);
      return this.take(6 + n * 6) !== null;
    }
    throw new Error(`unexpected RFB message type ${type}`);
  }
}

interface Pipeline {
  cpu: number;
  fps: number;
  kbps: number;
}

/** The agent's capture loop (its own process) at RATE fps sending to a ws server here: its CPU, end-of-frames and bytes received. */
async function agentPipeline(script: string, display: string, procs: TrackedProcess[]): Promise<Pipeline> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  let frames = 0;
  let bytes = 0;
  wss.on('connection', (ws) => ws.on('message', (d: Buffer) => {
    bytes += d.length;
    if (d[2] === 3) frames++; // end of frame
  }));
  const port = (wss.address() as { port: number }).port;
  const agent = startProcess('capture-agent', process.execPath, [script, display, `ws://127.0.0.1:${port}`, String(RATE), '70']);
  procs.push(agent);
  await new Promise((r) => setTimeout(r, 1000));
  let f0 = 0;
  let b0 = 0;
  const cpu = await cpuPercentOver(agent.pid, SECONDS, () => { f0 = frames; b0 = bytes; });
  const result = { cpu, fps: (frames - f0) / SECONDS, kbps: (bytes - b0) / SECONDS / 1024 };
  await agent.stop();
  wss.close();
  return result;
}

/** x11vnc serving the display to an RFB client asking incremental ZRLE updates back to back. */
async function vncPipeline(display: string, procs: TrackedProcess[]): Promise<Pipeline> {
  const vncPort = await freePort();
  const vnc = startProcess('x11vnc', 'x11vnc', ['-display', display, '-rfbport', String(vncPort), '-localhost', '-nopw', '-forever', '-shared', '-quiet', '-noxrecord']);
  procs.push(vnc);
  let client: RfbCounter | undefined;
  const deadline = Date.now() + 15000;
  while (!client && Date.now() < deadline) {
    try {
      await new Promise<void>((ok, fail) => {
        const s = createConnection({ host: '127.0.0.1', port: vncPort }, () => { s.destroy(); ok(); });
        s.on('error', fail);
      });
      await new Promise<void>((ready) => { client = new RfbCounter(vncPort, ready); });
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  if (!client) throw new Error(`x11vnc did not listen on ${vncPort}: ${vnc.output()}`);
  await new Promise((r) => setTimeout(r, 1000));
  let u0 = 0;
  let vb0 = 0;
  const cpu = await cpuPercentOver(vnc.pid, SECONDS, () => { u0 = client!.updates; vb0 = client!.bytes; });
  const result = { cpu, fps: (client.updates - u0) / SECONDS, kbps: (client.bytes - vb0) / SECONDS / 1024 };
  client.close();
  await vnc.stop();
  return result;
}

async function main(): Promise<void> {
  const x = await startXvfb({ width: W, height: H });
  const procs: TrackedProcess[] = [];
  const screen = new X11Screen(x.display);
  try {
    await x.x('xsetroot', ['-solid', '#2b5797']);
    const base = memcpyMs();
    console.log(`capture @ ${W}x${H} on Xvfb ${x.display} (median of 30; ratios against one memcpy of a ${(FRAME / 1e6).toFixed(1)} MB frame)`);
    console.log(`  ${'memcpy of one frame (baseline)'.padEnd(50)} ${ms(base)}    1.00× memcpy`);

    await screen.capture(0, { full: true, quality: 70 });
    const stage = async (label: string, before: () => void, opts: { full?: boolean; forceGrab?: boolean; mode?: 'auto' | 'jpeg' }, pick: (r: { wall: number; grab: number; diff: number; encode: number; tiles: number; bytes: number }) => number, note?: (r: { tiles: number; bytes: number }) => string): Promise<void> => {
      const runs: { wall: number; grab: number; diff: number; encode: number; tiles: number; bytes: number }[] = [];
      for (let i = 0; i < 30; i++) {
        before();
        const t0 = performance.now();
        const r = await screen.capture(0, { full: opts.full ?? false, quality: 70, forceGrab: opts.forceGrab, mode: opts.mode });
        runs.push({ wall: performance.now() - t0, grab: r.ms?.grab ?? 0, diff: r.ms?.diff ?? 0, encode: r.ms?.encode ?? 0, tiles: r.tiles.length, bytes: r.tiles.reduce((s, t) => s + t.data.length, 0) });
      }
      const values = runs.map(pick);
      const mid = runs[values.indexOf(median(values))] ?? runs[0]!;
      row(label, median(values), base, note?.(mid));
    };
    let flip = 0;
    const band = Math.round(H * 0.05);
    const change5 = (): void => {
      flip++;
      for (let y = 0; y < band; y += 8) screen.paint(0, 400 + y, W, Math.min(8, band - y), ((flip * 37 + y * 11) & 0xff) << 16 | 0x4080);
    };
    const change100 = (): void => {
      flip++;
      screen.paint(0, 0, W, H, flip % 2 ? 0x203040 : 0x304050);
    };
    const nothing = (): void => undefined;
    await stage('grab + diff, unchanged, XDamage skips the grab', nothing, {}, (r) => r.wall);
    await stage('grab + diff, unchanged, grab forced', nothing, { forceGrab: true }, (r) => r.grab + r.diff);
    await stage('diff only, 0 % changed', nothing, { forceGrab: true }, (r) => r.diff);
    await stage('diff only, 5 % changed', change5, {}, (r) => r.diff);
    await stage('diff only, 100 % changed', change100, {}, (r) => r.diff);
    await stage('pipeline 5 % (grab + diff + encode, auto)', change5, {}, (r) => r.grab + r.diff + r.encode, (r) => `${r.tiles} tiles, ${(r.bytes / 1024).toFixed(1)} KiB`);
    await stage('encode 5 % as JPEG q70', change5, { mode: 'jpeg' }, (r) => r.encode, (r) => `${(r.bytes / 1024).toFixed(1)} KiB`);
    await stage('encode full frame (auto)', change100, { full: true }, (r) => r.encode, (r) => `${r.tiles} tiles, ${(r.bytes / 1024).toFixed(1)} KiB`);
    await stage('encode full frame (JPEG q70)', change100, { full: true, mode: 'jpeg' }, (r) => r.encode, (r) => `${(r.bytes / 1024).toFixed(1)} KiB`);

    // Whole pipelines under the same workload: 5 % of the screen changes 30 times a second; then the
    // same processes on an unchanged screen (the idle cost). With --agent-b, a second capture agent
    // (another build) runs in turn with the first, A/B, --pairs times.
    const build = resolve(__dirname, 'lib');
    const agents: [string, string][] = [['tandem capture loop (→ ws)', resolve(build, 'capture-agent.js')]];
    if (AGENT_B) agents.push(['tandem B: ' + AGENT_B.slice(-40), AGENT_B]);
    const line = (name: string, r: Pipeline): void => console.log(`  ${name.padEnd(46)} CPU ${r.cpu.toFixed(2).padStart(5)} %   ${r.fps.toFixed(1).padStart(5)} frames/s delivered   ${r.kbps.toFixed(0).padStart(6)} KiB/s`);
    const rounds = async (label: string): Promise<void> => {
      console.log(label);
      for (let pair = 0; pair < PAIRS; pair++) {
        const vnc = await vncPipeline(x.display, procs);
        line('x11vnc (→ RFB client, ZRLE)', vnc);
        for (const [name, script] of agents) {
          const r = await agentPipeline(script, x.display, procs);
          line(name, r);
          console.log(`    ratio / x11vnc: CPU ${(r.cpu / Math.max(0.1, vnc.cpu)).toFixed(2)}×, CPU per delivered frame ${((r.cpu / Math.max(0.1, r.fps)) / Math.max(0.001, vnc.cpu / Math.max(0.1, vnc.fps))).toFixed(2)}×`);
        }
      }
    };
    const painter = startProcess('painter', process.execPath, [resolve(build, 'painter.js'), x.display, String(W), String(H), '5', String(PAINT_RATE)]);
    procs.push(painter);
    await new Promise((r) => setTimeout(r, 500));
    await rounds(`\n${PAINT_RATE} changes/s of 5 % of the screen, ${SECONDS} s each (CPU % of one core, from /proc)`);
    await painter.stop();
    await new Promise((r) => setTimeout(r, 500));
    await rounds(`\nunchanged screen (no painter), ${SECONDS} s each`);
  } finally {
    screen.close();
    for (const p of procs.reverse()) await p.stop();
    await x.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
