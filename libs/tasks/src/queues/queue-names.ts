/**
 * Queue names. PERSISTED: they are part of every Redis key bull writes (`<QUEUE_PREFIX>:<queue>:…`).
 * Renaming one orphans the jobs already queued under the old name; add a new queue and drain the old.
 */
export enum QueueName {
  Randomize = 'randomize',
  EvenSum = 'even-sum',
  EvenSumChunk = 'even-sum-chunk',
  Maintenance = 'maintenance',
}

/** Job names, one per kind of work; each has exactly one handler in the worker. */
export enum JobName {
  Randomize = 'randomize',
  EvenSumPlan = 'even-sum.plan',
  EvenSumChunk = 'even-sum.chunk',
  Cleanup = 'maintenance.cleanup',
}

/** The kinds of task a client can submit (the `task` label in metrics and logs). */
export enum TaskKind {
  Randomize = 'randomize',
  EvenSum = 'even-sum',
}
