import type { EnsuredRedis } from '../../scripts/redis-ensure';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __redis?: EnsuredRedis }).__redis?.stop();
}
