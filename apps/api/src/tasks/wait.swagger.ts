import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiQuery } from '@nestjs/swagger';
import { TASK_STATUSES } from '@app/tasks/contract';
import { ErrorDto } from './task.dto';
import { MAX_WAIT_SECONDS } from './wait.query';

/** Swagger for the long-poll parameters of GET /:kind/:token/status. */
export const ApiWaitQuery = () =>
  applyDecorators(
    ApiQuery({
      name: 'wait',
      required: false,
      // No example: Swagger UI would fill it in, and "Try it out" on a status would long-poll.
      description: `Long-poll: hold the answer up to this many seconds (1..${MAX_WAIT_SECONDS}) until the status differs from \`since\`; answered at the deadline with the current status otherwise, at once when it already differs or is final`,
    }),
    ApiQuery({
      name: 'since',
      required: false,
      enum: [...TASK_STATUSES],
      description:
        'The status the client already knows (default: the status when the request arrives)',
    }),
    ApiBadRequestResponse({
      type: ErrorDto,
      description: `wait not an integer 1..${MAX_WAIT_SECONDS}, or since not a status`,
    }),
  );
