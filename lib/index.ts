// The typed core of Millwright, usable without Node-RED.
export * from './contracts';
export * from './features/time-domain';
export * from './features/feature-window';
export * from './features/sliding-stats';
export * from './features/spectral';
export * from './features/bearing';
export * from './features/feature-set';
