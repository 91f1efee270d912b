// Communication lost, per source (connection, endpoint or machine): the alarm is active while every
// tag seen from that source reads bad quality, and clears as soon as one reads good. A single tag whose
// request fails while its neighbours read fine is a tag problem, not a lost connection, so it never
// makes the source's alarm flap. Memory is bounded: the oldest sources are forgotten first.
import type { Observation } from './engine';
import type { TagQuality } from './inputs';

export const COMM_LOST = 'comm-lost';

export class CommQuality {
  private readonly sources = new Map<string, Map<string, boolean>>();
  private tagCount = 0;

  constructor(private readonly severity = 700, private readonly maxTags = 50_000) {}

  /** Records one msg's tag qualities; returns one observation per source it touched. */
  apply(tags: TagQuality[]): Observation[] {
    const touched = new Map<string, TagQuality[]>();
    for (const q of tags) {
      let map = this.sources.get(q.source);
      if (!map) {
        map = new Map();
        this.sources.set(q.source, map);
      } else {
        // Re-inserting keeps the Map in least-recently-seen order for eviction.
        this.sources.delete(q.source);
        this.sources.set(q.source, map);
      }
      if (!map.has(q.tag)) this.tagCount++;
      map.set(q.tag, q.bad);
      const list = touched.get(q.source) ?? [];
      list.push(q);
      touched.set(q.source, list);
    }
    this.evict(touched);
    return [...touched.entries()].map(([source, list]) => this.observation(source, list));
  }

  trackedTags(): number {
    return this.tagCount;
  }

  private observation(source: string, list: TagQuality[]): Observation {
    const map = this.sources.get(source);
    const states = map ? [...map.values()] : list.map((q) => q.bad);
    const bad = states.filter(Boolean).length;
    const lost = bad === states.length;
    const last = list[list.length - 1];
    const error = [...list].reverse().find((q) => q.error)?.error;
    const obs: Observation = {
      source,
      condition: COMM_LOST,
      active: lost,
      severity: this.severity,
      message: lost ? `communication lost: ${bad} tag(s) bad${error ? ` (${error})` : ''}` : `communication restored`,
      by: 'protocol',
      reason: lost ? `every tag of ${source} reads bad quality${error ? `: ${error}` : ''}` : `${states.length - bad} of ${states.length} tag(s) read good quality`,
    };
    if (last.area) obs.area = last.area;
    if (last.machine) obs.machine = last.machine;
    return obs;
  }

  private evict(keep: Map<string, unknown>): void {
    for (const [source, map] of this.sources) {
      if (this.tagCount <= this.maxTags) return;
      if (keep.has(source)) continue;
      this.tagCount -= map.size;
      this.sources.delete(source);
    }
  }
}
