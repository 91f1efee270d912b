// On-demand reads and writes on a session, in terms of the lib's Sample contract.
import { AttributeIds, DataType, StatusCodes, type ClientSession } from 'node-opcua-client';
import type { Sample } from '../contracts';
import { resolveNodeIds } from './opcua-namespaces';
import { coerceForWrite, toSample } from './opcua-values';
import type { MonitorItem } from './opcua-subscription';

/** Reads the current value of each item, one request for all. */
export async function readSamples(session: ClientSession, items: MonitorItem[], source?: string): Promise<Sample[]> {
  if (items.length === 0) return [];
  const ids = await resolveNodeIds(session, items.map((i) => i.nodeId));
  const values = await session.read(ids.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })));
  return values.map((dv, k) => toSample(items[k].tag || items[k].nodeId.trim(), dv, source));
}

export interface WriteOutcome {
  nodeId: string;
  oldValue: unknown;
  newValue: unknown;
  dataType: string;
}

/**
 * Writes one value after reading the node's data type and current value (the old value is logged
 * with every write). Throws with the server's status when the write is refused.
 */
export async function writeValue(session: ClientSession, nodeId: string, value: unknown, prepare?: (oldValue: unknown) => unknown): Promise<WriteOutcome> {
  const [id] = await resolveNodeIds(session, [nodeId]);
  const [typeRead, current] = await session.read([
    { nodeId: id, attributeId: AttributeIds.DataType },
    { nodeId: id, attributeId: AttributeIds.Value },
  ]);
  if (typeRead.statusCode.value >>> 30 >= 2) throw new Error(`${id}: ${typeRead.statusCode.name}`);
  const typeNodeId = typeRead.value.value as { namespace: number; value: unknown } | null;
  const dataType: DataType = typeNodeId && typeNodeId.namespace === 0 && typeof typeNodeId.value === 'number' ? (typeNodeId.value as DataType) : (current.value?.dataType ?? DataType.Null);
  const oldValue = current.statusCode.value >>> 30 >= 2 ? undefined : current.value?.value;
  const wanted = prepare ? prepare(oldValue) : value;
  const coerced = coerceForWrite(wanted, dataType, id);
  const status = await session.write({ nodeId: id, attributeId: AttributeIds.Value, value: { value: { dataType, value: coerced } } });
  if (status !== StatusCodes.Good && status.value !== 0) throw new Error(`write ${id} refused: ${status.name}`);
  return { nodeId: id, oldValue, newValue: wanted, dataType: DataType[dataType] ?? String(dataType) };
}
