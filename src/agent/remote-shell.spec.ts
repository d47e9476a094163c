import { RemoteShells } from './remote-shell';
import type { ShellLink } from './shell-output';

type Out = { event: 'shell.output' | 'shell.exit'; data: Record<string, unknown> };

/** A connection that is always open and whose server answers every message at once. */
function linkTo(out: Out[]): ShellLink {
  return { isOpen: () => true, buffered: () => 0, send: (event, data, answered) => { out.push({ event, data }); if (answered) setImmediate(answered); } };
}

/** Waits for a message the shells sent that matches. */
async function until(out: Out[], match: (o: Out) => boolean, ms = 5000): Promise<Out> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = out.find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(out)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const text = (out: Out[], shellId: string): string => out.filter((o) => o.data.shellId === shellId).map((o) => String(o.data.data ?? '')).join('');

describe('RemoteShells (the agent\'s command shells, a real /bin/sh in a pseudo-terminal)', () => {
  let shells: RemoteShells;
  afterEach(() => shells.close());

  test('input reaches a shell only for its own session; a refused shell exits at once; close kills the process', async () => {
    const out: Out[] = [];
    shells = new RemoteShells(linkTo(out), '/bin/sh');
    shells.open('s1', 'sh1');
    const [pid] = shells.pids;
    shells.input('s2', 'sh1', 'echo other-$((2*3))\n');
    shells.input('s1', 'sh1', 'echo own-$((4*5))\n');
    await until(out, (o) => o.event === 'shell.output' && String(o.data.data).includes('own-20'));
    expect(text(out, 'sh1')).not.toContain('other');

    shells.refuse('s9', 'sh9', 'this desktop is not in that session');
    expect(out.filter((o) => o.data.shellId === 'sh9')).toEqual([
      { event: 'shell.output', data: { sessionId: 's9', shellId: 'sh9', data: 'command shell refused by the desktop: this desktop is not in that session\r\n' } },
      { event: 'shell.exit', data: { sessionId: 's9', shellId: 'sh9', code: -1 } },
    ]);
    expect(shells.count).toBe(1);

    shells.close();
    expect(shells.count).toBe(0);
    await until(out, (o) => o.event === 'shell.exit' && o.data.shellId === 'sh1');
    expect(() => process.kill(pid!, 0)).toThrow();
  });

  test('the shell has a terminal of the size it was opened with, then of each resize (its own session\'s only)', async () => {
    const out: Out[] = [];
    shells = new RemoteShells(linkTo(out), '/bin/sh');
    shells.open('s1', 'sh1', { cols: 97, rows: 31 });
    shells.input('s1', 'sh1', 'tty; echo size-$(stty size)\n');
    await until(out, () => /size-31 97/.test(text(out, 'sh1')));
    expect(text(out, 'sh1')).toMatch(/\/dev\/pts\/\d+/);

    shells.resize('s2', 'sh1', { cols: 40, rows: 10 });
    shells.resize('s1', 'sh1', { cols: 132, rows: 43 });
    shells.input('s1', 'sh1', 'echo now-$(stty size)\n');
    await until(out, () => /now-43 132/.test(text(out, 'sh1')));
    expect(text(out, 'sh1')).not.toContain('now-10 40');
  });

  test('a shell that cannot start says why and exits', async () => {
    const out: Out[] = [];
    shells = new RemoteShells(linkTo(out), '/nonexistent/shell');
    shells.open('s1', 'sh1');
    await until(out, (o) => o.event === 'shell.exit' && o.data.shellId === 'sh1');
    expect(shells.count).toBe(0);
  });
});
