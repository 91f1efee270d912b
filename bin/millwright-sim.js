#!/usr/bin/env node
'use strict';
// Thin launcher: the simulator is compiled TypeScript in dist/ (npm run build makes it).
let cli;
try {
  cli = require('../dist/lib/simulator/cli.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && /dist[\\/]lib[\\/]simulator[\\/]cli/.test(err.message)) {
    console.error('millwright-sim: dist/ is missing; run "npm run build" in the package first');
    process.exit(1);
  }
  throw err;
}
cli.run(process.argv.slice(2)).then((code) => process.exit(code));
