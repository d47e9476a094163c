import { decodeFrame, FrameType } from '../media/frame-codec';
import { RecordKind, type RecordingRecord } from './recording-format';

/**
 * The seek index of a recording: the records where a whole screen of one monitor starts (a key
 * frame). The agent sends a full frame — its ScreenInfo, then tiles covering the screen — when the
 * session starts, when a recording starts or resumes, after a gap and whenever a viewer asks for a
 * refresh; every one of those is a point the player can start drawing from instead of from the
 * first record. Pure: built once when a recording is loaded (headers only; no tile is decoded).
 */
export function keyframeIndex(records: readonly RecordingRecord[], monitor: number): number[] {
  const out: number[] = [];
  let open: { at: number; seq: number; area: number; covered: number; seen: Set<string> } | null = null;
  const close = (): void => {
    if (open && open.covered >= open.area) out.push(open.at);
    open = null;
  };
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (r.kind !== RecordKind.Media) continue;
    const p = decodeFrame(r.payload);
    if (!p.ok || p.frame.monitor !== monitor) continue;
    const f = p.frame;
    if (f.type === FrameType.ScreenInfo) {
      close();
      if (f.width > 0 && f.height > 0) open = { at: i, seq: f.frameSeq, area: f.width * f.height, covered: 0, seen: new Set() };
      continue;
    }
    if (!open) continue;
    if (f.frameSeq !== open.seq) {
      close();
      continue;
    }
    if (f.type === FrameType.Tile) {
      const key = `${f.x},${f.y},${f.width},${f.height}`;
      if (!open.seen.has(key)) {
        open.seen.add(key);
        open.covered += f.width * f.height;
      }
    } else if (f.type === FrameType.EndOfFrame) {
      close();
    }
  }
  close();
  return out;
}

/** The last key frame at or before record `index` (-1 when there is none): where drawing the screen up to `index` can start. */
export function keyframeAtOrBefore(keyframes: readonly number[], index: number): number {
  let lo = 0;
  let hi = keyframes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keyframes[mid] <= index) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? -1 : keyframes[lo - 1];
}
