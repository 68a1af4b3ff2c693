// Per-client usage (bytes held, tasks in flight) reserved atomically in Redis.
// Other areas, the apps, test/ and scripts/ import this area only through this file.
export { ClientUsageStore, reserveOutcome } from './client-usage.store';
export type { HoldOutcome, ReserveOutcome } from './client-usage.store';
