// Runs one MILP through HiGHS (WebAssembly), warm-started with a known plan. Blocks its thread:
// call it from the solve worker, never from the Node-RED event loop.
export interface SolveRequest {
  lp: string;
  columns: string[];
  /** A feasible start in `columns` order (the greedy plan). */
  warmStart?: number[];
  timeLimitSeconds: number;
  /** Relative MIP gap at which to stop. */
  gap: number;
}

export type SolverStatus = 'optimal' | 'time-limit' | 'infeasible' | 'no-solution' | 'error';

export interface SolveResult {
  status: SolverStatus;
  /** Column values in `columns` order, when a solution exists. */
  values?: number[];
  objective?: number;
  /** Relative gap between the incumbent and the proven bound. */
  gap: number;
  seconds: number;
  message?: string;
}

export interface Progress {
  values: number[];
  objective: number;
  gap: number;
}

type HighsRuntime = {
  createModel(src: { format: 'lp'; data: string }): HighsModel;
  constants: { modelStatus: Record<string, number>; callbackType: Record<string, number> };
};
type HighsModel = {
  options: { set(o: Record<string, unknown>): void };
  info: { get(name: string): unknown };
  getColByName(name: string): number;
  setSolution(s: { colValue: Float64Array }): unknown;
  run(callbacks?: Record<number, (event: { data: { mip_solution?: Float64Array; objective_function_value?: number; mip_gap?: number } }) => void>): { modelStatus: number };
  getSolution(): { colValue: Float64Array };
  getObjectiveValue(): number;
  getModelStatus(): number;
  dispose(): void;
};

let runtime: Promise<HighsRuntime> | undefined;

export function loadHighs(): Promise<HighsRuntime> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  runtime ??= (require('highs') as (opts?: unknown) => Promise<HighsRuntime>)();
  return runtime;
}

export async function solveMilp(request: SolveRequest, onProgress?: (p: Progress) => void): Promise<SolveResult> {
  const t0 = Date.now();
  const highs = await loadHighs();
  const model = highs.createModel({ format: 'lp', data: request.lp });
  try {
    const index = request.columns.map((name) => model.getColByName(name));
    const toOurs = (colValue: ArrayLike<number>) => index.map((k) => colValue[k]);
    model.options.set({ output_flag: false, time_limit: Math.max(0.05, request.timeLimitSeconds), mip_rel_gap: request.gap, presolve: 'on' });
    if (request.warmStart) {
      const dense = new Float64Array(index.length);
      request.warmStart.forEach((v, j) => (dense[index[j]] = v));
      model.setSolution({ colValue: dense });
    }
    const callbacks: Record<number, (event: { data: { mip_solution?: Float64Array; objective_function_value?: number; mip_gap?: number } }) => void> = {};
    if (onProgress) {
      callbacks[highs.constants.callbackType.mipImprovingSolution] = (event) => {
        const sol = event.data.mip_solution;
        if (sol) onProgress({ values: toOurs(sol), objective: event.data.objective_function_value ?? NaN, gap: event.data.mip_gap ?? NaN });
      };
    }
    const { modelStatus } = model.run(callbacks);
    const S = highs.constants.modelStatus;
    const seconds = (Date.now() - t0) / 1000;
    const primal = Number(model.info.get('primal_solution_status'));
    const hasSolution = primal === 2;
    const gapInfo = Number(model.info.get('mip_gap'));
    const gap = Number.isFinite(gapInfo) ? Math.max(0, gapInfo) : Infinity;
    if (modelStatus === S.infeasible) return { status: 'infeasible', gap: Infinity, seconds };
    if (!hasSolution) return { status: 'no-solution', gap: Infinity, seconds, message: `solver ended with status ${modelStatus}` };
    const values = toOurs(model.getSolution().colValue);
    const objective = model.getObjectiveValue();
    if (modelStatus === S.optimal) return { status: 'optimal', values, objective, gap: Math.min(gap, request.gap), seconds };
    return { status: 'time-limit', values, objective, gap, seconds };
  } catch (err) {
    return { status: 'error', gap: Infinity, seconds: (Date.now() - t0) / 1000, message: err instanceof Error ? err.message : String(err) };
  } finally {
    model.dispose();
  }
}
