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

/**
 * `requested` → `received` → `finished` are the old service's states; `errored` and `cancelled`
 * (by its client, DELETE /<kind>/:token) are new.
 */
export const TASK_STATUSES = ['requested', 'received', 'finished', 'errored', 'cancelled'] as const;

/** A task's state: one of TASK_STATUSES. */
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * The statuses a task never leaves: waiting (long-poll, events) ends at one. Every reader that
 * asks "is it over?" asks this, so a new terminal status is added here once.
 */
export const TERMINAL_STATUSES: readonly TaskStatus[] = ['finished', 'errored', 'cancelled'];

/** True when a task in `status` will not change any more. */
export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** True for one of TASK_STATUSES (a query parameter, a header). */
export function isTaskStatus(value: unknown): value is TaskStatus {
  return typeof value === 'string' && (TASK_STATUSES as readonly string[]).includes(value);
}

/** The states of a task still to run or running: every other state is final. */
export const OPEN_STATUSES = ['requested', 'received'] as const satisfies readonly TaskStatus[];

/** True while the task may still run (requested or received); false once it ended. */
export function isOpenStatus(status: string | null | undefined): boolean {
  return status === 'requested' || status === 'received';
}
