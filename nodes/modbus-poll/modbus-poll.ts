// Modbus poll: reads a tag table on a timer (and on any input msg) in the fewest requests, and sends
// Millwright samples, one msg per tag or one per poll. Failed requests give bad-quality samples for
// their tags and an error a Catch node sees.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { Sample } from '../../lib/contracts';
import type { ModbusConnectionHandle, ModbusRequests } from '../../lib/protocols/modbus-handle';
import { ModbusPoller, type PollResult } from '../../lib/protocols/modbus-poller';
import { parseAddressBase, parseTagTable } from '../../lib/protocols/modbus-tags';
import { errorText, onInput, status, type Send, refuseForBadConfig } from '../shared/glue';

interface ModbusPollDef extends NodeDef {
  connection: string;
  tags: unknown;
  addressing: string;
  interval: string | number;
  output: string;
  maxGap: string | number;
}

/** One error per poll that names how much failed and why (first distinct reasons). */
function pollError(result: PollResult): Error | undefined {
  if (result.failures.length === 0) return undefined;
  const reasons = [...new Set(result.failures.map((f) => f.error.message))];
  const tags = result.failures.reduce((n, f) => n + f.request.tags.length, 0);
  const err = new Error(`${result.failures.length} of ${result.requests} Modbus requests failed (${tags} tags bad): ${reasons.slice(0, 2).join('; ')}${reasons.length > 2 ? ` (+${reasons.length - 2} more)` : ''}`);
  return err;
}

/** What identifies an ongoing failure, so a timer poll reports it when it starts or changes, not every cycle. */
function failureKey(result: PollResult): string {
  return result.failures.map((f) => `${f.request.unitId}:${f.request.area}:${f.request.start}:${(f.error as { kind?: string }).kind}:${(f.error as { exceptionCode?: number }).exceptionCode ?? ''}`).join('|');
}

function clock(): string {
  return new Date().toISOString().slice(11, 19);
}

export = function register(RED: NodeAPI): void {
  function ModbusPollNode(this: Node, config: ModbusPollDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const handle = RED.nodes.getNode(config.connection) as unknown as (Node & ModbusConnectionHandle) | null;
    let poller: ModbusPoller;
    let intervalMs = 0;
    try {
      if (!handle || typeof handle.register !== 'function') throw new Error('no Modbus connection selected: pick or add one in the node');
      const tags = parseTagTable(config.tags ?? [], parseAddressBase(config.addressing));
      if (tags.length === 0) throw new Error('the tag table is empty: add at least one tag');
      const maxGap = config.maxGap === undefined || String(config.maxGap).trim() === '' ? undefined : Number(config.maxGap);
      if (maxGap !== undefined && !(Number.isInteger(maxGap) && maxGap >= 0)) throw new Error(`Max gap must be a whole number >= 0 or empty, got "${config.maxGap}"`);
      const interval = config.interval === undefined || String(config.interval).trim() === '' ? 1000 : Number(config.interval);
      if (!Number.isFinite(interval) || interval < 0) throw new Error(`Poll interval must be a number of ms >= 0, got "${config.interval}"`);
      intervalMs = interval === 0 ? 0 : Math.max(10, interval);
      const shared = handle;
      const requests: Pick<ModbusRequests, 'readRegisters' | 'readBits'> = {
        readRegisters: (area, unitId, start, count) => shared.connection().readRegisters(area, unitId, start, count),
        readBits: (area, unitId, start, count) => shared.connection().readBits(area, unitId, start, count),
      };
      poller = new ModbusPoller(requests, tags, handle.label, { maxGap, defaultUnitId: handle.defaultUnitId });
    } catch (err) {
      refuseForBadConfig(node, err);
      return;
    }

    const perTag = config.output === 'tag';
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    let lastFailure = '';
    let overruns = 0;

    const emit = (samples: Sample[], send: Send, base?: NodeMessageInFlow) => {
      if (perTag) send([samples.map((s) => ({ ...(base ?? {}), topic: s.tag, payload: s }))]);
      else send({ ...(base ?? {}), topic: config.name || 'modbus', payload: samples });
    };

    let shown = '';
    const showStatus = (result: PollResult) => {
      const good = result.samples.length - result.samples.filter((s) => s.quality !== 'good').length;
      if (result.failures.length === 0) {
        // the status only changes once a second at most, however fast the poll
        const text = `${good} tags, ${result.requests} req ${clock()}${overruns ? `, ${overruns} overruns` : ''}`;
        if (text !== shown) status.ok(node, text);
        shown = text;
        return;
      }
      shown = '';
      const connectionDown = result.failures.every((f) => (f.error as { kind?: string }).kind === 'not-connected');
      const linkStatus = handle!.currentStatus();
      if (connectionDown && linkStatus.fill) node.status(linkStatus);
      else if (result.failures.length < result.requests) status.warn(node, `${result.failures.length}/${result.requests} req failed: ${result.failures[0].error.message}`);
      else status.error(node, result.failures[0].error.message);
    };

    let splits = 0;
    const runPoll = async (): Promise<PollResult> => {
      const result = await poller.poll();
      if (poller.splits !== splits) {
        splits = poller.splits;
        node.warn(`the device refused to read across unused addresses; now ${result.requests} requests per poll (set Max gap to avoid this)`);
      }
      if (!closed) showStatus(result);
      return result;
    };

    const tick = async () => {
      timer = undefined;
      if (closed) return;
      const started = Date.now();
      try {
        const result = await runPoll();
        if (closed) return;
        emit(result.samples, node.send.bind(node) as Send);
        const key = failureKey(result);
        const err = pollError(result);
        if (err && key !== lastFailure) node.error(err, { topic: config.name || 'modbus', payload: result.samples } as never);
        lastFailure = key;
      } catch (err) {
        status.error(node, errorText(err));
        node.error(errorText(err));
      } finally {
        if (!closed && intervalMs > 0) {
          const elapsed = Date.now() - started;
          if (elapsed > intervalMs) overruns++;
          timer = setTimeout(() => void tick(), Math.max(0, intervalMs - elapsed));
        }
      }
    };

    onInput(node, async (msg, send, done) => {
      const result = await runPoll();
      if (closed) return done();
      emit(result.samples, send, msg);
      const err = pollError(result);
      if (err) done(err);
      else done();
    });

    handle!.register(node);
    if (intervalMs > 0) timer = setTimeout(() => void tick(), 0);

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      handle!.deregister(node, done);
    });
  }

  RED.nodes.registerType('millwright-modbus-poll', ModbusPollNode);
};
