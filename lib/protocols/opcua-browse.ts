// Browsing an OPC UA address space one level at a time, for the editor's node picker.
import { BrowseDirection, NodeClass, resolveNodeId, type ClientSession, type ReferenceDescription } from 'node-opcua-client';

export interface BrowseEntry {
  nodeId: string;
  browseName: string;
  displayName: string;
  nodeClass: string;
  /** Variables can be subscribed, read and written; objects and folders are browsed into. */
  isVariable: boolean;
}

const MAX_CONTINUATIONS = 50;

/** Children of a node (forward hierarchical references), following continuation points. */
export async function browseChildren(session: ClientSession, nodeId = 'i=85'): Promise<BrowseEntry[]> {
  let id: string;
  try {
    id = resolveNodeId(nodeId).toString();
  } catch {
    throw new Error(`node id "${nodeId}" is not valid`);
  }
  let result = await session.browse({
    nodeId: id,
    browseDirection: BrowseDirection.Forward,
    referenceTypeId: 'HierarchicalReferences',
    includeSubtypes: true,
    nodeClassMask: 0,
    resultMask: 63,
  });
  if (result.statusCode.value >>> 30 >= 2) throw new Error(`browse ${id}: ${result.statusCode.name}`);
  const refs: ReferenceDescription[] = [...(result.references ?? [])];
  for (let i = 0; result.continuationPoint && result.continuationPoint.length > 0 && i < MAX_CONTINUATIONS; i++) {
    result = await session.browseNext(result.continuationPoint, false);
    refs.push(...(result.references ?? []));
  }
  return refs.map((r) => ({
    nodeId: r.nodeId.toString(),
    browseName: r.browseName.toString(),
    displayName: r.displayName?.text ?? r.browseName.name ?? '',
    nodeClass: NodeClass[r.nodeClass] ?? String(r.nodeClass),
    isVariable: r.nodeClass === NodeClass.Variable,
  }));
}
