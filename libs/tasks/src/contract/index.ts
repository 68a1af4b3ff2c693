// The api's contract with its clients: task kinds and states, and the JSON views the api answers.
// Plain TypeScript (and node:crypto for new tokens), no Nest, no imports from other areas, so the CLI uses it without the server.
// Other areas, the apps, test/ and scripts/ import this area only through this file.
export { isOpenStatus, OPEN_STATUSES, TASK_STATUSES, TaskKind } from './task-kind';
export { isTaskToken, newTaskToken, TOKEN_PATTERN, TOKEN_SOURCE } from './task-token';
export type { TaskStatus } from './task-kind';
export type {
  DirectUploadView,
  EvenSumProgressView,
  EvenSumResultView,
  PresignedPartView,
  TaskCancelledView,
  TaskListEntryView,
  TaskListView,
  TaskStatusView,
  TokenView,
} from './task-views';
