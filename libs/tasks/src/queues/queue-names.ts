/**
 * Queue names. PERSISTED: they are part of every Redis key bull writes (`<QUEUE_PREFIX>:<queue>:…`).
 * Renaming one orphans the jobs already queued under the old name; add a new queue and drain the old.
 */
export enum QueueName {
  Randomize = 'randomize',
  EvenSum = 'even-sum',
  EvenSumChunk = 'even-sum-chunk',
  Maintenance = 'maintenance',
  /**
   * The express lane: one unit from a client with nothing else waiting (a quiet client's image or
   * small file), any job name, first come first served. It has its own worker slots, so such a unit
   * starts at once instead of waiting for a slot held by another client's long job. See FairScheduler.
   */
  Express = 'express',
}

/** Job names, one per kind of work; each has exactly one handler in the worker. */
export enum JobName {
  Randomize = 'randomize',
  EvenSumPlan = 'even-sum.plan',
  EvenSumChunk = 'even-sum.chunk',
  Cleanup = 'maintenance.cleanup',
}
