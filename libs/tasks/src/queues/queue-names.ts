/**
 * Queue names. PERSISTED: they are part of every Redis key bull writes (`<QUEUE_PREFIX>:<queue>:…`).
 * Renaming one orphans the jobs already queued under the old name; add a new queue and drain the old.
 */
export enum QueueName {
  Randomize = 'randomize',
  EvenSum = 'even-sum',
  EvenSumChunk = 'even-sum-chunk',
  Maintenance = 'maintenance',
  /** Completion callbacks (callbackUrl): one job per task end, id = the task's token. */
  Webhook = 'webhook',
}

/**
 * Retired queue names. PERSISTED too: an earlier version may have left jobs under them, which must not
 * be lost on upgrade. No job is added to them any more; every worker moves what they still hold to
 * each job's own queue when it starts and at every cleanup sweep (apps/worker's RetiredQueueDrain).
 * A name may leave this list only in a release after every deployment has run one that drains it.
 */
export enum RetiredQueueName {
  /**
   * The express lane (until 2026-12): one unit from a client with nothing else queued, any job name.
   * Removed because its benefit was inside the run-to-run spread (docs/benchmarks.md).
   */
  Express = 'express',
}

/** Job names, one per kind of work; each has exactly one handler in the worker. */
export enum JobName {
  Randomize = 'randomize',
  EvenSumPlan = 'even-sum.plan',
  EvenSumChunk = 'even-sum.chunk',
  Cleanup = 'maintenance.cleanup',
  WebhookDeliver = 'webhook.deliver',
}
