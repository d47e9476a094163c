/** One stream's versions delivered here: every one up to `upTo`, and the ranges in `beyond` (past a hole). */
interface Heard {
  upTo: number;
  beyond: Array<[number, number]>;
  /** The first version heard when the stream was first heard of here. */
  since: number;
}

/**
 * Which commits (by stream `kind:id` and version) this node has delivered to its listeners. Mostly one
 * number per stream; a lost bus message leaves a hole, and the versions delivered past it are kept as
 * ranges until the hole is filled. After a bus gap it answers exactly which journal entries are new
 * here, whatever arrived live meanwhile, so a catch-up repeats nothing and skips nothing.
 */
export class HeardVersions {
  private readonly streams = new Map<string, Heard>();

  /** Versions `from`..`to` were delivered. The first ones heard of a stream stand for its whole history. */
  record(key: string, from: number, to: number): void {
    if (to < from) return;
    const h = this.streams.get(key);
    if (!h) {
      this.streams.set(key, { upTo: to, beyond: [], since: from });
      return;
    }
    if (from <= h.upTo + 1) h.upTo = Math.max(h.upTo, to);
    else h.beyond.push([from, to]);
    h.beyond.sort((a, b) => a[0] - b[0]);
    // Ranges the watermark reached join it.
    while (h.beyond.length > 0 && h.beyond[0]![0] <= h.upTo + 1) h.upTo = Math.max(h.upTo, h.beyond.shift()![1]);
  }

  has(key: string, version: number): boolean {
    const h = this.streams.get(key);
    if (!h) return false;
    return version <= h.upTo || h.beyond.some(([a, b]) => a <= version && version <= b);
  }

  /** Every version up to this one was delivered; undefined for a stream never heard of. */
  upTo(key: string): number | undefined {
    return this.streams.get(key)?.upTo;
  }

  /** True when nothing is missing below the newest version delivered. */
  isWhole(key: string): boolean {
    return (this.streams.get(key)?.beyond.length ?? 0) === 0;
  }

  /** A stream known up to `upTo` without having heard a commit of it (a stream opened by a resume). */
  assume(key: string, upTo: number): void {
    if (!this.streams.has(key)) this.streams.set(key, { upTo, beyond: [], since: upTo + 1 });
  }

  /**
   * The stream may have started while the bus was down: what came before its first version heard here
   * was not heard after all (only versions above `upTo` are kept as heard).
   */
  unhearBefore(key: string, upTo: number): void {
    const h = this.streams.get(key);
    if (!h || h.since <= upTo + 1) return;
    h.beyond.unshift([h.since, h.upTo]);
    h.upTo = upTo;
    h.since = upTo + 1;
  }

  forget(key: string): void {
    this.streams.delete(key);
  }

  /** The streams known whose keys start with `prefix` (e.g. `session:`). */
  keys(prefix: string): string[] {
    return [...this.streams.keys()].filter((k) => k.startsWith(prefix));
  }
}
