/** One encoded dirty tile, ready to frame. */
export interface EncodedTile {
  x: number;
  y: number;
  width: number;
  height: number;
  encoding: 1 | 2 | 3;
  data: Uint8Array;
}

export interface CursorState {
  /** Hotspot position relative to the monitor. */
  x: number;
  y: number;
  onMonitor: boolean;
  /** Straight-alpha BGRA; only when the image changed since the last capture (or it was full). */
  image?: { width: number; height: number; xhot: number; yhot: number; data: Uint8Array };
}

export interface CaptureResult {
  /** Capture impossible right now (protected screen, display lost): show paused, never black. */
  paused: boolean;
  reason?: string;
  width: number;
  height: number;
  tiles: EncodedTile[];
  cursor?: CursorState;
  timestamp: number;
  /** Time spent in the native stages (the X11 source reports it), ms. */
  ms?: { grab: number; diff: number; encode: number };
  /**
   * The capture already framed, when the source was given `frame` and frames itself (the X11 one):
   * media frames of src/media/frame-codec.ts back to back — screen info when `full`, one per tile,
   * end of frame when there are tiles — sent as they are. `tiles` then holds the same tiles.
   */
  framed?: { bytes: Uint8Array; tiles: number };
}

/** What a framing source writes into each frame's header (the frame sequence number of this capture). */
export interface CaptureFraming {
  sessionId: string;
  frameSeq: number;
}

/**
 * Where the agent's pixels come from: the native X11 core in production. Kept behind an interface
 * so the agent's policy (never capture in hold) is testable by counting calls.
 */
export interface ScreenSource {
  monitors(): { index: number; name: string; x: number; y: number; width: number; height: number; primary?: boolean }[];
  /** Captures `monitor` and returns the tiles changed since the previous call (all of them when `full`). */
  capture(monitor: number, opts: { full: boolean; quality: number; frame?: CaptureFraming }): Promise<CaptureResult>;
  close(): void;
  /**
   * Optional: calls `onActivity` once when the screen may have changed (X11: an XDamage or cursor
   * event arrived), so a capture can start at once instead of at the next tick; armed again by
   * calling again. False when it cannot watch. A wake-up may be missed: the caller keeps its timer.
   */
  watch?(onActivity: () => void): boolean;
  /**
   * Optional: true when `watch` also tells of pointer motion that draws nothing (X11: XInput 2.1 raw
   * motion). Only then may a caller stop its timer while the screen is quiet and rely on `watch`.
   */
  readonly watchesPointer?: boolean;
}

/** Remote input, already allowed by the server; the agent re-checks the mode before injecting. Positions are pixels of the monitor. */
export interface InputInjector {
  move(monitor: number, x: number, y: number): void;
  button(button: number, down: boolean): void;
  wheel(dx: number, dy: number): void;
  key(keysym: number, down: boolean): void;
  text(text: string): void;
}
