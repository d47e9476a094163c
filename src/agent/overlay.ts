/**
 * What the technicians show on the customer's screen: their pointers with their names, pen strokes
 * (kept until cleared) and laser strokes (fading after a moment). Holds the state in 0..1 monitor
 * fractions and redraws through the native overlay at most ~30 times a second. Shown only while the
 * session lets the screen be seen; the agent clears it on hold and at the end.
 */
export interface OverlaySurface {
  overlay(monitor: number, pointers: { x: number; y: number; label: string; rgb: number }[], strokes: { points: number[]; rgb: number; width: number }[]): void;
}

interface RemotePointer { name: string; monitor: number; x: number; y: number; at: number }
interface Stroke { memberId: string; monitor: number; points: number[]; rgb: number; laser: boolean; at: number }

const PALETTE = [0xe8590c, 0x2f9e44, 0x7048e8, 0xd6336c, 0x1971c2, 0xf08c00, 0x0c8599, 0x5c940d];
/** A laser stroke disappears this long after it was drawn; a pointer nobody moved, after this. */
const LASER_MS = 1500;
const POINTER_IDLE_MS = 15_000;
const FRAME_MS = 33;
const MAX_STROKES = 200;

export function colourOf(memberId: string): number {
  let h = 0;
  for (let i = 0; i < memberId.length; i++) h = (h * 31 + memberId.charCodeAt(i)) >>> 0;
  return PALETTE[h % PALETTE.length]!;
}

export class RemoteOverlay {
  private readonly pointers = new Map<string, RemotePointer>();
  private strokes: Stroke[] = [];
  private timer?: NodeJS.Timeout;
  private dueAt = 0;
  private shown = false;
  /** Redraws done (tests and the debug log read it). */
  draws = 0;

  constructor(
    private readonly surface: OverlaySurface,
    private readonly sizeOf: (monitor: number) => { width: number; height: number },
    private readonly monitor: () => number,
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  pointer(memberId: string, name: string, monitor: number, x: number, y: number, visible: boolean): void {
    if (visible) this.pointers.set(memberId, { name, monitor, x, y, at: this.now() });
    else this.pointers.delete(memberId);
    this.schedule();
  }

  annotation(memberId: string, kind: string, monitor: number, points: number[]): void {
    if (kind === 'clear') {
      this.strokes = this.strokes.filter((s) => s.memberId !== memberId);
    } else if ((kind === 'pen' || kind === 'laser') && points.length >= 2) {
      this.strokes.push({ memberId, monitor, points: points.slice(0, points.length - (points.length % 2)), rgb: kind === 'laser' ? 0xff2020 : colourOf(memberId), laser: kind === 'laser', at: this.now() });
      if (this.strokes.length > MAX_STROKES) this.strokes.splice(0, this.strokes.length - MAX_STROKES);
    }
    this.schedule();
  }

  /** Hides everything (hold, the end of the session, the agent stopping). */
  clear(): void {
    this.pointers.clear();
    this.strokes = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.render();
  }

  private schedule(delay = FRAME_MS): void {
    const due = this.now() + delay;
    if (this.timer && this.dueAt <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.dueAt = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.render();
    }, delay);
    this.timer.unref?.();
  }

  private render(): void {
    const now = this.now();
    const monitor = this.monitor();
    this.strokes = this.strokes.filter((s) => !s.laser || now - s.at < LASER_MS);
    for (const [id, p] of this.pointers) if (now - p.at > POINTER_IDLE_MS) this.pointers.delete(id);
    const { width, height } = this.sizeOf(monitor);
    const px = (v: number, size: number): number => Math.round(Math.min(1, Math.max(0, v)) * (size - 1));
    const pointers = [...this.pointers].filter(([, p]) => p.monitor === monitor).map(([id, p]) => ({
      x: px(p.x, width), y: px(p.y, height), label: p.name, rgb: colourOf(id),
    }));
    const strokes = this.strokes.filter((s) => s.monitor === monitor).map((s) => ({
      points: s.points.map((v, i) => px(v, i % 2 === 0 ? width : height)), rgb: s.rgb, width: s.laser ? 5 : 3,
    }));
    if (pointers.length === 0 && strokes.length === 0 && !this.shown) return;
    try {
      this.surface.overlay(monitor, pointers, strokes);
      this.shown = pointers.length > 0 || strokes.length > 0;
      this.draws += 1;
    } catch (err) {
      this.log(`overlay not drawn: ${(err as Error).message}`);
    }
    // Lasers fade and idle pointers go away without any new event: look again while something shows.
    if (this.shown && (this.strokes.some((s) => s.laser) || this.pointers.size > 0)) this.schedule(this.strokes.some((s) => s.laser) ? 250 : 5000);
  }
}
