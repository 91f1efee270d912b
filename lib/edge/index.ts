export * from './store-and-forward';
export * from './sparkplug';
export * from './uns';
export * from './report-by-exception';
export * from './mqtt-link';
export * from './uns-publisher';
export * from './sparkplug-validator';
