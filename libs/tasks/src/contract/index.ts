// The api's contract with its clients: task kinds and states, and the JSON views the api answers.
// Plain TypeScript (and node:crypto for new tokens), no Nest, no imports from other areas, so the CLI uses it without the server.
// Other areas, the apps, test/ and scripts/ import this area only through this file.
export {
  isOpenStatus,
  isTaskStatus,
  isTerminal,
  OPEN_STATUSES,
  TASK_STATUSES,
  TERMINAL_STATUSES,
  TaskKind,
} from './task-kind';
export { isTaskToken, newTaskToken, TOKEN_PATTERN, TOKEN_SOURCE } from './task-token';
export type { TaskStatus } from './task-kind';
export type {
  CallbackView,
  DirectUploadStateView,
  DirectUploadView,
  EvenSumProgressView,
  EvenSumResultView,
  PresignedPartView,
  TaskEventName,
  StoredPartView,
  TaskCancelledView,
  TaskListEntryView,
  TaskListView,
  TaskStatusView,
  TokenView,
} from './task-views';
export {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  idempotencyKeyProblem,
} from './idempotency-key';
