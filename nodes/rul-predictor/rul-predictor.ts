// RUL predictor: feature vectors or health-indicator values in, RulEstimate out. Models and the
// recorded run-to-failure histories live in lib/rul; this file is glue: config, msgs, status,
// the training worker, the ONNX worker and persistence in node context.
import type { Node, NodeAPI } from 'node-red';
import type { RulEstimate } from '../../lib/contracts';
import { parseHistoriesCsv } from '../../lib/rul/history-csv';
import { OnnxRunner } from '../../lib/rul/onnx-client';
import { resolveInside } from '../../lib/rul/onnx-card';
import { RulPredictor, type PredictorState } from '../../lib/rul/predictor';
import { trainInWorker, type TrainJob } from '../../lib/rul/train-client';
import { errorText, guarded, onInput, status, type Done, type Send, refuseForBadConfig } from '../shared/glue';
import { contextPersistence } from '../shared/persistence';
import { settingsFrom, type RulNodeSettings, type RulPredictorDef } from './config';
import { parseInput } from './input';

const SAVE_DELAY_MS = 1000;

function describeEstimate(e: RulEstimate): string {
  return `${e.asset}: RUL ${e.estimate.toFixed(e.estimate < 10 ? 1 : 0)} ${e.unit} [${e.lower.toFixed(0)}, ${e.upper.toFixed(0)}]`;
}

export = function register(RED: NodeAPI): void {
  function RulPredictorNode(this: Node, config: RulPredictorDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let settings: RulNodeSettings;
    try {
      settings = settingsFrom(config);
    } catch (err) {
      refuseForBadConfig(node, err);
      return;
    }

    const persistence = contextPersistence<PredictorState>(node, 'rulPredictor', settings.store);
    let predictor = new RulPredictor(settings.predictor);
    let job: TrainJob | null = null;
    let onnx: OnnxRunner | null = null;
    let onnxReady: Promise<void> | null = null;
    let closed = false;
    let saveTimer: NodeJS.Timeout | undefined;

    const save = () => persistence.save(predictor.state).catch((err) => node.warn(`could not save RUL state: ${errorText(err)}`));
    const saveSoon = () => {
      if (saveTimer || closed) return;
      saveTimer = setTimeout(
        guarded(node, () => {
          saveTimer = undefined;
          void save();
        }),
        SAVE_DELAY_MS,
      );
    };
    const summary = () => {
      const s = predictor.state;
      const recording = Object.values(s.recording).reduce((n, r) => n + r.rows.length, 0);
      const parts = [`${s.histories.length} histories`];
      if (recording) parts.push(`recording ${recording} rows`);
      parts.push(s.trained ? `${s.trained.kind} trained` : settings.predictor.model === 'degradation' || settings.predictor.model === 'onnx' ? settings.predictor.model : 'not trained');
      return parts.join(', ');
    };

    const ready = persistence
      .load()
      .then((saved) => {
        predictor = new RulPredictor(settings.predictor, saved);
        status.ok(node, saved ? `restored: ${summary()}` : summary());
      })
      .catch((err) => status.warn(node, `could not restore state: ${errorText(err)}`));

    const ensureOnnx = (): Promise<void> => {
      if (!onnxReady) {
        const spec = settings.onnx as NonNullable<RulNodeSettings['onnx']>;
        const userDir = (RED.settings as { userDir?: string }).userDir ?? process.cwd();
        onnx = new OnnxRunner();
        const runner = onnx;
        onnxReady = Promise.resolve()
          .then(() => resolveInside(userDir, spec.file))
          .then((file) => runner.load(file, spec.card))
          .catch((err) => {
            // Let a later msg retry (the file may be fixed) and report this one.
            onnxReady = null;
            onnx = null;
            void runner.close();
            throw err;
          });
      }
      return onnxReady;
    };

    const predictOnnx = async (asset: string, t: number): Promise<RulEstimate | null> => {
      const spec = settings.onnx as NonNullable<RulNodeSettings['onnx']>;
      await ensureOnnx();
      const input = predictor.onnxInput(asset, spec.card.features, spec.card.sequenceLength, spec.card.normalisation);
      if (!input || !onnx) return null;
      const value = await onnx.run(input);
      const live = predictor.state.live[asset];
      const elapsed = live ? live.count : 1;
      return predictor.estimate(asset, t, { estimate: value, lower: value, upper: value, confidence: settings.predictor.confidence }, spec.card.outputUnit, value / Math.max(1e-9, value + elapsed), 'onnx');
    };

    const train = async (send: Send): Promise<void> => {
      if (settings.predictor.model === 'onnx') throw new Error('ONNX models are trained outside Node-RED: nothing to train');
      if (job) throw new Error('training is already running');
      if (settings.predictor.model !== 'learner') {
        const trained = predictor.trainLight();
        saveSoon();
        status.ok(node, `trained ${trained.kind}: ${summary()}`);
        send({ topic: 'rul-model', payload: { model: trained.kind, histories: predictor.state.histories.length } });
        return;
      }
      const request = predictor.learnerRequest();
      status.busy(node, 'training 0 %');
      const current = trainInWorker(request, (p) => {
        if (!closed) status.busy(node, `training ${Math.round(p.fraction * 100)} % ${p.detail ?? p.phase}`);
      });
      job = current;
      try {
        let model;
        try {
          model = await current.result;
        } catch (err) {
          // A redeploy cancels training: that is not an error of this msg.
          if (closed) return;
          throw err;
        }
        if (closed) return;
        predictor.setTrained({ kind: 'learner', model, features: request.names.signals, settings: request.names.settings });
        saveSoon();
        status.ok(node, `learner trained on ${model.trainedOn.assets} histories`);
        send({ topic: 'rul-model', payload: { model: 'learner', histories: model.trainedOn.assets, rows: model.trainedOn.rows, features: request.names.signals } });
      } finally {
        if (job === current) job = null;
      }
    };

    const handle = async (msg: Record<string, unknown>, send: Send, done: Done): Promise<void> => {
      const input = parseInput(msg, settings.predictor.healthFeature, Date.now());
      if (input.kind === 'command') {
        switch (input.command) {
          case 'train':
            await train(send);
            break;
          case 'end-of-life': {
            const n = predictor.endOfLife(input.asset as string);
            saveSoon();
            status.ok(node, `${input.asset} reached end of life: ${n} histories`);
            break;
          }
          case 'import': {
            const n = predictor.importHistories(parseHistoriesCsv(input.csv as string));
            saveSoon();
            status.ok(node, `imported: ${n} histories`);
            break;
          }
          case 'reset':
            if (input.asset) predictor.resetAsset(input.asset);
            else predictor.state.live = {};
            saveSoon();
            status.ok(node, `reset ${input.asset ?? 'all assets'}`);
            break;
          case 'clear-histories':
            predictor.clearHistories();
            saveSoon();
            status.ok(node, summary());
            break;
          case 'rank':
            send({ ...msg, topic: 'rul-health-indicators', payload: predictor.rankFeatures() });
            break;
          case 'status':
            send({ ...msg, topic: 'rul-status', payload: { histories: predictor.state.histories.length, recording: Object.keys(predictor.state.recording), trained: predictor.state.trained?.kind ?? null, assets: Object.keys(predictor.state.live) } });
            break;
        }
        return done();
      }
      const record = input.record ?? settings.record;
      predictor.observe(input.asset, input.t, input.features, record);
      saveSoon();
      const model = settings.predictor.model;
      const trained = predictor.state.trained;
      const canPredict = model === 'degradation' || model === 'onnx' || trained?.kind === model;
      if (!canPredict) {
        if (!record) throw new Error(`the ${model} model is not trained yet: record or import run-to-failure histories, then send msg.command = "train"`);
        status.ok(node, summary());
        return done();
      }
      const estimate = model === 'onnx' ? await predictOnnx(input.asset, input.t) : predictor.predict(input.asset, input.t);
      if (!estimate) {
        status.ok(node, `${input.asset}: collecting steps for the ONNX sequence`);
        return done();
      }
      if (closed) return done();
      send({ ...msg, topic: input.asset, payload: estimate });
      (estimate.warningAt !== null && estimate.warningAt <= input.t ? status.warn : status.ok)(node, describeEstimate(estimate));
      done();
    };

    onInput(node, (msg, send, done) => ready.then(() => handle(msg as unknown as Record<string, unknown>, send, done)));

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (saveTimer) clearTimeout(saveTimer);
      const stopping: Promise<unknown>[] = [save()];
      if (job) stopping.push(job.cancel().catch(() => undefined));
      if (onnx) stopping.push(onnx.close().catch(() => undefined));
      Promise.all(stopping).finally(() => done());
    });
  }

  RED.nodes.registerType('millwright-rul-predictor', RulPredictorNode);
};
