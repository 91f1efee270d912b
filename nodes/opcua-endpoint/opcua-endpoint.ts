// OPC UA endpoint config node: one shared connection per endpoint (lib/protocols does the work),
// the PKI in the Node-RED user directory, the password only in Node-RED credentials, and the
// editor's browse picker served from an admin HTTP endpoint.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { browseChildren } from '../../lib/protocols/opcua-browse';
import { OpcuaEndpoint } from '../../lib/protocols/opcua-endpoint';
import { parseEndpointSettings, redact } from '../../lib/protocols/opcua-options';
import { errorText } from '../shared/glue';

interface EndpointDef extends NodeDef {
  endpointUrl: string;
  securityMode: string;
  securityPolicy: string;
  authType: string;
  certificateFile: string;
  privateKeyFile: string;
  acceptUnknownServerCertificate: boolean;
}

interface EndpointCredentials {
  userName?: string;
  password?: string;
}

/** What user nodes find on the config node. */
interface EndpointConfigNode extends Node {
  endpoint?: OpcuaEndpoint;
  configError?: string;
  /** Removes this endpoint's password from a text (for the browse endpoint's errors). */
  redactText?: (text: string) => string;
}

export = function register(RED: NodeAPI): void {
  function OpcuaEndpointNode(this: EndpointConfigNode, config: EndpointDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const credentials = (node.credentials ?? {}) as EndpointCredentials;
    const secret = credentials.password;
    node.redactText = (text) => redact(text, [secret]);
    const userDir = (RED.settings as unknown as { userDir?: string }).userDir || join(homedir(), '.node-red');
    try {
      const options = parseEndpointSettings({
        endpointUrl: config.endpointUrl,
        securityMode: config.securityMode,
        securityPolicy: config.securityPolicy,
        authType: config.authType,
        userName: credentials.userName,
        password: secret,
        certificateFile: config.certificateFile,
        privateKeyFile: config.privateKeyFile,
        acceptUnknownServerCertificate: config.acceptUnknownServerCertificate,
        pkiDir: join(userDir, 'millwright-opcua-pki'),
        applicationName: 'Millwright',
      });
      node.endpoint = new OpcuaEndpoint(options, {
        log: (level, text) => {
          const clean = redact(text, [secret]);
          if (level === 'info') node.log(clean);
          else node.warn(clean);
        },
      });
    } catch (err) {
      node.configError = redact(errorText(err), [secret]);
      node.error(`OPC UA endpoint "${config.name || config.endpointUrl}": ${node.configError}`);
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      const endpoint = node.endpoint;
      node.endpoint = undefined;
      if (!endpoint) return done();
      endpoint
        .close()
        .catch((err) => node.warn(`closing the OPC UA endpoint: ${redact(errorText(err), [secret])}`))
        .finally(() => done());
    });
  }

  RED.nodes.registerType('millwright-opcua-endpoint', OpcuaEndpointNode as never, {
    credentials: { userName: { type: 'text' }, password: { type: 'password' } },
  } as never);

  // The editor's browse picker: one level of the address space of a deployed endpoint.
  RED.httpAdmin.get('/millwright/opcua/browse', RED.auth.needsPermission('millwright-opcua-endpoint.read'), (req, res) => {
    const id = typeof req.query.endpoint === 'string' ? req.query.endpoint : '';
    const nodeId = typeof req.query.nodeId === 'string' && req.query.nodeId ? req.query.nodeId : 'i=85';
    const config = id ? (RED.nodes.getNode(id) as EndpointConfigNode | null) : null;
    if (!config || config.type !== 'millwright-opcua-endpoint') {
      res.status(404).json({ error: 'endpoint not deployed: deploy the endpoint first, then browse' });
      return;
    }
    if (!config.endpoint) {
      res.status(400).json({ error: config.configError ?? 'endpoint is not configured' });
      return;
    }
    const endpoint = config.endpoint;
    endpoint
      .session(5000)
      .then((session) => browseChildren(session, nodeId))
      .then((entries) => res.json({ nodeId, entries }))
      .catch((err) => res.status(502).json({ error: config.redactText ? config.redactText(errorText(err)) : errorText(err) }));
  });
};
