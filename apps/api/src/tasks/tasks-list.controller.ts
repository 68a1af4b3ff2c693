import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { TASK_STATUSES, TaskKind } from '@app/tasks/contract';
import type { TaskListEntryView, TaskListView } from '@app/tasks/contract';
import { TaskIndex, TaskSummary } from '@app/tasks/records';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { ClientId } from '../http/client-id.decorator';
import { callbackView } from './task-status.view';
import { ErrorDto } from './task.dto';
import { TaskListDto } from './tasks-list.dto';
import { encodeCursor, LIST_LIMIT, parseTasksListQuery } from './tasks-list.query';

/**
 * Index entries one request reads at most: a filter matching few of a client's many tasks answers
 * a short page with a cursor to go on from, so one request costs a bounded amount of Redis time.
 */
export const LIST_SCAN_BUDGET = 1000;

@ApiTags('tasks')
@UseGuards(ApiKeyGuard)
@ApiBearerAuth('bearer')
@ApiSecurity('api-key')
@ApiUnauthorizedResponse({
  type: ErrorDto,
  description: 'API_KEYS is set and the key is missing or wrong',
})
@Controller('tasks')
export class TasksListController {
  constructor(private readonly index: TaskIndex) {}

  @Get()
  @ApiOperation({
    summary: "The caller's own tasks, newest first, until each expires (RESULT_TTL_SECONDS)",
    description:
      'A page holds at most `limit` tasks; follow `nextCursor` until it is null. With a filter, ' +
      `one request reads at most ${LIST_SCAN_BUDGET} of the caller's tasks, so a page may hold ` +
      'fewer than `limit` while `nextCursor` is not null yet.',
  })
  @ApiQuery({ name: 'kind', required: false, enum: Object.values(TaskKind) })
  @ApiQuery({ name: 'status', required: false, enum: [...TASK_STATUSES] })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: `Tasks per page, ${LIST_LIMIT.min}..${LIST_LIMIT.max} (default ${LIST_LIMIT.default})`,
  })
  @ApiQuery({
    name: 'cursor',
    required: false,
    description: 'The `nextCursor` of the previous page, as it came (opaque)',
  })
  @ApiOkResponse({ type: TaskListDto })
  @ApiBadRequestResponse({
    type: ErrorDto,
    description: 'Unknown or repeated parameter, bad kind, status or limit, or a cursor not ours',
  })
  @ApiServiceUnavailableResponse({ type: ErrorDto, description: 'Redis unavailable' })
  async list(
    @Query() query: Record<string, unknown>,
    @ClientId() client: string,
  ): Promise<TaskListView> {
    const { kind, status, limit, after } = parseTasksListQuery(query);
    const page = await this.index.page(
      client,
      after,
      limit,
      (s) => (!kind || s.task === kind) && (!status || s.status === status),
      LIST_SCAN_BUDGET,
    );
    return {
      tasks: page.summaries.map(entryView),
      nextCursor: page.next ? encodeCursor(page.next) : null,
    };
  }
}

/** One task as listed; fields not known are absent, never null. */
function entryView(s: TaskSummary): TaskListEntryView {
  return {
    token: s.token,
    kind: s.task,
    status: s.status,
    requestedAt: new Date(s.requestedAt).toISOString(),
    ...(s.finishedAt !== undefined && { finishedAt: new Date(s.finishedAt).toISOString() }),
    ...(s.bytes !== undefined && { bytes: s.bytes }),
    ...(s.callbackUrl !== undefined && { callback: callbackView(s) }),
  };
}
