import { Controller, Delete, Param, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { TaskKind } from '@app/tasks/contract';
import type { TaskCancelledView } from '@app/tasks/contract';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { ClientId } from '../http/client-id.decorator';
import { TaskCancelService } from './task-cancel.service';
import { TaskCancelledDto } from './task-cancel.dto';
import { ErrorDto } from './task.dto';

const SUMMARY = 'Cancel a queued or running task, or delete an ended one';
const DESCRIPTION =
  'Queued or running: its waiting jobs are removed, running scans stop at their next part, no ' +
  'result is written, its pending slot and stored bytes are released at once and its blobs ' +
  'deleted; its status then reads `cancelled` with `cancelledAt` until RESULT_TTL_SECONDS. ' +
  'Again on a cancelled task: the same 200. Finished or errored: its record and blobs are deleted ' +
  'at once (204), and the token is unknown (404) afterwards.';

/** DELETE /randomize/:token and DELETE /even-sum/:token, beside each kind's other routes. */
@UseGuards(ApiKeyGuard)
@ApiBearerAuth('bearer')
@ApiSecurity('api-key')
@ApiUnauthorizedResponse({
  type: ErrorDto,
  description: 'API_KEYS is set and the key is missing or wrong',
})
@ApiOkResponse({ type: TaskCancelledDto, description: 'Cancelled (now or before)' })
@ApiNoContentResponse({ description: 'It had finished or errored: deleted' })
@ApiNotFoundResponse({
  type: ErrorDto,
  description: "Malformed, unknown, expired or deleted token, or another client's task",
})
@ApiServiceUnavailableResponse({ type: ErrorDto, description: 'Redis unavailable' })
@Controller()
export class TaskCancelController {
  constructor(private readonly cancels: TaskCancelService) {}

  @Delete('randomize/:token')
  @ApiTags('randomize')
  @ApiOperation({ summary: SUMMARY, description: DESCRIPTION })
  @ApiParam({ name: 'token', example: 'b27f6016f9cf46a6baaddf09d2e5b221' })
  cancelRandomize(
    @Param('token') token: string,
    @ClientId() client: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TaskCancelledView | undefined> {
    return this.cancel(TaskKind.Randomize, token, client, res);
  }

  @Delete('even-sum/:token')
  @ApiTags('even-sum')
  @ApiOperation({ summary: SUMMARY, description: DESCRIPTION })
  @ApiParam({ name: 'token', example: 'b27f6016f9cf46a6baaddf09d2e5b221' })
  cancelEvenSum(
    @Param('token') token: string,
    @ClientId() client: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TaskCancelledView | undefined> {
    return this.cancel(TaskKind.EvenSum, token, client, res);
  }

  private async cancel(
    kind: TaskKind,
    token: string,
    client: string,
    res: Response,
  ): Promise<TaskCancelledView | undefined> {
    const result = await this.cancels.cancel(kind, token, client);
    if (result === 'deleted') {
      res.status(204);
      return undefined;
    }
    res.status(200);
    return { token, status: 'cancelled' };
  }
}
