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

/** How many decoded-but-not-drawn tiles we allow before dropping (the relay also drops for slow viewers). */
const MAX_BACKLOG = 400;

/**
 * Draws the remote screen from binary media frames (src/media/frame-codec.ts) onto a canvas: screen-info
 * frames size it, tiles are decoded (JPEG by the browser, lossless by src/native/lossless-codec.ts with
 * DecompressionStream, raw BGRA directly) and drawn in arrival order. Frames of other sessions or other
 * monitors are ignored. Never throws on bad bytes.
 */
export class ScreenRenderer {
  sessionId: string | null = null;
  monitor = 0;
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
    if (sessionId === this.sessionId && monitor === this.monitor) return;
    this.sessionId = sessionId;
    this.monitor = monitor;
    this.clear();
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
    if (f.sessionId !== this.sessionId || f.monitor !== this.monitor) return;
    if (f.type === FrameType.ScreenInfo) {
      this.resize(f.width, f.height);
      return;
    }
    if (f.type === FrameType.Cursor) {
      this.cursor = { x: f.x, y: f.y };
      return;
    }
    if (f.type !== FrameType.Tile) return;
    if (this.backlog >= MAX_BACKLOG) return;
    this.backlog++;
    const gen = this.generation;
    // Copy the payload: the socket's buffer may be reused, and decoding is asynchronous.
    const tile = { ...f, payload: f.payload.slice() };
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
