// The bull queues: their names (persisted), job payloads, the bounded enqueue service and the Nest
// module.
// Other areas, the apps, test/ and scripts/ import this area only through this file.
export { JobName, QueueName, RetiredQueueName } from './queue-names';
export { chunkJobId, QUEUE_OF } from './job-payloads';
export type { FairUnit, JobOf } from './job-payloads';
export { TaskQueue } from './task-queue.service';
export type { Placement, WebhookRetry } from './task-queue.service';
export { QueuesModule } from './queues.module';
