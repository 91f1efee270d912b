// Operating-regime discovery and per-regime sensor normalisation (shared by RUL and anomaly models).
export * from './regime-normaliser';
