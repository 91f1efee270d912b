// The alert sink's actions under Node-RED's admin API, so the editor's adminAuth protects them:
//   GET  /millwright/alarms/:nodeId          (millwright-alert-sink.read)   alarm list and KPIs
//   GET  /millwright/alarms/:nodeId/events   (millwright-alert-sink.read)   the event log
//   POST /millwright/alarms/:nodeId/:action  (millwright-alert-sink.write)  ack, shelve, unshelve, comment...
import type { NodeAPI } from 'node-red';
import { errorText } from '../shared/glue';

export interface SinkActions {
  list(all: boolean): unknown;
  events(): unknown;
  /** Runs a command; throws an Error with `status` set for client mistakes. */
  act(action: string, body: Record<string, unknown>, by: string): unknown;
}

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Running sinks by node id; shared by every registration of the module. */
export const sinks = new Map<string, SinkActions>();
const appsWithRoutes = new WeakSet<object>();

interface Req {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body?: unknown;
  user?: { username?: string };
}
interface Res {
  status(code: number): Res;
  json(body: unknown): void;
}

function answer(res: Res, fn: () => unknown): void {
  try {
    res.json(fn());
  } catch (err) {
    const status = err instanceof HttpError ? err.status : 400;
    res.status(status).json({ error: errorText(err) });
  }
}

function sinkFor(id: string): SinkActions {
  const sink = sinks.get(id);
  if (!sink) throw new HttpError(404, `no deployed alert sink with id "${id}"`);
  return sink;
}

export function registerRoutes(RED: NodeAPI): void {
  const app = RED.httpAdmin as unknown as { get: Function; post: Function } & object;
  if (!app || appsWithRoutes.has(app)) return;
  appsWithRoutes.add(app);
  const read = RED.auth.needsPermission('millwright-alert-sink.read');
  const write = RED.auth.needsPermission('millwright-alert-sink.write');
  app.get('/millwright/alarms/:nodeId', read, (req: Req, res: Res) => answer(res, () => sinkFor(req.params.nodeId).list(req.query.all === '1' || req.query.all === 'true')));
  app.get('/millwright/alarms/:nodeId/events', read, (req: Req, res: Res) => answer(res, () => sinkFor(req.params.nodeId).events()));
  app.post('/millwright/alarms/:nodeId/:action', write, (req: Req, res: Res) =>
    answer(res, () => {
      const body = typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
      // Who acted comes from the authenticated user, never from the request body.
      const { by: _claimed, ...rest } = body;
      return sinkFor(req.params.nodeId).act(req.params.action, rest, req.user?.username ?? 'editor (no adminAuth)');
    }),
  );
}
