// The typed core of Millwright, usable without Node-RED.
export * from './contracts';
export * from './features/time-domain';
export * from './features/feature-window';
