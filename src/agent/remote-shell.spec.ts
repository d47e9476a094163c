import { RemoteShells } from './remote-shell';

type Out = { event: 'shell.output' | 'shell.exit'; data: Record<string, unknown> };

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

describe('RemoteShells (the agent\'s command shells, a real /bin/sh)', () => {
  test('input reaches a shell only for its own session; a refused shell exits at once; close kills the process', async () => {
    const out: Out[] = [];
    const shells = new RemoteShells((event, data) => void out.push({ event, data }), '/bin/sh');
    shells.open('s1', 'sh1');
    const [pid] = shells.pids;
    shells.input('s2', 'sh1', 'echo other-$((2*3))\n');
    shells.input('s1', 'sh1', 'echo own-$((4*5))\n');
    await until(out, (o) => o.event === 'shell.output' && String(o.data.data).includes('own-20'));
    expect(out.map((o) => String(o.data.data ?? '')).join('')).not.toContain('other-6');

    shells.refuse('s9', 'sh9', 'this desktop is not in that session');
    expect(out.filter((o) => o.data.shellId === 'sh9')).toEqual([
      { event: 'shell.output', data: { sessionId: 's9', shellId: 'sh9', data: 'command shell refused by the desktop: this desktop is not in that session\n' } },
      { event: 'shell.exit', data: { sessionId: 's9', shellId: 'sh9', code: -1 } },
    ]);
    expect(shells.count).toBe(1);

    shells.close();
    expect(shells.count).toBe(0);
    await until(out, (o) => o.event === 'shell.exit' && o.data.shellId === 'sh1');
    expect(() => process.kill(pid!, 0)).toThrow();
  });
});
