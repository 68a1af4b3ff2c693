#!/usr/bin/env node
// The `tasks` command-line client (apps/cli), built by `npm run build` into dist/apps/cli/main.js.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'apps', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(`tasks: ${main} is missing: run npm run build first\n`);
  process.exit(1);
}
require(main);
