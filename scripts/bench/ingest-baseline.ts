import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The minimal Node ingest the service is measured against: a 15-line server that pipes each
 * request body into a file with stream.pipeline and answers 201, nothing else. Run as its own
 * process so its RSS and CPU are its own.
 */
const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const { pipeline } = require('node:stream');
const path = process.argv[2];
const server = http.createServer((req, res) => {
  pipeline(req, fs.createWriteStream(path), (err) => {
    res.statusCode = err ? 500 : 201;
    res.end(err ? String(err) : '{}');
  });
});
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

/** A running baseline server: its url, pid, and the file it writes. */
export interface IngestBaseline {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the baseline server writing into `dir/baseline-ingest.bin`. */
export async function startIngestBaseline(dir: string): Promise<IngestBaseline> {
  const script = join(dir, 'baseline-ingest.js');
  const target = join(dir, 'baseline-ingest.bin');
  writeFileSync(script, SERVER);
  const proc = spawn(process.execPath, [script, target], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(proc.stdout!, 'data')) as [Buffer];
  return {
    url: `http://127.0.0.1:${line.toString().trim()}/`,
    proc,
    async stop() {
      proc.kill();
      await once(proc, 'exit').catch(() => undefined);
      rmSync(target, { force: true });
      rmSync(script, { force: true });
    },
  };
}
