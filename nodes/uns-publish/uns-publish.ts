// UNS publish: Millwright contracts in, published to an MQTT broker's Unified Namespace as JSON and/or
// Sparkplug B, with report by exception and an on-disk store-and-forward buffer (lib/edge does the work).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { isUnencryptedBrokerUrl, type LinkState } from '../../lib/edge/mqtt-link';
import { UnsPublisher, type UnsFormat } from '../../lib/edge/uns-publisher';
import { errorText, onInput, status, refuseForBadConfig, numberSetting } from '../shared/glue';

interface UnsPublishDef extends NodeDef {
  broker: string;
  clientId: string;
  tls: string;
  usetls: boolean;
  enterprise: string;
  site: string;
  area: string;
  line: string;
  format: string;
  groupId: string;
  edgeNodeId: string;
  deadband: string;
  deadbandPercent: string;
  heartbeat: string;
  bufferSize: string;
}

interface Credentials {
  username?: string;
  password?: string;
}

interface TlsNode extends Node {
  addTLSOptions(opts: Record<string, unknown>): Record<string, unknown>;
}

export = function register(RED: NodeAPI): void {
  function UnsPublishNode(this: Node<Credentials>, config: UnsPublishDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let publisher: UnsPublisher;
    let state: LinkState = 'connecting';
    let stateDetail = '';
    try {
      const format = (config.format || 'json') as UnsFormat;
      if (!['json', 'sparkplug', 'both'].includes(format)) throw new Error(`format must be json, sparkplug or both, got "${format}"`);
      const tlsOptions: Record<string, unknown> = {};
      if (config.usetls && config.tls) {
        const tls = RED.nodes.getNode(config.tls) as TlsNode | null;
        if (!tls) throw new Error('the TLS configuration node is missing');
        tls.addTLSOptions(tlsOptions);
      }
      const bufferDir = join(RED.settings.userDir || '.', 'millwright', 'buffers');
      mkdirSync(bufferDir, { recursive: true });
      const size = numberSetting(config.bufferSize, 'Buffer size', 10000);
      if (size < 1) throw new Error('Buffer size must be at least 1 message');
      publisher = new UnsPublisher({
        path: { enterprise: config.enterprise || 'enterprise', site: config.site || 'site', area: config.area || 'area', line: config.line || 'line' },
        format,
        groupId: config.groupId || 'millwright',
        edgeNodeId: config.edgeNodeId || 'gateway',
        deadband: {
          absolute: numberSetting(config.deadband, 'Deadband', 0),
          percent: numberSetting(config.deadbandPercent, 'Deadband %', 0),
          heartbeatMs: numberSetting(config.heartbeat, 'Heartbeat', 0) * 1000,
        },
        link: {
          url: config.broker || 'mqtt://127.0.0.1:1883',
          clientId: config.clientId || `millwright-${node.id}`,
          username: node.credentials?.username,
          password: node.credentials?.password,
          ...(tlsOptions as { ca?: Buffer; cert?: Buffer; key?: Buffer; passphrase?: string; rejectUnauthorized?: boolean }),
          onState: (s, detail) => {
            state = s;
            stateDetail = detail;
            showStatus();
          },
          // The buffer file could not be written (disk full, I/O error): messages stay in memory meanwhile.
          onError: (err) => {
            status.error(node, `buffer file: ${errorText(err)}`);
            // With a msg, so a Catch node sees it (an error without one is only logged).
            node.error(`store-and-forward buffer file could not be written (messages kept in memory, retried): ${errorText(err)}`, { topic: 'store-and-forward' });
          },
        },
        bufferFile: join(bufferDir, `${node.id}.jsonl`),
        maxMessages: Math.floor(size),
        maxBytes: Math.max(1024, Math.floor(size) * 2048),
      });
    } catch (err) {
      refuseForBadConfig(node, err);
      return;
    }

    function showStatus(): void {
      const s = publisher.stats();
      const ratio = s.bytesOut > 0 ? `, ${s.reduction.toFixed(1)}:1` : '';
      const lost = s.dropped ? `, ${s.dropped} dropped` : '';
      const plain = isUnencryptedBrokerUrl(config.broker || '');
      if (state === 'connected') {
        const text = `connected, ${s.sent} sent${ratio}${lost}${plain ? ' (unencrypted)' : ''}`;
        if (plain || s.dropped) status.warn(node, text);
        else status.ok(node, text);
      } else if (state === 'stopped') status.clear(node);
      else status.error(node, `${state === 'connecting' ? 'connecting' : 'broker unreachable'}: ${s.buffered} buffered${lost} (${stateDetail})`);
    }

    onInput(node, (msg, send, done) => {
      const machine = typeof msg.topic === 'string' && msg.topic && !msg.topic.includes('/') ? msg.topic : undefined;
      const result = publisher.publish(msg.payload, machine);
      showStatus();
      send({ ...msg, payload: { ...result, ...publisher.stats() } });
      done();
    });

    publisher.start();
    showStatus();

    node.on('close', (_removed: boolean, done: () => void) => {
      publisher
        .stop()
        .catch((err) => node.warn(`closing the MQTT connection: ${errorText(err)}`))
        .finally(() => done());
    });
  }

  RED.nodes.registerType('millwright-uns-publish', UnsPublishNode as unknown as (this: Node, config: UnsPublishDef) => void, {
    credentials: { username: { type: 'text' }, password: { type: 'password' } },
  });
};
