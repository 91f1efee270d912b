// Energy: load forecast, flexible-load scheduling (greedy + MILP for HiGHS in a worker), timed
// commands, and the demand guard with start sequencer.
export * from './problem';
export * from './evaluate';
export * from './diagnose';
export * from './greedy';
export * from './milp';
export * from './highs-solve';
export * from './plan-job';
export * from './worker-client';
export * from './scheduler';
export * from './commands';
export * from './replan';
export * from './forecast';
export * from './guard';
export * from './scenario';
