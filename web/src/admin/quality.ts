import { h } from '../shared/dom';
import type { SessionQuality } from './api';

const kbps = (bps: number): string => `${Math.round(bps / 1000)} kbit/s`;

/**
 * The session detail's "Screen quality": the rung of the quality ladder and what the desktop sends
 * (on the agent's node), and per viewer connection its round trip, what it receives and what it
 * missed. Null when nobody watches the screen here.
 */
export function qualityBlock(q: SessionQuality | null | undefined, nameOf: (id: string) => string): HTMLElement[] | null {
  if (!q || (!q.step && !q.agent && q.viewers.length === 0)) return null;
  const a = q.agent;
  return [
    h('h2', null, 'Screen quality'),
    h('dl', { class: 'kv', 'data-testid': 'session-quality' },
      h('dt', null, 'Ladder'), h('dd', null, q.step ? `step ${q.step.level} of 7${q.step.level === 7 ? ' (floor)' : ''} · JPEG ${q.step.quality} · up to ${q.step.maxFps} fps` : 'not adapted on this node'),
      h('dt', null, 'Desktop sends'), h('dd', null, a ? `${a.fps} frames/s · ${kbps(a.bitsPerSecond)} · JPEG ${a.quality} · capture ${a.captureMs} ms (encode ${a.encodeMs} ms)` : '—')),
    h('ul', { class: 'list', 'aria-label': 'Viewers' }, q.viewers.map((v) => h('li', { class: 'member', 'data-viewer': v.memberId },
      h('span', { class: 'grow' },
        h('div', null, nameOf(v.memberId)),
        h('div', { class: 'small muted' }, `round trip ${Math.round(v.link.rttMs)} ms · ${v.link.fps} frames/s · ${kbps(v.link.bitsPerSecond)} · queued ${Math.round(v.queuedBytes / 1024)} KiB · ${v.supersededFrames} replaced / ${v.droppedFrames} dropped`))))),
  ];
}
