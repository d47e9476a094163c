/**
 * Command shells flooding (`yes`) on one node: N real agents (`tandem-agent run --no-screen`, each its
 * own process with one shell) and N technicians (one console connection each) on a child node, as an
 * operator runs them. Per run: the output relayed (MB/s, in all and per shell), the node's and the
 * agents' CPU (/proc), the node's RSS before and at its peak, the longest chat round trip during the
 * flood, and how long Ctrl-C then `echo ok` take to answer. Prints; never judges (these machines are
 * noisy, and N agents plus N `yes` share its cores with the node).
 *
 *   npm run bench            (all benches)   node build/bench/bench/shell-flood.js [--shells 1,10] [--seconds 5]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import bcrypt from 'bcryptjs';
import WebSocket from 'ws';
import { PROJECT_ROOT } from '../src/config/load-config';
import { startChildNode } from '../test/support/node';
import { startProcess, type TrackedProcess } from '../test/support/processes';
import { testUsersConfig } from '../test/support/users';
import { waitFor } from '../test/support/wait';

const CLI = resolve(PROJECT_ROOT, 'dist', 'agent', 'cli.js');
const arg = (name: string): string | undefined => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : undefined; };
const COUNTS = (arg('shells') ?? '1,10').split(',').map(Number);
const SECONDS = Number(arg('seconds')) || 5;

/** utime + stime of a process in seconds (/proc/PID/stat fields 14 and 15). */
const cpuSeconds = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const rssBytes = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

/** A technician's console connection: counts shell output, keeps its tail, answers asks. */
class Technician {
  bytes = 0;
  tail = '';
  readonly events: Array<{ event: string; data: any }> = [];
  private nextId = 1;
  private readonly replies = new Map<string, (m: { event: string; data: any }) => void>();

  constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { event: string; data: any; id?: string };
      if (m.event === 'shell.output') {
        this.bytes += Buffer.byteLength(m.data.data);
        this.tail = (this.tail + m.data.data).slice(-4096);
      } else if (m.id && this.replies.has(m.id)) {
        this.replies.get(m.id)!(m);
        this.replies.delete(m.id);
      } else {
        this.events.push(m);
      }
    });
  }

  ask(event: string, data: unknown): Promise<any> {
    const id = `b${this.nextId++}`;
    return new Promise((res, rej) => {
      this.replies.set(id, (m) => (m.event === 'error' ? rej(new Error(JSON.stringify(m.data))) : res(m.data)));
      this.ws.send(JSON.stringify({ event, data, id }));
    });
  }

  async until(pred: (m: { event: string; data: any }) => boolean): Promise<void> {
    await waitFor('an event', () => this.events.some(pred), 30_000);
  }
}

async function run(n: number): Promise<void> {
  const techs = Array.from({ length: n }, (_, i) => ({ username: `bench${i}`, displayName: `Bench ${i}`, role: 'technician' as const, teams: ['helpdesk'], passwordHash: bcrypt.hashSync(`bench${i}-pw`, 4) }));
  const t = await startChildNode({ overrides: { users: [...testUsersConfig(), ...techs] } });
  const tmp = mkdtempSync(join(tmpdir(), 'bench-shell-'));
  const agents: TrackedProcess[] = [];
  try {
    const shells: Array<{ tech: Technician; sessionId: string; shellId: string }> = [];
    for (let i = 0; i < n; i++) {
      const agent = startProcess(`agent ${i}`, process.execPath, [CLI, 'run', '--no-screen', '--server', t.url, '--secret', 'test-enroll-secret', '--config', join(tmp, `agent${i}.json`), '--name', `bench-desk${i}`], { stdio: ['pipe', 'pipe', 'pipe'] });
      agents.push(agent);
      // The customer says yes to the assist and the elevation prompts.
      const yes = setInterval(() => agent.child.stdin!.write('y\n'), 200);
      const ws = new WebSocket(`${t.wsUrl}/ws/console`, { headers: { authorization: `Bearer ${await t.login(`bench${i}`)}` } });
      const tech = new Technician(ws);
      await new Promise((r) => ws.once('open', r));
      const agentId = await waitFor('the agent online', async () => (await tech.ask('online.list', {})).agents.find((a: any) => a.hostname === `bench-desk${i}`)?.agentId, 20_000);
      const { sessionId } = await tech.ask('assist.request', { agentId });
      await tech.until((m) => m.event === 'session.state' && m.data.sessionId === sessionId && m.data.status === 'active');
      await tech.ask('elevation.request', { sessionId, method: 'prompt' });
      await tech.until((m) => m.event === 'session.state' && m.data.sessionId === sessionId && m.data.elevated);
      clearInterval(yes);
      const { shellId } = await tech.ask('shell.open', { sessionId });
      shells.push({ tech, sessionId, shellId });
    }
    const nodeCpu0 = cpuSeconds(t.process.pid);
    const agentCpu0 = agents.map((a) => cpuSeconds(a.pid));
    const rss0 = rssBytes(t.process.pid);
    let rssPeak = rss0;
    const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, rssBytes(t.process.pid)); }, 50);
    await Promise.all(shells.map((s) => s.tech.ask('shell.input', { sessionId: s.sessionId, shellId: s.shellId, data: 'yes flood-line-of-the-command-shell\r' })));
    const started = Date.now();
    const chatMs: number[] = [];
    while (Date.now() - started < SECONDS * 1000) {
      const c0 = Date.now();
      await shells[0]!.tech.ask('chat.send', { sessionId: shells[0]!.sessionId, text: 'during the flood' });
      chatMs.push(Date.now() - c0);
      await new Promise((r) => setTimeout(r, 200));
    }
    const elapsed = (Date.now() - started) / 1000;
    const relayed = shells.reduce((sum, s) => sum + s.tech.bytes, 0);
    const nodeCpu = (cpuSeconds(t.process.pid) - nodeCpu0) / elapsed;
    const agentCpu = agents.reduce((sum, a, i) => sum + cpuSeconds(a.pid) - agentCpu0[i]!, 0) / elapsed / n;
    const okMs = await Promise.all(shells.map(async (s) => {
      const t0 = Date.now();
      await s.tech.ask('shell.input', { sessionId: s.sessionId, shellId: s.shellId, data: '\x03' });
      await s.tech.ask('shell.input', { sessionId: s.sessionId, shellId: s.shellId, data: 'echo ok-$((6*7))\r' });
      await waitFor('ok after Ctrl-C', () => s.tech.tail.includes('ok-42'), 30_000, 5);
      return Date.now() - t0;
    }));
    clearInterval(sampler);
    okMs.sort((a, b) => a - b);
    const disconnects = agents.reduce((sum, a) => sum + (a.output().match(/disconnected/g) ?? []).length, 0);
    const mb = (b: number): string => (b / 1048576).toFixed(2);
    console.log(`  ${String(n).padStart(3)} shells  ${mb(relayed / elapsed).padStart(6)} MB/s (${mb(relayed / elapsed / n)} per shell)  node CPU ${Math.round(nodeCpu * 100)} %  agent CPU ${Math.round(agentCpu * 100)} % each`
      + `  node RSS ${Math.round(rss0 / 1048576)} → ${Math.round(rssPeak / 1048576)} MB  chat ≤ ${Math.max(...chatMs)} ms  Ctrl-C→ok ${okMs[0]}/${okMs[okMs.length >> 1]}/${okMs[okMs.length - 1]} ms (min/median/max)  agent disconnects ${disconnects}`);
    for (const s of shells) s.tech.ws.close();
  } finally {
    for (const a of agents) await a.stop();
    await t.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`command shells flooding (yes) for ${SECONDS} s, default configuration:`);
  for (const n of COUNTS) await run(n);
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
