export { ApiClient } from './api.client';
export type { ApiClientOptions } from './http.transport';
export { TASK_KINDS } from './tasks.routes';
export type { CompletedPart } from './uploads.routes';
