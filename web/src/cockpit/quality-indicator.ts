import { h, replace } from '../shared/dom';
import './quality-indicator.css';

/** `media.quality`: one viewer's figures for a session, pushed by the node once a second (docs/media.md). */
export interface MediaQuality {
  sessionId: string;
  rttMs: number;
  baseRttMs: number;
  fps: number;
  kbps: number;
  dropped: number;
  superseded: number;
  queuedBytes: number;
  /** The quality ladder's rung (0 best, 7 the floor); null when this node does not adapt the agent. */
  level: number | null;
  quality: number | null;
  maxFps: number | null;
  agentFps: number | null;
  agentKbps: number | null;
  encodeMs: number | null;
}

export type Grade = 'good' | 'fair' | 'poor';
const FLOOR = 7;

/** Bars (4 best, 1 worst) and a grade from the rung and the queueing delay. */
export function gradeOf(q: MediaQuality): { bars: number; grade: Grade } {
  const delay = Math.max(0, q.rttMs - q.baseRttMs);
  const level = q.level ?? 0;
  let bars = level <= 1 ? 4 : level <= 3 ? 3 : level <= 5 ? 2 : 1;
  if (delay > 1500) bars = 1;
  else if (delay > 300) bars = Math.min(bars, 2);
  return { bars, grade: bars >= 3 ? 'good' : bars === 2 ? 'fair' : 'poor' };
}

const GRADE_TEXT: Record<Grade, string> = { good: 'Good', fair: 'Reduced', poor: 'Low bandwidth' };

/**
 * The small quality indicator of the session view: signal bars coloured by grade, a word, and on
 * hover or focus a panel with RTT, delivered fps and kbit/s, skipped tiles and the quality the
 * desktop produces now.
 */
export class QualityIndicator {
  readonly el: HTMLElement;
  private readonly bars = [0, 1, 2, 3].map(() => h('i'));
  private readonly label = h('span', { class: 'label' }, '—');
  private readonly tip = h('div', { class: 'tip', role: 'tooltip' });
  last: MediaQuality | null = null;

  constructor() {
    this.el = h('span', { class: 'quality', tabindex: 0, 'data-testid': 'quality', 'aria-label': 'Connection quality: waiting for figures' },
      h('span', { class: 'bars', 'aria-hidden': 'true' }, this.bars), this.label, this.tip);
    this.el.setAttribute('aria-describedby', this.tip.id = `quality-tip-${Math.random().toString(36).slice(2, 8)}`);
  }

  update(q: MediaQuality): void {
    this.last = q;
    const { bars, grade } = gradeOf(q);
    this.el.dataset.grade = grade;
    this.el.dataset.level = q.level === null ? '' : String(q.level);
    this.bars.forEach((b, i) => b.classList.toggle('on', i < bars));
    this.label.textContent = GRADE_TEXT[grade];
    const quality = q.quality !== null && q.maxFps !== null ? `JPEG ${q.quality}, up to ${q.maxFps} fps` : '—';
    const rung = q.level === null ? '' : ` · step ${q.level} of ${FLOOR}${q.level === FLOOR ? ' (floor)' : ''}`;
    this.el.setAttribute('aria-label', `Connection quality: ${GRADE_TEXT[grade]}; ${q.rttMs} ms round trip, ${q.fps} frames/s, ${q.kbps} kbit/s`);
    replace(this.tip, h('strong', null, `Screen quality: ${GRADE_TEXT[grade]}`), h('dl', null,
      h('dt', null, 'Round trip'), h('dd', null, `${q.rttMs} ms${q.rttMs - q.baseRttMs > 300 ? ` (+${q.rttMs - q.baseRttMs} ms queued)` : ''}`),
      h('dt', null, 'Received'), h('dd', null, `${q.fps} frames/s · ${q.kbps} kbit/s`),
      h('dt', null, 'Skipped tiles'), h('dd', null, `${q.superseded} replaced · ${q.dropped} dropped`),
      h('dt', null, 'Desktop sends'), h('dd', null, `${quality}${rung}`),
      q.agentFps !== null ? [h('dt', null, 'Desktop rate'), h('dd', null, `${q.agentFps} frames/s · ${q.agentKbps ?? 0} kbit/s${q.encodeMs !== null ? ` · encode ${q.encodeMs} ms` : ''}`)] : null));
  }
}
