// npm run openapi: writes openapi.json at the repository root, the API description the running api serves at
// /docs-json. It is generated from the controllers and DTOs of the built api (dist/), because the Swagger
// types come from decorator metadata that only the Nest build emits. test/openapi.e2e-spec.ts fails when
// the file and the api differ, so a route changed without re-running this is caught in `npm test`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureRedis } from './redis-ensure';
import { Stack } from '../test/support/stack';
import { format, resolveConfig } from 'prettier';

const OPENAPI_FILE = join(__dirname, '..', 'openapi.json');

/** JSON in the repository's prettier style, so that `prettier --check` in lint accepts the file. */
async function formatOpenApi(document: unknown): Promise<string> {
  const options = await resolveConfig(__filename);
  return format(JSON.stringify(document), { ...options, parser: 'json' });
}

async function main(): Promise<void> {
  const redis = await ensureRedis(process.env.REDIS_URL);
  const stack = await Stack.start({ workers: 0, redisUrl: redis.url, env: { LOG_LEVEL: 'warn' } });
  try {
    const res = await fetch(`${stack.url}/docs-json`);
    if (!res.ok) throw new Error(`GET /docs-json answered ${res.status}`);
    writeFileSync(OPENAPI_FILE, await formatOpenApi(await res.json()));
    console.log(`wrote ${OPENAPI_FILE}`);
  } finally {
    await stack.stop();
    await redis.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
