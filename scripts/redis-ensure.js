// Makes sure a Redis answers for `npm start` and the e2e tests: the one at REDIS_URL, or a private
// redis-server started for this run when none answers and redis-server is installed.
const { spawn, spawnSync } = require('node:child_process');
const net = require('node:net');
const Redis = require('ioredis');

const HOW_TO_GET_REDIS =
  'no Redis answers at %s and redis-server is not installed: run `docker compose up -d redis`, ' +
  'or install it (`apt-get install redis-server` / `brew install redis`), or set REDIS_URL';

async function pings(url, timeoutMs = 1500) {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function hasRedisServer() {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Resolves with { url, stop } where stop() ends a private server (a no-op for an existing one).
 * Throws an Error with a one-line explanation when no Redis can be had.
 */
async function ensureRedis(url = 'redis://127.0.0.1:6379', log = console.error) {
  if (await pings(url)) return { url, private: false, stop: async () => undefined };
  if (!hasRedisServer()) throw new Error(HOW_TO_GET_REDIS.replace('%s', url));
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const privateUrl = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await pings(privateUrl, 500))) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`could not start redis-server on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`no Redis answered at ${url}: started a private redis-server at ${privateUrl} for this run`);
  return {
    url: privateUrl,
    private: true,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

module.exports = { ensureRedis, freePort, pings };
