// Task records in Redis (token, record, store, upload sessions), their lifecycle and expiry, and
// the modules that provide them.
// Other areas, the apps, test/ and scripts/ import this area only through this file.
export type { FinishedRecordOf, TaskRecord, TaskRecordOf } from './task-record';
export { serializeTaskFields } from './task-record';
export { PermanentTaskError } from './task-errors';
export { TaskStore, throwOnMultiError } from './task-store.service';
export type { CancelOutcome } from './task-store.service';
export { TaskIndex } from './task-index.store';
export type { IndexPage, IndexPosition, TaskSummary } from './task-index.store';
export { UploadSessionStore } from './upload-session.store';
export type { UploadSession } from './upload-session.store';
export { TaskLifecycle } from './task-lifecycle.service';
export { TaskCleaner } from './task-cleaner.service';
export { TaskDataModule } from './task-data.module';
export { TaskRunnerModule } from './task-runner.module';
