import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { X11Clipboard, X11Screen } from '../../src/native/x11';
import { startDesktopAgent } from '../support/desktop-agent';
import { startInProcessNode, type TestNode } from '../support/node';
import { person } from '../support/people';
import { waitFor } from '../support/wait';
import { startXvfb, type TestDisplay } from '../support/xvfb';

/** A real PNG file: `w`×`h` RGB of noise, so it does not compress away. */
function png(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const raw = randomBytes((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) raw[y * (w * 3 + 1)] = 0; // filter type "none" on every row
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * Clipboard sync through a real node and the real agent on Xvfb: another X client on the display plays
 * the customer's application (it copies, and it reads what is pasted). Text passes both ways only in
 * interact, only for the member holding control, and not once the customer turned it off; the session
 * records each transfer with its type and size, never the text.
 */
describe('clipboard between the technician and the customer\'s desktop', () => {
  let t: TestNode;
  let x: TestDisplay;
  beforeAll(async () => {
    // Two XRandR monitors side by side, as the proof asks: the clipboard is the display's, not a monitor's.
    x = await startXvfb({ width: 1280, height: 480 });
    await x.x('xrandr', ['--setmonitor', 'left', '640/169x480/127+0+0', 'screen']);
    await x.x('xrandr', ['--setmonitor', 'right', '640/169x480/127+640+0', 'none']);
    t = await startInProcessNode();
  });
  afterAll(async () => {
    await t?.stop();
    await x?.stop();
  });

  it('passes text and PNG images both ways in interact only, to the controller only, and not when the customer turns it off', async () => {
    const x11 = new X11Screen(x.display);
    const appSaw: string[] = [];
    const appImages: Buffer[] = [];
    const app = new X11Clipboard(x.display, 1024 * 1024, (c) => { if (c.mime === 'text/plain') appSaw.push(c.text); else appImages.push(c.data); });
    const desk = await startDesktopAgent(t, 'desk-clip', {
      screen: { monitors: () => x11.monitors(), capture: (m, o) => x11.capture(m, o), close: () => x11.close() },
      injector: x11,
      clipboard: { watch: (onChange, maxBytes) => new X11Clipboard(x.display, maxBytes, onChange) },
    });
    const alice = await person(t, 'alice');
    const bob = await person(t, 'bob');
    try {
      const row = await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.find((a: { agentId: string }) => a.agentId === desk.agentId));
      expect(row.displays).toHaveLength(2);
      const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
      await desk.waitForQuestion('asks to');
      desk.type('y', 'observe');
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.mode === 'observe');
      const { inviteId } = await alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } });
      await bob.ask('invite.respond', { sessionId, inviteId, accept: true });

      // Observe: refused, and the desktop does not follow its clipboard.
      await expect(alice.ask('clipboard', { sessionId, mime: 'text/plain', text: 'nope' })).rejects.toMatchObject({ code: 'MODE_FORBIDS_INPUT' });
      app.set('copied while only observed');
      await new Promise((r) => setTimeout(r, 400));
      expect(alice.all('clipboard')).toEqual([]);

      desk.type('interact');
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.mode === 'interact' && s.clipboard === true);
      // Technician → desktop: the application on the display gets the exact text.
      const text = 'net use P: \\\\print01\\floor2 — Grüße ✓';
      expect(await alice.ask('clipboard', { sessionId, mime: 'text/plain', text })).toMatchObject({ size: Buffer.byteLength(text) });
      await waitFor('the application to see the pasted clipboard', () => appSaw.includes(text), 5000, 20);
      // A member without control cannot.
      await expect(bob.ask('clipboard', { sessionId, mime: 'text/plain', text: 'x' })).rejects.toMatchObject({ code: 'NOT_CONTROLLER' });

      // Desktop → technician: what the application copies reaches the controller (alice), not bob.
      app.set('error 0x80070005 from the spooler');
      expect(await alice.next('clipboard', (c) => c.sessionId === sessionId, 5000)).toEqual({ sessionId, mime: 'text/plain', text: 'error 0x80070005 from the spooler' });
      const sent = alice.all('session.event').filter((e) => e.sessionId === sessionId && e.type === 'ClipboardSent');
      expect(sent.map((e) => [e.direction, e.size])).toEqual([['to-customer', Buffer.byteLength(text)], ['to-technician', 33]]);
      expect(JSON.stringify(sent)).not.toContain('spooler'); // the journal has type and size, never the text
      await new Promise((r) => setTimeout(r, 200));
      expect(bob.all('clipboard')).toEqual([]);

      // Images (PNG) both ways, byte for byte; the event has the type and the size.
      const shot = png(120, 80);
      expect(await alice.ask('clipboard', { sessionId, mime: 'image/png', data: shot.toString('base64') })).toMatchObject({ size: shot.length });
      await waitFor('the application to see the image', () => appImages.some((b) => b.equals(shot)), 5000, 20);
      const diagram = png(200, 150);
      app.set({ mime: 'image/png', data: diagram });
      expect(await alice.next('clipboard', (c) => c.sessionId === sessionId && c.mime === 'image/png', 5000)).toEqual({ sessionId, mime: 'image/png', data: diagram.toString('base64') });
      const images = alice.all('session.event').filter((e) => e.sessionId === sessionId && e.type === 'ClipboardSent' && e.mime === 'image/png');
      expect(images.map((e) => [e.direction, e.size])).toEqual([['to-customer', shot.length], ['to-technician', diagram.length]]);
      // Over clipboard.maxBytes (512 KiB by default): refused, and nothing reaches the desktop.
      const huge = png(400, 500);
      expect(huge.length).toBeGreaterThan(512 * 1024);
      const before = appImages.length;
      await expect(alice.ask('clipboard', { sessionId, mime: 'image/png', data: huge.toString('base64') })).rejects.toMatchObject({ code: 'CLIPBOARD_TOO_LARGE' });
      // An image without data, or data that is not base64: refused by the schema, the field named.
      await expect(alice.ask('clipboard', { sessionId, mime: 'image/png', text: 'x' })).rejects.toMatchObject({ code: 'INVALID_DATA' });
      await expect(alice.ask('clipboard', { sessionId, mime: 'image/png', data: 'not base64!' })).rejects.toMatchObject({ code: 'INVALID_DATA', message: expect.stringContaining('data') });
      await expect(alice.ask('clipboard', { sessionId, mime: 'image/gif', data: 'R0lGODlh' })).rejects.toMatchObject({ code: 'INVALID_DATA' });
      await new Promise((r) => setTimeout(r, 300));
      expect(appImages.length).toBe(before);

      // The customer turns it off: nothing passes either way.
      desk.type('clipboard off');
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.clipboard === false);
      await expect(alice.ask('clipboard', { sessionId, mime: 'text/plain', text: 'again' })).rejects.toMatchObject({ code: 'CLIPBOARD_OFF' });
      const received = alice.all('clipboard').length;
      app.set('copied after it was turned off');
      await new Promise((r) => setTimeout(r, 400));
      expect(alice.all('clipboard').length).toBe(received);
      expect(alice.all('session.event').filter((e) => e.type === 'ClipboardSet')).toMatchObject([{ enabled: false, actor: { kind: 'customer' } }]);
    } finally {
      app.stop();
      desk.stop();
      await alice.close();
      await bob.close();
    }
  });
});
