// The Prometheus registry and /metrics (MetricsModule) and the task lead/execution-time metrics.
// Other areas, the apps, test/ and scripts/ import this area only through this file.
export { MetricsModule } from './metrics.module';
export { serveClusterMetrics } from './cluster-metrics';
export { TaskMetrics } from './task-metrics.service';
export { queueDepthEmf, WORK_QUEUES } from './queue-depth-emf';
export type { QueueCounts } from './queue-depth-emf';
