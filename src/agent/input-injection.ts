import type { InputInjector, ScreenSource } from './screen-source';

/** A technician's input as the server forwards it (docs/protocol.md, `input`): positions are 0..1 fractions. */
export interface ForwardedInput { sessionId: string; kind: string; monitor?: number; x: number; y: number; button: number; down: boolean; dx?: number; dy?: number; keysym: number; text: string }

/**
 * Turns forwarded input into X events on the right monitor. It holds no policy: the agent decides
 * whether input may be injected at all (interact only) before calling `inject`.
 */
export class InputInjection {
  /** Monitor sizes by index, to turn the protocol's 0..1 positions into pixels. */
  private readonly sizes = new Map<number, { width: number; height: number }>();

  constructor(private readonly screen: ScreenSource | undefined) {}

  /** The monitors the agent announced (hello, or a display change). */
  setMonitors(displays: ReturnType<ScreenSource['monitors']>): void {
    this.sizes.clear();
    for (const d of displays) this.sizes.set(d.index, { width: d.width, height: d.height });
  }

  monitorSize(monitor: number): { width: number; height: number } {
    let m = this.sizes.get(monitor);
    if (!m) {
      this.setMonitors(this.screen?.monitors() ?? []);
      m = this.sizes.get(monitor) ?? { width: 1, height: 1 };
    }
    return m;
  }

  /** Pixel position of a 0..1 position on a monitor (the protocol's coordinates are fractions). */
  toPixels(monitor: number, x: number, y: number): [number, number] {
    const m = this.monitorSize(monitor);
    const clamp = (v: number): number => Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0));
    return [Math.round(clamp(x) * (m.width - 1)), Math.round(clamp(y) * (m.height - 1))];
  }

  /** Throws on an unknown kind or when the display refuses the event. */
  inject(inj: InputInjector, d: ForwardedInput): void {
    const monitor = d.monitor ?? 0;
    switch (d.kind) {
      case 'move': inj.move(monitor, ...this.toPixels(monitor, d.x, d.y)); break;
      case 'button': inj.move(monitor, ...this.toPixels(monitor, d.x, d.y)); inj.button(d.button, d.down); break;
      case 'wheel': inj.wheel(d.dx ?? 0, d.dy ?? 0); break;
      case 'key': inj.key(d.keysym, d.down); break;
      case 'text': inj.text(d.text); break;
      default: throw new Error(`unknown input kind '${String(d.kind)}'`);
    }
  }
}
