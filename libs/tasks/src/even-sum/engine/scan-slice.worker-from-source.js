// Worker-thread entry when running from TypeScript source (jest, tsx): a worker thread is plain
// Node, which cannot load .ts, so register tsx's require hook first. The bundled app (and any
// tsc build) loads the compiled scan-slice.worker.js instead; see ScanPool.
require('tsx/cjs');
module.exports = require('./scan-slice.worker.ts');
