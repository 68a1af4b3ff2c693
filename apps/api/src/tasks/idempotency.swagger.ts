import { applyDecorators } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER } from '@app/tasks/contract';
import { IDEMPOTENCY_RETRY_AFTER_SECONDS } from './idempotency.service';
import { ErrorDto, TokenDto } from './task.dto';

/**
 * Swagger for a submission route that takes an Idempotency-Key (its 201 answer included: put it
 * above the route's own response decorators, it wins over a 201 of theirs).
 */
export const ApiIdempotencyKey = () =>
  applyDecorators(
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: false,
      description:
        '1–255 printable ASCII characters chosen by the client (e.g. a UUID per upload, reused by its retries). ' +
        "Empty, over 255 characters or not printable ASCII: 400. The same key from the same client within RESULT_TTL_SECONDS answers the first submission's token " +
        `(201 with ${IDEMPOTENT_REPLAYED_HEADER}: true) and stores, enqueues and charges nothing.`,
    }),
    ApiCreatedResponse({
      type: TokenDto,
      description: `Stored and queued; or, with ${IDEMPOTENT_REPLAYED_HEADER}: true, the token of the earlier submission with this ${IDEMPOTENCY_KEY_HEADER}`,
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
      description: `A request with this ${IDEMPOTENCY_KEY_HEADER} is still uploading (Retry-After: ${IDEMPOTENCY_RETRY_AFTER_SECONDS}); freed at once if it fails`,
    }),
    ApiUnprocessableEntityResponse({
      type: ErrorDto,
      description: `This ${IDEMPOTENCY_KEY_HEADER} was used for another request (kind, parameters, body size or contents)`,
    }),
  );
