#!/usr/bin/env node
// `npm start`: the api (one process per CPU) and a worker from dist/ (or `--dev`: in nest watch
// mode, one api process), on the Redis at REDIS_URL or a private one. Ctrl-C stops everything; if one
// process dies, the others are stopped.
const { spawn } = require('node:child_process');
const { availableParallelism } = require('node:os');
const { ensureRedis } = require('./redis-ensure');

async function main() {
  const dev = process.argv.includes('--dev');
  let redis;
  try {
    redis = await ensureRedis(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
  } catch (err) {
    console.error(`npm start: ${err.message}`);
    process.exit(1);
  }
  const env = { ...process.env, REDIS_URL: redis.url };
  const commands = dev
    ? [
        ['npx', ['nest', 'start', 'api', '--watch']],
        ['npx', ['nest', 'start', 'worker', '--watch']],
      ]
    : [
        // One api process per CPU (node:cluster, API_PROCESSES), unless the environment says otherwise.
        [
          process.execPath,
          ['dist/apps/api/main.js'],
          { API_PROCESSES: process.env.API_PROCESSES || String(availableParallelism()) },
        ],
        [process.execPath, ['dist/apps/worker/main.js']],
      ];
  const children = commands.map(([cmd, args, extra]) =>
    spawn(cmd, args, { env: { ...env, ...extra }, stdio: 'inherit' }),
  );
  let stopping = false;
  let exitCode = 0;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    for (const child of children) if (child.exitCode === null) child.kill(signal);
  };
  process.on('SIGINT', () => stop('SIGTERM'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) =>
          child.on('exit', (code) => {
            if (!stopping && code !== 0) exitCode = code ?? 1;
            stop('SIGTERM');
            resolve();
          }),
        ),
    ),
  );
  await redis.stop();
  process.exit(exitCode);
}

main();
