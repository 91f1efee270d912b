import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReportByException } from '../../lib/edge/report-by-exception';
import { decodeSparkplug, SparkplugEdgeNode } from '../../lib/edge/sparkplug';
import { classify, unsTopic } from '../../lib/edge/uns';

describe('Sparkplug B edge node', () => {
  it('births before data, sequence numbers wrap 0..255, device births carry units', () => {
    let t = 1000;
    const node = new SparkplugEdgeNode('plant', 'gw1', () => t++);
    assert.throws(() => node.data('Spindle', [{ name: 'temp', value: 20 }]), /data before birth/);
    const births = node.births();
    assert.equal(births[0].topic, 'spBv1.0/plant/NBIRTH/gw1');
    const nbirth = decodeSparkplug(births[0].payload);
    assert.equal(nbirth.seq, 0);
    assert.deepEqual(nbirth.metrics.map((m) => m.name), ['bdSeq', 'Node Control/Rebirth']);
    const first = node.data('Spindle', [{ name: 'temp', value: 20, unit: 'degC' }]);
    assert.deepEqual(first.map((m) => m.topic), ['spBv1.0/plant/DBIRTH/gw1/Spindle', 'spBv1.0/plant/DDATA/gw1/Spindle']);
    const seqs = [decodeSparkplug(first[0].payload).seq, decodeSparkplug(first[1].payload).seq];
    assert.deepEqual(seqs, [1, 2]);
    let last = 2;
    for (let i = 0; i < 300; i++) {
      const [m] = node.data('Spindle', [{ name: 'temp', value: i }]);
      const seq = decodeSparkplug(m.payload).seq as number;
      assert.equal(seq, (last + 1) % 256);
      last = seq;
    }
  });

  it('a new metric on a known device triggers a device rebirth first', () => {
    const node = new SparkplugEdgeNode('g', 'e');
    node.births();
    node.data('M', [{ name: 'a', value: 1 }]);
    const out = node.data('M', [{ name: 'b', value: true }]);
    assert.equal(out.length, 2);
    assert.match(out[0].topic, /DBIRTH/);
    assert.deepEqual(decodeSparkplug(out[0].payload).metrics.map((m) => m.name).sort(), ['a', 'b']);
  });

  it('the death certificate carries the bdSeq of the birth it belongs to, and the next session increments it', () => {
    const node = new SparkplugEdgeNode('g', 'e', Date.now, 254);
    const death = decodeSparkplug(node.deathCertificate().payload);
    const birth = decodeSparkplug(node.births()[0].payload);
    assert.equal(death.metrics[0].value, 254);
    assert.equal(birth.metrics[0].value, 254);
    node.disconnected();
    node.disconnected();
    assert.equal(decodeSparkplug(node.deathCertificate().payload).metrics[0].value, 0);
  });

  it('recognises a rebirth command and rejects ids with MQTT wildcards', () => {
    const node = new SparkplugEdgeNode('g', 'e');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const codec = require('sparkplug-payload').get('spBv1.0');
    const cmd = Buffer.from(codec.encodePayload({ timestamp: 1, metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }] }));
    assert.equal(node.isRebirthRequest('spBv1.0/g/NCMD/e', cmd), true);
    assert.equal(node.isRebirthRequest('spBv1.0/g/NCMD/other', cmd), false);
    assert.equal(node.isRebirthRequest('spBv1.0/g/NCMD/e', Buffer.from('garbage')), false);
    assert.throws(() => new SparkplugEdgeNode('a/b', 'e'), /group id/);
    assert.throws(() => new SparkplugEdgeNode('g', '#'), /edge node id/);
  });
});

describe('Unified Namespace mapping', () => {
  it('builds ISA-95 topics with safe segments', () => {
    assert.equal(unsTopic({ enterprise: 'acme', site: 'lyon', area: 'machining', line: 'line 1' }, 'Spindle', 'anomaly', 'score'), 'acme/lyon/machining/line_1/Spindle/anomaly/score');
    assert.equal(unsTopic({ enterprise: 'a+b', site: '#', area: '', line: 'l' }, 'm'), 'a_b/_/_/l/m');
  });

  it('flattens each contract to metrics', () => {
    assert.deepEqual(classify({ key: 'Spindle', score: 0.9, anomaly: true, timestamp: 5, detector: 'd', explanation: [] }).metrics.map((m) => m.name), ['anomaly/score', 'anomaly/flag']);
    const f = classify({ key: 'Pump', features: { rms: 1.5, mean: 0.1 }, windowStart: 0, windowEnd: 10, sampleCount: 4, sourceTags: [] });
    assert.equal(f.machine, 'Pump');
    assert.deepEqual(f.metrics.map((m) => [m.name, m.value]), [['features/rms', 1.5], ['features/mean', 0.1]]);
    const byTag = classify({ key: 'Spindle/Temperature', features: { mean: 40 }, windowStart: 0, windowEnd: 10, sampleCount: 60, sourceTags: [] });
    assert.equal(byTag.machine, 'Spindle');
    assert.deepEqual(byTag.metrics.map((m) => m.name), ['Temperature/mean']);
    assert.equal(classify([{ tag: 'a', value: 1, timestamp: 1, quality: 'good' }, { tag: 'b', value: [1, 2], timestamp: 1, quality: 'good' }]).metrics.length, 1);
    assert.throws(() => classify('hello'), /Millwright/);
    assert.throws(() => classify({ random: 1 }), /not a Millwright contract/);
  });
});

describe('report by exception', () => {
  it('publishes on a change beyond the deadband, a type change or the heartbeat', () => {
    const rbe = new ReportByException({ absolute: 0.5, percent: 0, heartbeatMs: 1000 });
    const names = (ms: Array<{ name: string }>) => ms.map((m) => m.name);
    assert.deepEqual(names(rbe.filter('m', [{ name: 'x', value: 10 }], 0)), ['x']);
    assert.deepEqual(names(rbe.filter('m', [{ name: 'x', value: 10.4 }], 10)), []);
    assert.deepEqual(names(rbe.filter('m', [{ name: 'x', value: 10.6 }], 20)), ['x']);
    assert.deepEqual(names(rbe.filter('m', [{ name: 'x', value: 10.6 }], 1030)), ['x']);
    assert.deepEqual(names(rbe.filter('m', [{ name: 'x', value: 'text' }], 1031)), ['x']);
    assert.deepEqual(names(rbe.filter('other', [{ name: 'x', value: 'text' }], 1032)), ['x']);
  });

  it('uses the larger of the absolute and percent bands', () => {
    const rbe = new ReportByException({ absolute: 0, percent: 10, heartbeatMs: 0 });
    rbe.filter('m', [{ name: 'x', value: 100 }], 0);
    assert.equal(rbe.filter('m', [{ name: 'x', value: 109 }], 1).length, 0);
    assert.equal(rbe.filter('m', [{ name: 'x', value: 111 }], 2).length, 1);
  });
});

describe('Sparkplug stream validator', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { validateSparkplugStream } = require('../../lib/edge/sparkplug-validator') as typeof import('../../lib/edge/sparkplug-validator');
  it('accepts what the edge node produces, including a death and a new session', () => {
    const node = new SparkplugEdgeNode('g', 'e');
    const stream = [...node.births(), ...node.data('M', [{ name: 'a', value: 1 }]), ...node.data('M', [{ name: 'a', value: 2 }]), node.deathCertificate()];
    node.disconnected();
    stream.push(...node.births(), ...node.data('M', [{ name: 'a', value: 3 }]));
    assert.deepEqual(validateSparkplugStream(stream), []);
  });

  it('finds data before birth, a sequence gap and a death that does not match its birth', () => {
    const node = new SparkplugEdgeNode('g', 'e');
    const births = node.births();
    const d1 = node.data('M', [{ name: 'a', value: 1 }]);
    node.data('M', [{ name: 'a', value: 2 }]); // lost
    const d3 = node.data('M', [{ name: 'a', value: 3 }]);
    node.disconnected();
    const wrongDeath = node.deathCertificate();
    const problems = validateSparkplugStream([d1[1], ...births, ...d1, ...d3, wrongDeath]);
    assert.ok(problems.some((p) => /before NBIRTH/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /seq \d+, expected/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /NDEATH bdSeq/.test(p)), problems.join('\n'));
  });
});
