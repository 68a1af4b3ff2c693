import { ensureRedis } from '../../scripts/redis-ensure';

/** One Redis for the e2e run: the local one, or a private redis-server (as `npm start` does). */
export default async function globalSetup(): Promise<void> {
  const redis = await ensureRedis(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
  process.env.TEST_REDIS_URL = redis.url;
  (globalThis as { __redis?: typeof redis }).__redis = redis;
}
