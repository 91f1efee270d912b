// One poll of a planned tag table: run every request, decode every tag, and turn each failed
// request into bad-quality samples for exactly the tags it carried.
import type { Sample } from '../contracts';
import { decodeBits, decodeRegisters, type TagValue } from './modbus-codec';
import type { ModbusConnection } from './modbus-client';
import { planRequests, type PlanOptions, type ReadRequest } from './modbus-coalesce';
import { isBitArea, type ModbusTag } from './modbus-tags';

export interface PollFailure {
  request: ReadRequest;
  error: Error;
}

export interface PollResult {
  samples: Sample[];
  failures: PollFailure[];
  requests: number;
}

/** Placeholder value for a tag that never had a good reading (the sample's quality says it is bad). */
function emptyValue(tag: ModbusTag): TagValue {
  return tag.type === 'bool' ? false : tag.type === 'string' ? '' : 0;
}

type Reply = { data: Buffer | boolean[]; at: number } | { error: Error; at: number };

/** Requests of one poll waiting in the connection's queue at most (one on the wire, the rest queued). */
const LOOKAHEAD = 4;

/** Modbus exception 2: the device has no such address. */
const ILLEGAL_DATA_ADDRESS = 2;

/** True when a request reads addresses that belong to none of its tags. */
function spansHoles(r: ReadRequest): boolean {
  const covered = new Uint8Array(r.count);
  for (const t of r.tags) covered.fill(1, t.address - r.start, t.address - r.start + t.count);
  return covered.includes(0);
}

export class ModbusPoller {
  /** The requests of one poll; a merged request the device refuses is split for good (see poll()). */
  readonly plan: ReadRequest[];
  /** Merged requests split because the device refused to read across their unused addresses. */
  splits = 0;
  /** Last good value per tag, carried on bad-quality samples so consumers keep a value to show. */
  private readonly last = new Map<string, TagValue>();

  constructor(
    private readonly connection: Pick<ModbusConnection, 'readRegisters' | 'readBits'>,
    readonly tags: ModbusTag[],
    private readonly source: string,
    private readonly options: PlanOptions = {},
  ) {
    this.plan = planRequests(tags, options);
  }

  private read(r: ReadRequest, now: () => number): Promise<Reply> {
    return (isBitArea(r.area) ? this.connection.readBits(r.area, r.unitId, r.start, r.count) : this.connection.readRegisters(r.area, r.unitId, r.start, r.count)).then(
      (data) => ({ data, at: now() }),
      (error: Error) => ({ error, at: now() }),
    );
  }

  async poll(now: () => number = Date.now): Promise<PollResult> {
    const samples: Sample[] = [];
    const failures: PollFailure[] = [];
    // The connection serialises requests; keeping a few queued keeps the link busy without gaps,
    // and never more than a few, so a long table cannot fill the connection's bounded queue.
    const replies: Array<Promise<Reply> | undefined> = [];
    for (let i = 0; i < this.plan.length; i++) {
      for (let j = i; j < Math.min(i + LOOKAHEAD, this.plan.length); j++) replies[j] ??= this.read(this.plan[j], now);
      const request = this.plan[i];
      const reply = (await replies[i]) as Reply;
      if ('error' in reply && (reply.error as { exceptionCode?: number }).exceptionCode === ILLEGAL_DATA_ADDRESS && spansHoles(request)) {
        // Many devices refuse reads across unmapped addresses: read these tags without the holes from
        // now on (and right away, so this poll still delivers them).
        const parts = planRequests(request.tags, { ...this.options, maxGap: 0 });
        this.plan.splice(i, 1, ...parts);
        replies.splice(i, 1, ...parts.map(() => undefined));
        this.splits++;
        i--;
        continue;
      }
      if ('error' in reply) {
        failures.push({ request, error: reply.error });
        for (const tag of request.tags) samples.push(this.bad(tag, reply.at, reply.error));
        continue;
      }
      for (const tag of request.tags) {
        let value: TagValue;
        try {
          value = isBitArea(request.area) ? decodeBits(tag, reply.data as boolean[], request.start) : decodeRegisters(tag, reply.data as Buffer, request.start);
        } catch (error) {
          samples.push(this.bad(tag, reply.at, error as Error));
          continue;
        }
        if (typeof value === 'number' && !Number.isFinite(value)) {
          samples.push(this.bad(tag, reply.at, new Error(`tag "${tag.name}": device returned ${value}`)));
          continue;
        }
        this.last.set(tag.name, value);
        const sample: Sample = { tag: tag.name, value, timestamp: reply.at, quality: 'good', source: this.source };
        if (tag.unit !== undefined) sample.unit = tag.unit;
        samples.push(sample);
      }
    }
    return { samples, failures, requests: this.plan.length };
  }

  private bad(tag: ModbusTag, at: number, error: Error): Sample {
    const sample: Sample = { tag: tag.name, value: this.last.get(tag.name) ?? emptyValue(tag), timestamp: at, quality: 'bad', source: this.source, error: error.message };
    if (tag.unit !== undefined) sample.unit = tag.unit;
    return sample;
  }
}
