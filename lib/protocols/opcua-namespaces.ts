// Node ids written with a namespace URI (nsu=urn:...;s=Tag) stay valid when a server renumbers
// its namespaces; they are turned into index form against the session's namespace array.
import { AttributeIds, type ClientSession } from 'node-opcua-client';

const tables = new WeakMap<ClientSession, Promise<string[]>>();

function namespaceArray(session: ClientSession): Promise<string[]> {
  let table = tables.get(session);
  if (!table) {
    table = session.read({ nodeId: 'i=2255', attributeId: AttributeIds.Value }).then((dv) => (Array.isArray(dv.value?.value) ? (dv.value.value as string[]) : []));
    table.catch(() => tables.delete(session));
    tables.set(session, table);
  }
  return table;
}

const NSU = /^nsu=([^;]+);(.+)$/;

export function usesNamespaceUri(nodeId: string): boolean {
  return NSU.test(nodeId.trim());
}

/** The node ids in ns=<index> form; throws naming a namespace the server does not have. */
export async function resolveNodeIds(session: ClientSession, nodeIds: string[]): Promise<string[]> {
  const trimmed = nodeIds.map((id) => id.trim());
  if (!trimmed.some((id) => NSU.test(id))) return trimmed;
  const uris = await namespaceArray(session);
  return trimmed.map((id) => {
    const m = NSU.exec(id);
    if (!m) return id;
    const index = uris.indexOf(m[1]);
    if (index < 0) throw new Error(`namespace "${m[1]}" of ${id} is not on the server (it has: ${uris.join(', ')})`);
    return `ns=${index};${m[2]}`;
  });
}
