/**
 * The kinds of task and their states, as clients see them. PERSISTED: the values are written into
 * every task record (`task`, `status`) and are the `task` label of the metrics; renaming one makes
 * existing records unreadable.
 */
/** The kinds of task a client can submit (the `task` label in metrics and logs). */
export enum TaskKind {
  Randomize = 'randomize',
  EvenSum = 'even-sum',
}

/** `requested` → `received` → `finished` are the old service's states; `errored` is new. */
export const TASK_STATUSES = ['requested', 'received', 'finished', 'errored'] as const;

/** A task's state: one of TASK_STATUSES. */
export type TaskStatus = (typeof TASK_STATUSES)[number];
