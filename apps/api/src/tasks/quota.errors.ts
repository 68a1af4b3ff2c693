import { HttpStatus } from '@nestjs/common';
import { TaskHttpError } from '../http/task-http.errors';
import type { HoldOutcome } from '@app/tasks/limits';

export type QuotaRefusal = Exclude<HoldOutcome['outcome'], 'ok'>;

/** The 429 for a per-client cap, naming its setting; `needed` says how many bytes were asked for. */
export function quotaExceeded(refusal: QuotaRefusal, needed?: number): TaskHttpError {
  switch (refusal) {
    case 'too-many-pending':
      return new TaskHttpError(
        HttpStatus.TOO_MANY_REQUESTS,
        'too many unfinished tasks for this client (MAX_PENDING_TASKS_PER_CLIENT): wait for some to finish',
      );
    case 'too-many-uploads':
      return new TaskHttpError(
        HttpStatus.TOO_MANY_REQUESTS,
        'too many uploads open at once for this client (MAX_CONCURRENT_UPLOADS_PER_CLIENT): wait for one to end',
      );
    case 'too-many-bytes':
      return new TaskHttpError(
        HttpStatus.TOO_MANY_REQUESTS,
        `this client stores too many bytes (MAX_STORED_BYTES_PER_CLIENT)${needed === undefined ? '' : `: ${needed} bytes do not fit in what is left`}; wait for older tasks to expire`,
      );
  }
}
