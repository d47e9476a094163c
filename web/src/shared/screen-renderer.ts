import { decodeFrame, Encoding, FrameType, type MediaFrame } from '../../../src/media/frame-codec';
import { decodeLossless } from '../../../src/native/lossless-codec';

/** Inflates a zlib (RFC 1950) stream with the browser's DecompressionStream. */
async function inflate(deflated: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([deflated as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function bgraToImageData(bgra: Uint8Array, width: number, height: number): ImageData {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < rgba.length; i += 4) {
    rgba[i] = bgra[i + 2];
    rgba[i + 1] = bgra[i + 1];
    rgba[i + 2] = bgra[i];
    rgba[i + 3] = 255;
  }
  return new ImageData(rgba, width, height);
}

/** How many decoded-but-not-drawn tiles we allow per monitor shown before dropping (the relay also drops for slow viewers). */
const MAX_BACKLOG = 400;

/**
 * Draws the remote screen from binary media frames (src/media/frame-codec.ts) onto a canvas: screen-info
 * frames size it, tiles are decoded (JPEG by the browser, lossless by src/native/lossless-codec.ts with
 * DecompressionStream, raw BGRA directly) and drawn in arrival order. Frames of other sessions or other
 * monitors are ignored. Never throws on bad bytes.
 */
/** Where each monitor sits on the desktop (XRandR geometry), for drawing them all at once. */
export interface MonitorLayout {
  index: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export class ScreenRenderer {
  sessionId: string | null = null;
  monitor = 0;
  /** Every monitor at once, side by side at their geometry (set by `showAll`); null: one monitor. */
  layout: MonitorLayout[] | null = null;
  /** The offset of the layout's top-left corner (monitors may start at negative positions). */
  private origin = { x: 0, y: 0 };
  framesDrawn = 0;
  /** The latest cursor position in monitor pixels, when the agent sends cursor records. */
  cursor: { x: number; y: number } | null = null;
  onDraw: (() => void) | null = null;
  private readonly ctx: CanvasRenderingContext2D;
  private chain: Promise<void> = Promise.resolve();
  private backlog = 0;
  private generation = 0;

  constructor(readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('no 2d canvas');
    this.ctx = ctx;
  }

  /** Starts showing a session (or nothing); the canvas is blanked. */
  show(sessionId: string | null, monitor = 0): void {
    if (sessionId === this.sessionId && monitor === this.monitor && !this.layout) return;
    this.sessionId = sessionId;
    this.monitor = monitor;
    this.layout = null;
    this.clear();
  }

  /** Starts showing every monitor of `layout` on one canvas, each at its place; the canvas is blanked. */
  showAll(sessionId: string, layout: MonitorLayout[]): void {
    this.sessionId = sessionId;
    this.layout = layout.map((m) => ({ ...m }));
    const left = Math.min(...layout.map((m) => m.x));
    const top = Math.min(...layout.map((m) => m.y));
    this.origin = { x: left, y: top };
    const width = Math.max(...layout.map((m) => m.x + m.width)) - left;
    const height = Math.max(...layout.map((m) => m.y + m.height)) - top;
    this.clear();
    this.resize(width, height);
  }

  /** The monitor under a point of the canvas (pixels), with the point in that monitor's pixels; null outside every monitor. */
  monitorAt(x: number, y: number): { monitor: number; x: number; y: number; width: number; height: number } | null {
    if (!this.layout) return { monitor: this.monitor, x, y, width: this.canvas.width, height: this.canvas.height };
    for (const m of this.layout) {
      const mx = x + this.origin.x - m.x;
      const my = y + this.origin.y - m.y;
      if (mx >= 0 && my >= 0 && mx < m.width && my < m.height) return { monitor: m.index, x: mx, y: my, width: m.width, height: m.height };
    }
    return null;
  }

  /** The canvas pixel of a 0..1 position on a monitor, or null when that monitor is not shown. */
  canvasPointOf(monitor: number, fx: number, fy: number): { x: number; y: number } | null {
    if (!this.layout) return monitor === this.monitor ? { x: fx * this.canvas.width, y: fy * this.canvas.height } : null;
    const m = this.layout.find((d) => d.index === monitor);
    return m ? { x: m.x - this.origin.x + fx * m.width, y: m.y - this.origin.y + fy * m.height } : null;
  }

  /** Where a monitor's top-left corner is drawn on the canvas (0,0 with one monitor), or null when it is not shown. */
  private offsetOf(monitor: number): { x: number; y: number } | null {
    if (!this.layout) return monitor === this.monitor ? { x: 0, y: 0 } : null;
    const m = this.layout.find((d) => d.index === monitor);
    return m ? { x: m.x - this.origin.x, y: m.y - this.origin.y } : null;
  }

  clear(): void {
    this.generation++;
    this.framesDrawn = 0;
    this.cursor = null;
    this.ctx.fillStyle = '#1b2130';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  feed(bytes: Uint8Array): void {
    const parsed = decodeFrame(bytes);
    if (!parsed.ok) return;
    const f = parsed.frame;
    const at = f.sessionId === this.sessionId ? this.offsetOf(f.monitor) : null;
    if (!at) return;
    if (f.type === FrameType.ScreenInfo) {
      // With every monitor shown, the canvas is sized by the layout.
      if (!this.layout) this.resize(f.width, f.height);
      return;
    }
    if (f.type === FrameType.Cursor) {
      this.cursor = { x: f.x + at.x, y: f.y + at.y };
      return;
    }
    if (f.type !== FrameType.Tile) return;
    // A full frame of every monitor at once is one full frame per monitor.
    if (this.backlog >= MAX_BACKLOG * (this.layout?.length ?? 1)) return;
    this.backlog++;
    const gen = this.generation;
    // Copy the payload: the socket's buffer may be reused, and decoding is asynchronous.
    const tile = { ...f, x: f.x + at.x, y: f.y + at.y, payload: f.payload.slice() };
    const decoded = this.decode(tile);
    this.chain = this.chain.then(async () => {
      try {
        const image = await decoded;
        if (image && gen === this.generation) this.draw(tile, image);
      } finally {
        this.backlog--;
      }
    });
  }

  private resize(width: number, height: number): void {
    if (width < 1 || height < 1 || (this.canvas.width === width && this.canvas.height === height)) return;
    this.canvas.width = width;
    this.canvas.height = height;
    this.ctx.fillStyle = '#1b2130';
    this.ctx.fillRect(0, 0, width, height);
  }

  private async decode(f: MediaFrame): Promise<ImageBitmap | ImageData | null> {
    try {
      if (f.encoding === Encoding.Jpeg) return await createImageBitmap(new Blob([f.payload as BlobPart], { type: 'image/jpeg' }));
      if (f.encoding === Encoding.RawBgra) {
        return f.payload.length === f.width * f.height * 4 ? bgraToImageData(f.payload, f.width, f.height) : null;
      }
      if (f.encoding === Encoding.Lossless) {
        const head = 1 + 4 * (f.payload[0] ?? 0);
        const body = await inflate(f.payload.subarray(head));
        const out = decodeLossless(f.payload, f.width, f.height, () => body);
        return out.ok ? bgraToImageData(out.bgra, f.width, f.height) : null;
      }
    } catch {
      // A tile that does not decode is skipped; the next full refresh repaints it.
    }
    return null;
  }

  private draw(f: MediaFrame, image: ImageBitmap | ImageData): void {
    if (f.x + f.width > this.canvas.width || f.y + f.height > this.canvas.height) {
      this.resize(Math.max(this.canvas.width, f.x + f.width), Math.max(this.canvas.height, f.y + f.height));
    }
    if (image instanceof ImageData) this.ctx.putImageData(image, f.x, f.y);
    else {
      this.ctx.drawImage(image, f.x, f.y, f.width, f.height);
      image.close();
    }
    this.framesDrawn++;
    this.onDraw?.();
  }
}
