import { ArrayBufferTarget, Muxer } from 'webm-muxer';

/** What a video is drawn from: a player that moves forward to a time and shows the screen and its overlay then. */
export interface VideoFrames {
  readonly durationMs: number;
  /** The recorded screen's size (the video's, scaled down past MAX_WIDTH). */
  readonly screenSize: { width: number; height: number };
  /** Applies every record up to `ms` (never backwards) and resolves when the screen and overlay show that moment. */
  stepTo(ms: number): Promise<{ screen: HTMLCanvasElement; overlay: HTMLCanvasElement }>;
}

export interface VideoOptions {
  /** Frames per second of the video (an office screen reads well at 5). */
  fps?: number;
  /** Called after each frame with the share done, 0..1. */
  onProgress?: (done: number) => void;
  /** Stops the export (it rejects with an AbortError). */
  signal?: AbortSignal;
}

/** The largest side of the video: a 4K screen is scaled down to 1920 wide, which VP8 encodes at a usable speed. */
const MAX_WIDTH = 1920;
const BITRATE = 1_500_000;

/** Whether this browser can make a video (WebCodecs with VP8, in a secure context). */
export async function canMakeVideo(): Promise<boolean> {
  if (typeof VideoEncoder === 'undefined') return false;
  try {
    return (await VideoEncoder.isConfigSupported({ codec: 'vp8', width: 1280, height: 720, bitrate: BITRATE })).supported === true;
  } catch {
    return false;
  }
}

/**
 * Renders a recording into a WebM (VP8) video in the browser, faster than real time: it steps through the
 * recording at `fps`, draws the screen with its cursor, pointers and annotations, and encodes each picture
 * with WebCodecs; webm-muxer writes the file. A key frame every two seconds lets players seek. The video's
 * size is the recorded screen's (a later resize is letterboxed into it); nothing leaves the page.
 */
export async function recordingToWebm(frames: VideoFrames, opts: VideoOptions = {}): Promise<Blob> {
  const fps = opts.fps ?? 5;
  const step = 1000 / fps;
  const size = frames.screenSize;
  const scale = Math.min(1, MAX_WIDTH / Math.max(1, size.width));
  // VP8 wants even sides.
  const width = Math.max(2, Math.round((size.width * scale) / 2) * 2);
  const height = Math.max(2, Math.round((size.height * scale) / 2) * 2);
  const picture = document.createElement('canvas');
  picture.width = width;
  picture.height = height;
  const ctx = picture.getContext('2d');
  if (!ctx) throw new Error('the browser gave no 2D canvas');
  const muxer = new Muxer({ target: new ArrayBufferTarget(), video: { codec: 'V_VP8', width, height, frameRate: fps } });
  let failure: unknown = null;
  const encoder = new VideoEncoder({ output: (chunk, meta) => muxer.addVideoChunk(chunk, meta), error: (e) => { failure ??= e; } });
  encoder.configure({ codec: 'vp8', width, height, bitrate: BITRATE, framerate: fps, latencyMode: 'quality' });
  const count = Math.floor(frames.durationMs / step) + 1;
  try {
    for (let i = 0; i < count; i++) {
      if (opts.signal?.aborted) throw new DOMException('the export was stopped', 'AbortError');
      if (failure) throw failure;
      const { screen, overlay } = await frames.stepTo(Math.min(frames.durationMs, i * step));
      ctx.fillStyle = '#1b2130';
      ctx.fillRect(0, 0, width, height);
      const s = Math.min(width / screen.width, height / screen.height);
      const w = screen.width * s;
      const h = screen.height * s;
      const x = (width - w) / 2;
      const y = (height - h) / 2;
      ctx.drawImage(screen, x, y, w, h);
      ctx.drawImage(overlay, x, y, w, h);
      const frame = new VideoFrame(picture, { timestamp: Math.round(i * step * 1000), duration: Math.round(step * 1000) });
      encoder.encode(frame, { keyFrame: i % (fps * 2) === 0 });
      frame.close();
      // Keep the encoder's queue short: memory stays bounded on a long recording.
      while (encoder.encodeQueueSize > 8) await new Promise((r) => setTimeout(r, 5));
      opts.onProgress?.((i + 1) / count);
    }
    await encoder.flush();
    if (failure) throw failure;
  } finally {
    if (encoder.state !== 'closed') encoder.close();
  }
  muxer.finalize();
  return new Blob([muxer.target.buffer], { type: 'video/webm' });
}
