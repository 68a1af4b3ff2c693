import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER } from '@app/tasks/contract';
import { IDEMPOTENCY_RETRY_AFTER_SECONDS } from './idempotency.service';
import { ErrorDto, TokenDto } from './task.dto';

/** What a route's idempotent replay answers, for its Swagger text. */
export interface IdempotencyDocs {
  /** The 201 body's type (default: TokenDto). */
  type?: Type;
  /** The 201 answer of a first request (default: stored and queued). */
  created?: string;
  /** What a replay answers (default: the earlier submission's token). */
  replays?: string;
  /** What a concurrent request with the key waits for (default: an upload). */
  inProgress?: string;
  /** What another request with the key differs in (default: kind, parameters, body). */
  differs?: string;
}

/**
 * Swagger for a submission route that takes an Idempotency-Key (its 201 answer included: put it
 * above the route's own response decorators, it wins over a 201 of theirs).
 */
export const ApiIdempotencyKey = (docs: IdempotencyDocs = {}) => {
  const replays = docs.replays ?? "the first submission's token";
  return applyDecorators(
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: false,
      description:
        '1–255 printable ASCII characters chosen by the client (e.g. a UUID per upload, reused by its retries). ' +
        `Empty, over 255 characters or not printable ASCII: 400. The same key from the same client within RESULT_TTL_SECONDS answers ${replays} ` +
        `(201 with ${IDEMPOTENT_REPLAYED_HEADER}: true) and stores, enqueues and charges nothing.`,
    }),
    ApiCreatedResponse({
      type: docs.type ?? TokenDto,
      description: `${docs.created ?? 'Stored and queued'}; or, with ${IDEMPOTENT_REPLAYED_HEADER}: true, ${replays} (the earlier request with this ${IDEMPOTENCY_KEY_HEADER})`,
      headers: {
        [IDEMPOTENT_REPLAYED_HEADER]: {
          description:
            'true when this answer replays an earlier submission (nothing new was stored)',
          schema: { type: 'string', enum: ['true'] },
        },
      },
    }),
    ApiConflictResponse({
      type: ErrorDto,
      description: `A request with this ${IDEMPOTENCY_KEY_HEADER} is still ${docs.inProgress ?? 'uploading'} (Retry-After: ${IDEMPOTENCY_RETRY_AFTER_SECONDS}); freed at once if it fails`,
    }),
    ApiUnprocessableEntityResponse({
      type: ErrorDto,
      description: `This ${IDEMPOTENCY_KEY_HEADER} was used for another request (${docs.differs ?? 'kind, parameters, body size or contents'})`,
    }),
  );
};
