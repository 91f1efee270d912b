// Modbus write: coils and holding registers with the poll node's tag typing, behind an explicit
// "enable writing" switch, per-tag limits and a rate-of-change limit. Every write is logged with its
// old and new value. Also takes the energy scheduler's Command {loadId, action} and maps it to a coil.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { validateCommand, type Command } from '../../lib/contracts';
import { decodeBits, decodeRegisters, encodeRegisters, withBit, type TagValue } from '../../lib/protocols/modbus-codec';
import type { ModbusConnectionHandle } from '../../lib/protocols/modbus-handle';
import { applyWriteLimits, parseWriteLimits, type WriteLimits } from '../../lib/protocols/modbus-write-policy';
import { isBitArea, parseAddressBase, parseTagTable, type ModbusTag } from '../../lib/protocols/modbus-tags';
import { errorText, onInput, status, type Send, refuseForBadConfig } from '../shared/glue';

interface ModbusWriteDef extends NodeDef {
  connection: string;
  tags: unknown;
  addressing: string;
  writeEnabled: boolean | string;
}

interface WriteTag {
  tag: ModbusTag;
  limits: WriteLimits;
  loadId?: string;
}

interface WriteResult {
  tag: string;
  old: TagValue | null;
  value: TagValue;
  requested: TagValue;
  limited: boolean;
  note?: string;
  timestamp: number;
}

/** Longest a Command may be scheduled ahead (a day); later ones are refused rather than held. */
const MAX_COMMAND_DELAY_MS = 24 * 3600 * 1000;

function toBool(name: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (['true', 'on', '1', 'start'].includes(t)) return true;
    if (['false', 'off', '0', 'stop'].includes(t)) return false;
  }
  throw new Error(`tag "${name}": expected true/false (or 1/0, on/off), got ${JSON.stringify(v)}`);
}

function toNumber(name: string, v: unknown): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`tag "${name}": expected a finite number, got ${JSON.stringify(v)}`);
  return n;
}

function isCommand(p: unknown): p is Record<string, unknown> {
  return typeof p === 'object' && p !== null && !Array.isArray(p) && 'loadId' in p && 'action' in p;
}

export = function register(RED: NodeAPI): void {
  function ModbusWriteNode(this: Node, config: ModbusWriteDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const handle = RED.nodes.getNode(config.connection) as unknown as (Node & ModbusConnectionHandle) | null;
    const enabled = config.writeEnabled === true || config.writeEnabled === 'true';
    const byName = new Map<string, WriteTag>();
    try {
      if (!handle || typeof handle.register !== 'function') throw new Error('no Modbus connection selected: pick or add one in the node');
      const rows = typeof config.tags === 'string' ? (config.tags.trim() ? JSON.parse(config.tags) : []) : (config.tags ?? []);
      const tags = parseTagTable(rows, parseAddressBase(config.addressing));
      if (tags.length === 0) throw new Error('the tag table is empty: add at least one tag');
      tags.forEach((tag, i) => {
        const row = (rows as Array<Record<string, unknown>>)[i];
        if (tag.area !== 'coil' && tag.area !== 'holding') throw new Error(`tag "${tag.name}": ${tag.area} ${tag.area === 'input' ? 'registers' : 'inputs'} are read-only; write coils or holding registers`);
        const loadId = typeof row.loadId === 'string' && row.loadId.trim() ? row.loadId.trim() : undefined;
        byName.set(tag.name, { tag, limits: parseWriteLimits(row, tag.name), ...(loadId ? { loadId } : {}) });
      });
    } catch (err) {
      refuseForBadConfig(node, err);
      return;
    }

    const shared = handle!;
    const startedAt = Date.now();
    const lastWriteAt = new Map<string, number>();
    const lastWritten = new Map<string, TagValue>();
    const pendingCommands = new Map<string, NodeJS.Timeout>();
    let chain: Promise<unknown> = Promise.resolve();
    let closed = false;
    let writes = 0;

    const unitOf = (tag: ModbusTag) => tag.unitId ?? shared.defaultUnitId;

    /** The device's current value (and raw word for bit-in-register tags); undefined when it cannot be read. */
    const readCurrent = async (tag: ModbusTag): Promise<{ value: TagValue; word?: number } | undefined> => {
      const conn = shared.connection();
      try {
        if (isBitArea(tag.area)) return { value: decodeBits(tag, await conn.readBits(tag.area, unitOf(tag), tag.address, 1), tag.address) };
        const regs = await conn.readRegisters(tag.area, unitOf(tag), tag.address, tag.count);
        return { value: decodeRegisters(tag, regs, tag.address), word: regs.readUInt16BE(0) };
      } catch (err) {
        node.debug(`could not read "${tag.name}" before writing: ${errorText(err)}`);
        return undefined;
      }
    };

    const writeOne = async (entry: WriteTag, requested: unknown): Promise<WriteResult> => {
      const { tag, limits } = entry;
      const now = Date.now();
      const current = await readCurrent(tag);
      const old = current?.value ?? lastWritten.get(tag.name);
      let value: TagValue;
      let requestedValue: TagValue;
      let limited = false;
      let note: string | undefined;
      const conn = shared.connection();
      if (tag.type === 'bool') {
        value = requestedValue = toBool(tag.name, requested);
        if (tag.area === 'coil') await conn.writeCoil(unitOf(tag), tag.address, value);
        else {
          if (current?.word === undefined) throw new Error(`tag "${tag.name}": cannot set bit ${tag.bit} without reading the register first`);
          await conn.writeRegisters(unitOf(tag), tag.address, [withBit(tag, current.word, value)]);
        }
      } else if (tag.type === 'string') {
        if (typeof requested !== 'string') throw new Error(`tag "${tag.name}": expected a string, got ${JSON.stringify(requested)}`);
        value = requestedValue = requested;
        await conn.writeRegisters(unitOf(tag), tag.address, encodeRegisters(tag, value));
      } else {
        requestedValue = toNumber(tag.name, requested);
        const decision = applyWriteLimits(tag.name, requestedValue, limits, typeof old === 'number' ? old : undefined, now - (lastWriteAt.get(tag.name) ?? startedAt));
        value = decision.value;
        limited = decision.limited;
        note = decision.note;
        await conn.writeRegisters(unitOf(tag), tag.address, encodeRegisters(tag, value));
      }
      lastWriteAt.set(tag.name, Date.now());
      lastWritten.set(tag.name, value);
      writes++;
      node.log(`write ${tag.name} (${tag.area} ${tag.address}, unit ${unitOf(tag)}): ${old === undefined ? 'unknown' : JSON.stringify(old)} -> ${JSON.stringify(value)}${note ? ` (requested ${JSON.stringify(requestedValue)}, ${note})` : ''}`);
      const result: WriteResult = { tag: tag.name, old: old ?? null, value, requested: requestedValue, limited, timestamp: Date.now() };
      if (note) result.note = note;
      return result;
    };

    const entryFor = (name: string): WriteTag => {
      const entry = byName.get(name);
      if (!entry) throw new Error(`unknown tag "${name}": this node writes ${[...byName.keys()].join(', ')}`);
      return entry;
    };

    /** The (tag, value) pairs a msg asks for. */
    const plannedWrites = (msg: NodeMessageInFlow): Array<[WriteTag, unknown]> => {
      const p = msg.payload as unknown;
      const topic = typeof msg.topic === 'string' && msg.topic.trim() ? msg.topic.trim() : undefined;
      if (typeof p === 'object' && p !== null && !Array.isArray(p) && !topic) {
        const pairs = Object.entries(p as Record<string, unknown>);
        if (pairs.length === 0) throw new Error('payload is an empty object: give {tagName: value, ...}');
        return pairs.map(([name, v]) => [entryFor(name), v]);
      }
      if (topic) return [[entryFor(topic), p]];
      if (byName.size === 1) return [[[...byName.values()][0], p]];
      throw new Error(`set msg.topic to the tag to write, or send {tagName: value}; tags: ${[...byName.keys()].join(', ')}`);
    };

    const commandTarget = (cmd: Command): WriteTag => {
      const entry = [...byName.values()].find((e) => e.loadId === cmd.loadId) ?? byName.get(cmd.loadId);
      if (!entry) throw new Error(`command for load "${cmd.loadId}": no tag has that load id or name`);
      if (entry.tag.type !== 'bool') throw new Error(`command for load "${cmd.loadId}": tag "${entry.tag.name}" is ${entry.tag.type}, a command needs a coil or bool`);
      return entry;
    };

    const serial = <T>(fn: () => Promise<T>): Promise<T> => {
      const next = chain.then(fn, fn);
      chain = next.catch(() => undefined);
      return next;
    };

    const run = async (pairs: Array<[WriteTag, unknown]>, msg: NodeMessageInFlow, send: Send) => {
      const results: WriteResult[] = [];
      for (const [entry, v] of pairs) results.push(await serial(() => writeOne(entry, v)));
      if (closed) return;
      status.ok(node, `${writes} writes, last ${results[results.length - 1].tag} = ${String(results[results.length - 1].value)}`);
      send({ ...msg, payload: results.length === 1 ? results[0] : results });
    };

    onInput(node, async (msg, send, done) => {
      if (!enabled) throw new Error('writing is disabled: tick "Enable writing" in this node to let it change the device');
      if (isCommand(msg.payload)) {
        const raw = msg.payload as Record<string, unknown>;
        const cmd = validateCommand({ reason: '', ...raw, at: raw.at ?? Date.now() }, 'payload');
        const entry = commandTarget(cmd);
        const value = cmd.action === 'start' || cmd.action === 'release';
        const delay = cmd.at - Date.now();
        if (delay > MAX_COMMAND_DELAY_MS) throw new Error(`command for load "${cmd.loadId}" is more than a day ahead; send it nearer its time`);
        if (delay > 500) {
          // a later command for the same load replaces the pending one
          const pending = pendingCommands.get(cmd.loadId);
          if (pending) clearTimeout(pending);
          pendingCommands.set(
            cmd.loadId,
            setTimeout(() => {
              pendingCommands.delete(cmd.loadId);
              if (closed) return;
              run([[entry, value]], msg, node.send.bind(node) as Send).catch((err) => {
                status.error(node, errorText(err));
                node.error(err, msg);
              });
            }, delay),
          );
          status.ok(node, `${cmd.action} ${cmd.loadId} at ${new Date(cmd.at).toISOString().slice(11, 19)}`);
          return done();
        }
        await run([[entry, value]], msg, send);
        return done();
      }
      await run(plannedWrites(msg), msg, send);
      done();
    });

    shared.register(node);
    if (!enabled) status.warn(node, 'writing disabled');

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      for (const t of pendingCommands.values()) clearTimeout(t);
      pendingCommands.clear();
      shared.deregister(node, done);
    });
  }

  RED.nodes.registerType('millwright-modbus-write', ModbusWriteNode);
};
