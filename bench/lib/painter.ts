/**
 * Changes a part of the screen `rate` times a second, for the capture benchmark: a band of
 * `percent` % of the screen, drawn as UI-like stripes (a few colours per tile, like text and
 * widgets) whose colours shift every frame. Runs as its own process so its CPU is not counted.
 *
 *   node painter.js DISPLAY WIDTH HEIGHT PERCENT RATE
 */
import { X11Screen } from '../../src/native/x11';

const [display, w, h, percent, rate] = process.argv.slice(2);
const W = Number(w);
const H = Number(h);
const screen = new X11Screen(display);
const bandH = Math.max(8, Math.round((H * Number(percent)) / 100));
let n = 0;
setInterval(() => {
  n++;
  const y0 = Math.round(H / 3);
  for (let y = 0; y < bandH; y += 8) {
    const shade = (n * 37 + y * 11) & 0xff;
    screen.paint(0, y0 + y, W, Math.min(8, bandH - y), (shade << 16) | ((255 - shade) << 8) | ((shade * 3) & 0xff));
  }
}, 1000 / Number(rate));
