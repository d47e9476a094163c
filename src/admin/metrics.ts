import { Controller, Get, Header, Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ActorRegistry } from '../actors/actor-registry';
import type { Store } from '../cluster/ports';
import { ConnectionRegistry } from '../gateways/connection-registry';
import { HandlerRegistry } from '../gateways/handler-registry';
import { SessionIndex } from '../gateways/sessions/session-index';
import { STORE } from '../gateways/sessions/tokens';
import type { ViewerStats } from '../media/media-viewer';
import { QUALITY_LADDER } from '../media/quality-policy';
import { MediaRelay } from '../media/relay';
import type { AgentMediaStats } from '../media/session-quality';
import { NodeInfo } from '../node/node-info';

/**
 * Prometheus metrics of this node (`GET /metrics`), on a registry of its own so several nodes can live
 * in one process (tests). Gauges are read at scrape time; counters grow as things happen.
 */
@Injectable()
export class Metrics implements OnModuleInit {
  readonly registry = new Registry();
  /** Other parts (media) add their own metrics to `registry`. */
  private readonly commandSeconds = new Histogram({
    name: 'tandem_command_duration_seconds', help: 'time from dispatch to answer of a client command', labelNames: ['event', 'outcome'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry],
  });
  private redisRtt = 0;
  /** The media viewers connected here, read at the start of each scrape. */
  private viewers: ViewerStats[] = [];

  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly connections: ConnectionRegistry,
    private readonly actors: ActorRegistry,
    private readonly index: SessionIndex,
    @Inject(STORE) private readonly store: Store,
    private readonly node: NodeInfo,
    @Optional() private readonly relay?: MediaRelay,
  ) {}

  onModuleInit(): void {
    const r = this.registry;
    r.setDefaultLabels({ node: this.node.id });
    collectDefaultMetrics({ register: r, eventLoopMonitoringPrecision: 20 });
    this.handlers.onHandled((event, ms, ok) => this.commandSeconds.observe({ event, outcome: ok ? 'ok' : 'error' }, ms / 1000));
    const connections = this.connections;
    new Gauge({
      name: 'tandem_connections', help: 'open WebSocket connections by kind', labelNames: ['kind'], registers: [r],
      collect() {
        const counts: Record<string, number> = { person: 0, agent: 0, customer: 0 };
        for (const c of connections.list()) counts[c.identity.kind] = (counts[c.identity.kind] ?? 0) + 1;
        for (const [kind, n] of Object.entries(counts)) this.set({ kind }, n);
      },
    });
    const index = this.index;
    new Gauge({
      name: 'tandem_sessions', help: 'live sessions in the cluster by status and mode', labelNames: ['status', 'mode'], registers: [r],
      async collect() {
        this.reset();
        for (const s of await index.live().catch(() => [])) this.inc({ status: s.status, mode: s.mode });
      },
    });
    const actors = this.actors;
    new Gauge({ name: 'tandem_actors', help: 'actors (sessions and singletons) running on this node', registers: [r], collect() { this.set(actors.size); } });
    const counter = (name: string, help: string, read: () => number): void => {
      new Counter({ name, help, registers: [r], collect() { this.reset(); this.inc(read()); } });
    };
    counter('tandem_events_total', 'session and other events committed on this node', () => actors.stats.events);
    counter('tandem_commits_total', 'commands that changed a stream on this node', () => actors.stats.commits);
    counter('tandem_actor_replays_total', 'actors rebuilt from their journal here (takeovers after a node died, reactivations after idling)', () => actors.stats.takeovers);
    counter('tandem_actor_fenced_total', 'actors that lost their lease to another node', () => actors.stats.fenced);
    if (this.relay) this.mediaMetrics(this.relay, counter);
    const rtt = (): number => this.redisRtt;
    new Gauge({ name: 'tandem_store_rtt_seconds', help: 'round-trip time of a store ping at the last scrape', registers: [r], collect: async function (this: Gauge) { this.set(await rtt()); } });
  }

  /**
   * The media path's health, without a label per session or viewer (bounded cardinality): totals of
   * the relay, and the viewers connected here now — how many, how full their queues are, and how many
   * frames they had to skip. Per-session detail is in the admin API and the cockpit, not here.
   */
  private mediaMetrics(relay: MediaRelay, counter: (name: string, help: string, read: () => number) => void): void {
    const r = this.registry;
    const c = relay.counters;
    counter('tandem_media_frames_in_total', 'binary frames received from agents', () => c.framesIn);
    counter('tandem_media_bytes_in_total', 'bytes of binary frames received from agents', () => c.bytesIn);
    counter('tandem_media_frames_out_total', 'frames handed to viewers (one per viewer)', () => c.framesOut);
    counter('tandem_media_frames_unseen_total', 'frames no allowed viewer here could see (hold, pending, nobody watching)', () => c.framesUnseen);
    counter('tandem_media_bad_frames_total', 'malformed or misdirected frames refused', () => c.badFrames + c.forbiddenFrames);
    counter('tandem_media_refresh_requests_total', 'full-frame requests sent to agents', () => c.refreshRequests);
    counter('tandem_media_quality_changes_total', 'quality ladder rungs told to agents (media.feedback)', () => c.feedbacks);
    // Read once per scrape (in scrape()), not once per gauge.
    const viewers = (): ViewerStats[] => this.viewers;
    new Gauge({ name: 'tandem_media_viewers', help: 'console connections receiving a screen on this node', registers: [r], collect() { this.set(viewers().length); } });
    new Gauge({
      name: 'tandem_media_viewer_queued_bytes', help: 'bytes waiting for viewers on this node (relay queue + socket): the largest and the sum', labelNames: ['stat'], registers: [r],
      collect() {
        const q = viewers().map((v) => v.queuedBytes);
        this.set({ stat: 'max' }, q.length ? Math.max(...q) : 0);
        this.set({ stat: 'sum' }, q.reduce((a, b) => a + b, 0));
      },
    });
    this.qualityMetrics(relay);
    new Gauge({
      name: 'tandem_media_viewer_skipped_frames', help: 'frames the viewers connected now did not get: superseded by a newer tile, or dropped while behind', labelNames: ['reason'], registers: [r],
      collect() {
        const vs = viewers();
        this.set({ reason: 'superseded' }, vs.reduce((a, v) => a + v.supersededFrames, 0));
        this.set({ reason: 'dropped' }, vs.reduce((a, v) => a + v.droppedFrames, 0));
      },
    });
  }

  /**
   * Per-session quality without per-session labels: the viewers' links here as max/median/min (one
   * gauge each), the sessions per ladder rung (8 label values), and the agents' capture reports here.
   */
  private qualityMetrics(relay: MediaRelay): void {
    const r = this.registry;
    const links = (): ViewerStats['link'][] => this.viewers.map((v) => v.link);
    const stats = (name: string, help: string, pick: (l: ViewerStats['link']) => number, kinds: ('max' | 'median' | 'min' | 'sum')[]): void => {
      new Gauge({
        name, help, labelNames: ['stat'], registers: [r],
        collect() {
          const xs = links().map(pick).sort((a, b) => a - b);
          for (const k of kinds) this.set({ stat: k }, summary(xs, k));
        },
      });
    };
    stats('tandem_media_viewer_rtt_seconds', 'round trip of the viewers\' sockets here, queueing included (a ws ping behind the frames)', (l) => l.rttMs / 1000, ['max', 'median']);
    stats('tandem_media_viewer_delivered_fps', 'frames per second the viewers here confirmed receiving', (l) => l.fps, ['min', 'median']);
    stats('tandem_media_viewer_delivered_bits_per_second', 'bits per second the viewers here confirmed receiving', (l) => l.bitsPerSecond, ['min', 'median', 'sum']);
    const book = relay.quality;
    new Gauge({
      name: 'tandem_media_quality_level', help: 'sessions whose agent is connected here, by rung of the quality ladder (0 best, 7 the 256 kbit/s floor)', labelNames: ['level'], registers: [r],
      collect() {
        const counts = new Array<number>(QUALITY_LADDER.length).fill(0);
        for (const l of book.levels()) counts[l] += 1;
        counts.forEach((n, level) => this.set({ level: String(level) }, n));
      },
    });
    const agents = (): AgentMediaStats[] => book.agentReports(Date.now());
    new Gauge({
      name: 'tandem_media_agent_capture_seconds', help: 'mean time of one capture (grab, diff, encode) of the agents connected here: the slowest and the median', labelNames: ['stat', 'stage'], registers: [r],
      collect() {
        const all = agents();
        for (const [stage, pick] of [['capture', (a: AgentMediaStats) => a.captureMs], ['encode', (a: AgentMediaStats) => a.encodeMs]] as const) {
          const xs = all.map(pick).sort((a, b) => a - b);
          this.set({ stat: 'max', stage }, summary(xs, 'max') / 1000);
          this.set({ stat: 'median', stage }, summary(xs, 'median') / 1000);
        }
      },
    });
    new Gauge({ name: 'tandem_media_agent_sent_bits_per_second', help: 'bits per second the agents connected here send (sum)', registers: [r], collect() { this.set(agents().reduce((a, s) => a + s.bitsPerSecond, 0)); } });
  }

  async scrape(): Promise<string> {
    const relay = this.relay;
    this.viewers = relay
      ? this.connections.list().filter((c) => c.endpoint === 'console').flatMap((c) => relay.viewerStats(c.id) ?? [])
      : [];
    const start = process.hrtime.bigint();
    try {
      await this.store.ping();
      this.redisRtt = Number(process.hrtime.bigint() - start) / 1e9;
    } catch {
      this.redisRtt = -1;
    }
    return this.registry.metrics();
  }
}

/** The max, median, min or sum of ascending `xs` (0 when empty). */
function summary(xs: readonly number[], kind: 'max' | 'median' | 'min' | 'sum'): number {
  if (xs.length === 0) return 0;
  if (kind === 'max') return xs[xs.length - 1]!;
  if (kind === 'min') return xs[0]!;
  if (kind === 'sum') return xs.reduce((a, b) => a + b, 0);
  return xs[Math.floor((xs.length - 1) / 2)]!;
}

/** `GET /metrics`: Prometheus text format. Scraped by the monitoring network; not behind a login. */
@Controller()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}
