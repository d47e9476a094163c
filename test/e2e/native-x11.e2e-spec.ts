import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { decodeFrame, FrameType, type MediaFrame } from '../../src/media/frame-codec';
import { decodeJpeg, simdPaths } from '../../src/native';
import { decodeLossless } from '../../src/native/lossless-codec';
import { X11Clipboard, X11Screen, type ScreenTile } from '../../src/native/x11';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { waitFor } from '../support/wait';
import { startXvfb, type TestDisplay } from '../support/xvfb';

const W = 1280;
const H = 720;

/** The BGRA pixels of one wire tile (JPEG or lossless), decoded the way a viewer would. */
function pixels(t: ScreenTile): Uint8Array {
  if (t.encoding === 1) return decodeJpeg(t.data).data;
  const out = decodeLossless(t.data, t.width, t.height, (z) => inflateSync(z));
  if (!out.ok) throw new Error(`lossless tile does not decode: ${out.message}`);
  return out.bgra;
}

function near(a: number, b: number, tolerance = 6): boolean {
  return Math.abs(a - b) <= tolerance;
}

/**
 * The X11 half of the native core against a real Xvfb: XRandR monitors, XShm capture with XDamage,
 * XFixes cursor, XTest input — checked through a headed Chromium on the same display, which is
 * what makes the pixels change and what receives the injected clicks and text.
 */
describe('native X11 capture and input on Xvfb', () => {
  let x: TestDisplay;
  let screen: X11Screen;
  let chromium: TestBrowser;
  let page: Page;
  /** Screen position of the page's (0, 0). */
  const origin = { x: 0, y: 0 };

  beforeAll(async () => {
    x = await startXvfb({ width: W, height: H });
    await x.x('xsetroot', ['-solid', '#3366cc']);
    screen = new X11Screen(x.display);
  });

  afterAll(async () => {
    screen?.close();
    await chromium?.close();
    await x?.stop();
  });

  it('opens the display with every extension and lists its monitor', () => {
    expect(screen.features()).toEqual({ shm: true, damage: true, fixes: true, randr: true, xtest: true, motion: true });
    expect(screen.monitors()).toEqual([expect.objectContaining({ index: 0, x: 0, y: 0, width: W, height: H })]);
    expect(() => new X11Screen(':4242')).toThrow(expect.objectContaining({ code: 'DISPLAY_UNAVAILABLE' }));
    expect(() => new X11Screen('')).toThrow(expect.objectContaining({ code: 'DISPLAY_UNAVAILABLE' }));
  });

  it('wakes a watcher once when something is drawn, not while the screen is quiet', async () => {
    await screen.capture(0, { full: true, quality: 80 }); // drains the events so far
    await screen.capture(0, { full: false, quality: 80 });
    let woken = 0;
    expect(screen.watch(() => { woken += 1; })).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    expect(woken).toBe(0);
    const t0 = performance.now();
    screen.paint(10, 10, 20, 20, 0x11ee22);
    await waitFor('the wake-up after a paint', () => woken > 0, 2000, 1);
    expect(performance.now() - t0).toBeLessThan(500);
    // One shot: more drawing wakes nobody until it is armed again (after a capture drained it).
    screen.paint(40, 10, 20, 20, 0x22ee11);
    await new Promise((r) => setTimeout(r, 150));
    expect(woken).toBe(1);
    const r = await screen.capture(0, { full: false, quality: 80 });
    expect(r.tiles.length).toBeGreaterThan(0);
    expect(screen.watch(() => { woken += 1; })).toBe(true);
    screen.paint(10, 40, 20, 20, 0x2211ee);
    await waitFor('the second wake-up', () => woken === 2, 2000, 1);
  });

  it('captures a full frame as 64x64 tiles that cover the screen once and show its real colour, opaque', async () => {
    const r = await screen.capture(0, { full: true, quality: 90 });
    expect(r).toMatchObject({ paused: false, width: W, height: H });
    const area = r.tiles.reduce((sum, t) => sum + t.width * t.height, 0);
    expect(area).toBe(W * H);
    expect(r.tiles.every((t) => t.width <= 64 && t.height <= 64)).toBe(true); // a full frame is never merged
    // A solid root is a few colours per tile: the lossless path, exact pixels.
    const t = r.tiles[0]!;
    expect(t.encoding).toBe(2);
    const px = pixels(t);
    expect([px[0], px[1], px[2], px[3]]).toEqual([0xcc, 0x66, 0x33, 0xff]);
    expect(r.cursor).toMatchObject({ onMonitor: true });
    expect(r.cursor?.image).toMatchObject({ width: expect.any(Number), height: expect.any(Number) });
  });

  it('does not grab at all when XDamage saw nothing drawn, and sees a change of the root window', async () => {
    await screen.capture(0, { full: false, quality: 80 });
    const idle = await screen.capture(0, { full: false, quality: 80 });
    expect(idle.tiles).toEqual([]);
    expect(idle.ms?.grab).toBe(0);
    await x.x('xsetroot', ['-solid', '#22aa44']);
    const changed = await waitFor('the new colour', async () => {
      const r = await screen.capture(0, { full: false, quality: 80 });
      return r.tiles.length > 0 ? r : undefined;
    }, 5000, 20);
    expect(changed.tiles.reduce((s, t) => s + t.width * t.height, 0)).toBe(W * H);
    const px = pixels(changed.tiles[changed.tiles.length - 1]!);
    expect([px[0], px[1], px[2]]).toEqual([0x44, 0xaa, 0x22]);
  });

  it('reports exactly the tiles that random painted rectangles touched, the same with every SIMD path', async () => {
    let seed = 20261125;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const paths = simdPaths().supported;
    expect(paths).toContain('portable');
    for (let round = 0; round < 12; round++) {
      const base = 0x101010 * (round + 1);
      const ink = base ^ 0x8040c0;
      const rects = Array.from({ length: 1 + rand(4) }, () => {
        const w = 1 + rand(300);
        const h = 1 + rand(200);
        return { x: rand(W - w), y: rand(H - h), w, h };
      });
      const expected = new Set<string>();
      for (const r of rects) {
        for (let ty = Math.floor(r.y / 64); ty <= Math.floor((r.y + r.h - 1) / 64); ty++) {
          for (let tx = Math.floor(r.x / 64); tx <= Math.floor((r.x + r.w - 1) / 64); tx++) expected.add(`${tx * 64},${ty * 64}`);
        }
      }
      const results: string[][] = [];
      for (const path of paths) {
        screen.paint(0, 0, W, H, base);
        await screen.capture(0, { full: true, quality: 80 });
        for (const r of rects) screen.paint(r.x, r.y, r.w, r.h, ink);
        const c = await screen.capture(0, { full: false, quality: 80, path });
        // Merged runs (up to 8 tiles in a row) are expanded back to their 64x64 tiles.
        const tiles: string[] = [];
        for (const t of c.tiles) {
          expect(t.y % 64).toBe(0);
          expect(t.x % 64).toBe(0);
          expect(t.width).toBeLessThanOrEqual(8 * 64);
          for (let tx = t.x; tx < t.x + t.width; tx += 64) tiles.push(`${tx},${t.y}`);
        }
        results.push(tiles.sort());
        // Lossless tiles decode to exactly what was painted.
        let strangers = 0;
        for (const t of c.tiles.filter((t) => t.encoding === 2)) {
          const px = pixels(t);
          for (let i = 0; i < px.length; i += 4) {
            const rgb = (px[i + 2]! << 16) | (px[i + 1]! << 8) | px[i]!;
            if (rgb !== ink && rgb !== base) strangers++;
          }
        }
        expect(strangers).toBe(0);
      }
      expect(results[0]).toEqual([...expected].sort());
      for (const r of results) expect(r).toEqual(results[0]);
    }
    await x.x('xsetroot', ['-solid', '#22aa44']);
  });

  it('keeps what a viewer shows exact over many captures of changing bands (the double-buffered reference never goes stale)', async () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const colours = [0x112233, 0xaa4411, 0x33cc77]; // few colours: a row often changes back to what it was two grabs ago
    const truth = new Uint32Array(W * H);
    const canvas = new Uint32Array(W * H);
    const paint = (x0: number, y0: number, w: number, h: number, rgb: number): void => {
      screen.paint(x0, y0, w, h, rgb);
      for (let y = y0; y < y0 + h; y++) truth.fill(rgb, y * W + x0, y * W + x0 + w);
    };
    const apply = (tiles: ScreenTile[]): void => {
      for (const t of tiles) {
        const px = pixels(t);
        for (let y = 0; y < t.height; y++) {
          for (let x = 0; x < t.width; x++) {
            const i = (y * t.width + x) * 4;
            canvas[(t.y + y) * W + t.x + x] = (px[i + 2]! << 16) | (px[i + 1]! << 8) | px[i]!;
          }
        }
      }
    };
    const wrong = (): number => {
      let n = 0;
      for (let i = 0; i < truth.length; i++) if (canvas[i] !== truth[i]) n++;
      return n;
    };
    paint(0, 0, W, H, colours[0]!);
    apply((await screen.capture(0, { full: true, quality: 80, mode: 'lossless' })).tiles);
    expect(wrong()).toBe(0);
    const settle = async (round: number | string): Promise<void> => {
      for (let attempt = 0; attempt < 4 && wrong() > 0; attempt++) {
        apply((await screen.capture(0, { full: false, quality: 80, mode: 'lossless' })).tiles);
        if (wrong() > 0) await new Promise((r) => setTimeout(r, 20));
      }
      expect({ round, wrong: wrong() }).toEqual({ round, wrong: 0 });
    };
    // A tile changes and changes back while a taller band around it is grabbed: its reference must
    // be the last grab of its rows, not the older picture the other buffer still holds there.
    for (const y of [0, 320, 640]) {
      paint(128, y, 64, 64, colours[1]!);
      await settle(`flip at ${y}`);
      paint(128, y, 64, 64, colours[0]!);
      paint(600, Math.min(y + 64, H - 192), 300, 192, colours[2]!);
      await settle(`flip back at ${y}`);
    }
    for (let round = 0; round < 150; round++) {
      // Bands that overlap the previous ones, move, grow and shrink; sometimes nothing at all.
      for (let k = rand(4); k > 0; k--) {
        const w = 1 + rand(500);
        const h = 1 + rand(round % 3 === 0 ? 400 : 90);
        paint(rand(W - w), rand(H - h), w, h, colours[rand(colours.length)]!);
      }
      await settle(round);
    }
  });

  it('frames a capture natively as the media codec does: screen info, the same tiles byte for byte, end of frame', async () => {
    const other = new X11Screen(x.display); // its own reference frame and damage: sees the same changes
    try {
      const sid = 's_framed-1';
      const full = await screen.capture(0, { full: true, quality: 80, frame: { sessionId: sid, frameSeq: 7 } });
      const plainFull = await other.capture(0, { full: true, quality: 80 });
      const parse = (bytes: Uint8Array): MediaFrame[] => {
        const out: MediaFrame[] = [];
        for (let at = 0; at < bytes.length;) {
          const len = 33 + bytes[at + 32]! + new DataView(bytes.buffer, bytes.byteOffset + at + 28, 4).getUint32(0, true);
          const f = decodeFrame(bytes.subarray(at, at + len));
          if (!f.ok) throw new Error(f.message);
          out.push(f.frame);
          at += len;
        }
        return out;
      };
      const frames = parse(full.framed!.bytes);
      expect(full.framed!.tiles).toBe(plainFull.tiles.length);
      expect(frames.map((f) => f.type)).toEqual([FrameType.ScreenInfo, ...plainFull.tiles.map(() => FrameType.Tile), FrameType.EndOfFrame]);
      expect(frames.every((f) => f.sessionId === sid && f.frameSeq === 7 && f.monitor === 0 && f.timestamp === full.timestamp)).toBe(true);
      expect(frames[0]).toMatchObject({ x: 0, y: 0, width: W, height: H });
      expect(frames.at(-1)).toMatchObject({ width: W, height: H });
      for (let x0 = 0; x0 < 3; x0++) screen.paint(100 + x0 * 300, 200 + x0 * 90, 150, 70, 0x102030 * (x0 + 1));
      let changed: Awaited<ReturnType<X11Screen['capture']>> | undefined;
      await waitFor('the painted rects', async () => {
        changed = await screen.capture(0, { full: false, quality: 80, frame: { sessionId: sid, frameSeq: 0xffffffff } });
        return (changed.framed?.tiles ?? 0) > 0;
      }, 5000, 20);
      const plain = await other.capture(0, { full: false, quality: 80 });
      const tiles = parse(changed!.framed!.bytes);
      expect(tiles.map((f) => f.type)).toEqual([...plain.tiles.map(() => FrameType.Tile), FrameType.EndOfFrame]);
      plain.tiles.forEach((t, k) => {
        expect(tiles[k]).toMatchObject({ x: t.x, y: t.y, width: t.width, height: t.height, encoding: t.encoding, frameSeq: 0xffffffff });
        expect(Buffer.from(tiles[k]!.payload).equals(Buffer.from(t.data))).toBe(true);
      });
      // `tiles` reads the same tiles out of the frames, for whoever wants pixels (the WebRTC tap).
      expect(changed!.tiles.map((t) => [t.x, t.y, t.width, t.height, t.encoding, Buffer.from(t.data).toString('base64')])).toEqual(plain.tiles.map((t) => [t.x, t.y, t.width, t.height, t.encoding, Buffer.from(t.data).toString('base64')]));
      await expect(screen.capture(0, { full: false, quality: 80, frame: { sessionId: 'bad id', frameSeq: 1 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'frame.sessionId' });
    } finally {
      other.close();
    }
  });

  it('sends only the tiles a window redrew, with the pixels it drew', async () => {
    chromium = await launchChromium({ display: x.display, windowSize: { width: W, height: H } });
    const ctx = await chromium.browser.newContext({ viewport: null });
    page = await ctx.newPage();
    await page.setContent(`<!doctype html><body style="margin:0;background:#fff;height:3000px">
      <div id="box" style="position:absolute;left:300px;top:200px;width:128px;height:128px;background:#fff"></div>
      <button id="btn" style="position:absolute;left:40px;top:40px;width:120px;height:40px">press</button>
      <textarea id="txt" style="position:absolute;left:40px;top:120px;width:200px;height:60px"></textarea>
      <script>
        window.clicks = []; window.moves = [];
        document.getElementById('btn').addEventListener('click', (e) => clicks.push([e.clientX, e.clientY]));
        addEventListener('mousemove', (e) => moves.push([e.screenX, e.screenY, e.clientX, e.clientY]));
      </script></body>`);
    // Where the page sits on the screen: move the real pointer and read the event the page got.
    // The event read must be the one of the second move (not a late one of the first): exactly one new
    // event after it, one pixel right of and below the first move's.
    const moves = (): Promise<number[][]> => page.evaluate(() => (window as unknown as { moves: number[][] }).moves);
    await waitFor('the page to see the pointer', async () => {
      screen.move(0, 640, 400);
      await new Promise((r) => setTimeout(r, 50));
      const seen = (await moves()).length;
      screen.move(0, 641, 401);
      await new Promise((r) => setTimeout(r, 50));
      const all = await moves();
      const prev = all[seen - 1];
      const last = all[all.length - 1];
      if (all.length !== seen + 1 || !prev || !last || last[2]! - prev[2]! !== 1 || last[3]! - prev[3]! !== 1) return false;
      origin.x = 641 - last[2]!;
      origin.y = 401 - last[3]!;
      return true;
    }, 10000, 100);
    // Let the browser settle, then take the reference frame.
    await new Promise((r) => setTimeout(r, 500));
    await screen.capture(0, { full: true, quality: 80 });
    await page.evaluate(() => { (document.getElementById('box') as HTMLElement).style.background = '#ff0000'; });
    const box = { x: origin.x + 300, y: origin.y + 200, w: 128, h: 128 };
    const r = await waitFor('the red box', async () => {
      const c = await screen.capture(0, { full: false, quality: 90 });
      return c.tiles.some((t) => t.x <= box.x + 64 && t.x + t.width > box.x + 64 && t.y <= box.y + 64 && t.y + t.height > box.y + 64) ? c : undefined;
    }, 5000, 20);
    const dirtyArea = r.tiles.reduce((s, t) => s + t.width * t.height, 0);
    expect(dirtyArea).toBeLessThan((W * H) / 10); // a box, not the screen
    // The rect holding the box's centre shows red there.
    const cx = box.x + 64;
    const cy = box.y + 64;
    const holder = r.tiles.find((t) => t.x <= cx && t.x + t.width > cx && t.y <= cy && t.y + t.height > cy)!;
    const px = pixels(holder);
    const at = ((cy - holder.y) * holder.width + (cx - holder.x)) * 4;
    expect(near(px[at + 2]!, 255) && near(px[at + 1]!, 0) && near(px[at]!, 0)).toBe(true);
  });

  it('moves the pointer per monitor, clicks, scrolls and types Unicode text through XTest', async () => {
    screen.move(0, origin.x + 100, origin.y + 60);
    expect(screen.pointer()).toEqual({ x: origin.x + 100, y: origin.y + 60 });
    expect((await x.x('xdotool', ['getmouselocation'])).trim()).toContain(`x:${origin.x + 100} y:${origin.y + 60}`);
    screen.button(1, true);
    screen.button(1, false);
    await waitFor('the click', async () => (await page.evaluate(() => (window as unknown as { clicks: number[][] }).clicks)).length === 1, 5000, 20);
    expect(await page.evaluate(() => (window as unknown as { clicks: number[][] }).clicks)).toEqual([[100, 60]]);

    // Clamped to the monitor: no pointer leaves it.
    screen.move(0, 30000, 30000);
    expect(screen.pointer()).toEqual({ x: W - 1, y: H - 1 });

    screen.move(0, origin.x + 140, origin.y + 150);
    screen.button(1, true);
    screen.button(1, false);
    await waitFor('the textarea focus', () => page.evaluate(() => document.activeElement?.id === 'txt'), 5000, 20);
    const text = 'Hello, Grüße – 5 € ✓';
    screen.text(text);
    await waitFor('the typed text', async () => (await page.inputValue('#txt')) === text, 5000, 20).catch(async (e: Error) => { throw new Error(`${e.message}; the textarea has '${await page.inputValue('#txt')}'`); });
    screen.key(0xff08, true); // BackSpace by keysym
    screen.key(0xff08, false);
    await waitFor('the deleted character', async () => (await page.inputValue('#txt')) === text.slice(0, -1), 5000, 20);

    screen.move(0, origin.x + 600, origin.y + 500);
    screen.wheel(0, 3);
    await waitFor('the scroll', () => page.evaluate(() => window.scrollY > 0), 5000, 20);

    // The cursor the viewers are told about follows the pointer.
    const r = await screen.capture(0, { full: false, quality: 80 });
    expect(r.cursor).toMatchObject({ x: origin.x + 600, y: origin.y + 500, onMonitor: true });
  });

  it('follows the clipboard without polling and sets it for a real application (UTF-8 both ways)', async () => {
    const copied: string[] = [];
    const clip = new X11Clipboard(x.display, 64 * 1024, (c) => { if (c.mime === 'text/plain') copied.push(c.text); });
    try {
      // Ours → the application: set it, then Ctrl+V into the focused textarea.
      await page.fill('#txt', '');
      await page.focus('#txt');
      clip.set('from the technician: Grüße € ✓');
      const CONTROL = 0xffe3;
      screen.key(CONTROL, true);
      screen.key(0x76, true); // v
      screen.key(0x76, false);
      screen.key(CONTROL, false);
      await waitFor('the pasted text', async () => (await page.inputValue('#txt')) === 'from the technician: Grüße € ✓', 5000, 20);
      // The application → ours: select the text and Ctrl+C; the watcher reports it once.
      await page.fill('#txt', 'from the customer: ½ ☕');
      await page.focus('#txt');
      await page.evaluate(() => (document.getElementById('txt') as HTMLTextAreaElement).select());
      screen.key(CONTROL, true);
      screen.key(0x63, true); // c
      screen.key(0x63, false);
      screen.key(CONTROL, false);
      await waitFor('the copied text', () => copied.includes('from the customer: ½ ☕'), 5000, 20);
      expect(() => clip.set('x'.repeat(64 * 1024 + 1))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    } finally {
      clip.stop();
    }
  });

  it('carries a PNG image both ways: between two X clients byte for byte, and with a real browser', async () => {
    // The browser is the PNG codec: it draws a known 40x30 picture and encodes it.
    const png = Buffer.from(await page.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = 40; c.height = 30;
      const g = c.getContext('2d')!;
      g.fillStyle = '#ff8000'; g.fillRect(0, 0, 40, 30);
      g.fillStyle = '#0040c0'; g.fillRect(20, 0, 20, 15);
      return c.toDataURL('image/png').split(',')[1]!;
    }), 'base64');
    // The async clipboard API needs a secure context: a page from a loopback http server.
    const http = createServer((_req, res) => res.end('<!doctype html><title>clip</title><textarea id="t"></textarea>'));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const site = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const clipPage = await page.context().newPage();
    await clipPage.goto(site);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site });
    const seen: { mime: string; data?: Buffer; text?: string }[] = [];
    const ours = new X11Clipboard(x.display, 256 * 1024, (c) => seen.push(c));
    const app = new X11Clipboard(x.display, 256 * 1024, () => undefined);
    try {
      // Another X client copies an image: ours asks for its TARGETS and takes image/png, byte for byte.
      app.set({ mime: 'image/png', data: png });
      await waitFor('the copied image', () => seen.some((c) => c.mime === 'image/png'), 5000, 20);
      expect(seen.find((c) => c.mime === 'image/png')!.data!.equals(png)).toBe(true);
      // Ours → a real application: Chromium reads the clipboard and decodes the picture we set.
      ours.set({ mime: 'image/png', data: png });
      await clipPage.bringToFront();
      await clipPage.focus('#t');
      const pasted = await clipPage.evaluate(async () => {
        const items = await navigator.clipboard.read();
        const item = items.find((i) => i.types.includes('image/png'));
        if (!item) return { types: items.flatMap((i) => i.types) };
        const bmp = await createImageBitmap(await item.getType('image/png'));
        const c = document.createElement('canvas');
        c.width = bmp.width; c.height = bmp.height;
        const g = c.getContext('2d')!;
        g.drawImage(bmp, 0, 0);
        return { size: [bmp.width, bmp.height], left: [...g.getImageData(5, 20, 1, 1).data], right: [...g.getImageData(30, 5, 1, 1).data] };
      });
      expect(pasted).toEqual({ size: [40, 30], left: [0xff, 0x80, 0x00, 0xff], right: [0x00, 0x40, 0xc0, 0xff] });
      // The browser copies an image (the application → ours): we receive a PNG that decodes to it.
      seen.length = 0;
      await clipPage.evaluate(async (b64) => {
        const blob = await (await fetch(`data:image/png;base64,${b64}`)).blob();
        await navigator.clipboard.write([new ClipboardItem({ 'image/png': blob })]);
      }, png.toString('base64'));
      await waitFor('the browser\'s image', () => seen.some((c) => c.mime === 'image/png'), 5000, 20);
      const got = seen.find((c) => c.mime === 'image/png')!.data!;
      expect(got.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      const decoded = await page.evaluate(async (b64) => {
        const bmp = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
        const c = document.createElement('canvas');
        c.width = bmp.width; c.height = bmp.height;
        const g = c.getContext('2d')!;
        g.drawImage(bmp, 0, 0);
        return { size: [bmp.width, bmp.height], right: [...g.getImageData(30, 5, 1, 1).data] };
      }, got.toString('base64'));
      expect(decoded).toEqual({ size: [40, 30], right: [0x00, 0x40, 0xc0, 0xff] });
      // Text still wins when an owner offers text; bad content is refused before X sees it.
      app.set('plain words');
      await waitFor('the text', () => seen.some((c) => c.mime === 'text/plain' && c.text === 'plain words'), 5000, 20);
      expect(() => ours.set({ mime: 'image/png', data: 'nope' as unknown as Buffer })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'data' }));
      expect(() => ours.set({ mime: 'image/gif', data: png } as unknown as { mime: 'image/png'; data: Buffer })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'mime' }));
      expect(() => ours.set({ mime: 'image/png', data: Buffer.alloc(256 * 1024 + 1) })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    } finally {
      ours.stop();
      app.stop();
      await clipPage.close();
      http.close();
    }
  });

  it('refuses bad arguments in TS with the argument named, before C++ sees them', async () => {
    expect(() => screen.move(0, -1, 5)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'x' }));
    expect(() => screen.button(12, true)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'button' }));
    expect(() => screen.key(0, true)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'keysym' }));
    expect(() => screen.text(5 as unknown as string)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'text' }));
    await expect(screen.capture(0, { full: false, quality: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'quality' });
    expect(() => screen.move(3, 1, 1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const missing = await screen.capture(3, { full: true, quality: 80 });
    expect(missing).toMatchObject({ paused: true, reason: expect.stringContaining('monitor 3') });
  });

  it('reports paused (never a black frame) when the display dies, survives, and resumes when it is back', async () => {
    await chromium.close();
    const display = x.display;
    await x.stop();
    const lost = await screen.capture(0, { full: false, quality: 80 });
    expect(lost).toMatchObject({ paused: true, reason: 'display lost', tiles: [] });
    expect((await screen.capture(0, { full: true, quality: 80 })).paused).toBe(true);
    x = await startXvfb({ width: W, height: H, display });
    await x.x('xsetroot', ['-solid', '#aa2266']);
    const back = await waitFor('the display back', async () => {
      const r = await screen.capture(0, { full: true, quality: 90 });
      return r.paused ? undefined : r;
    }, 10000, 200);
    const px = pixels(back.tiles[0]!);
    expect([px[0], px[1], px[2]]).toEqual([0x66, 0x22, 0xaa]);
  });
});
