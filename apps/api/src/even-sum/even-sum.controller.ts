import { Controller, Get, HttpCode, Param, Post, Put, Query, Req, UseGuards } from '@nestjs/common';
import { ApiCallbackUrlQuery } from '../tasks/callback-url.swagger';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { ClientThrottlerGuard } from '../auth/client-throttler.guard';
import {
  ApiBearerAuth,
  ApiSecurity,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { ClientId } from '../http/client-id.decorator';
import { RequestedAt, SubmitsTask } from '../http/lead-time.interceptor';
import { TaskKind } from '@app/tasks/contract';
import type { EvenSumResultView, TaskStatusView, TokenView } from '@app/tasks/contract';
import { mediaType } from '../http/read-body';
import { ApiIdempotencyKey } from '../tasks/idempotency.swagger';
import { ErrorDto, StatusDto } from '../tasks/task.dto';
import { TaskReader } from '../tasks/task-reader.service';
import { TaskWaiter } from '../tasks/task-waiter.service';
import { parseWaitQuery } from '../tasks/wait.query';
import { ApiWaitQuery } from '../tasks/wait.swagger';
import { EvenSumResultDto } from './even-sum.dto';
import { evenSumResultView } from './even-sum-result.view';
import { EvenSumService } from './even-sum.service';

const INPUT_FORMAT =
  'Integers in ASCII decimal separated by any run of whitespace (space, tab, LF, CRLF) and/or commas; ' +
  'optional leading + or -; leading zeros allowed; any number of digits (exact). Negative even numbers count. ' +
  'A UTF-8 BOM at the start is ignored. An empty file sums to "0". Anything else (letters, 1.5, 1e3, --1, a lone -, ' +
  "NUL bytes, invalid UTF-8) ends the task errored with the first bad token's byte offset and line.";

@ApiTags('even-sum')
@UseGuards(ApiKeyGuard)
@ApiBearerAuth('bearer')
@ApiSecurity('api-key')
@ApiUnauthorizedResponse({
  type: ErrorDto,
  description: 'API_KEYS is set and the key is missing or wrong',
})
@ApiTooManyRequestsResponse({
  type: ErrorDto,
  description: 'Rate limit (with Retry-After), or the pending-task or stored-bytes cap',
})
@Controller('even-sum')
export class EvenSumController {
  constructor(
    private readonly evenSum: EvenSumService,
    private readonly reader: TaskReader,
    private readonly waiter: TaskWaiter,
  ) {}

  @Post()
  @HttpCode(201)
  @SubmitsTask(TaskKind.EvenSum)
  @UseGuards(ClientThrottlerGuard)
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Upload a text file of integers; the sum of its even integers is computed',
    description: INPUT_FORMAT,
  })
  @ApiConsumes('text/plain', 'application/octet-stream')
  @ApiBody({
    description: INPUT_FORMAT,
    schema: { type: 'string', format: 'binary', example: '1 2 3 4\n-6,8\n' },
  })
  @ApiBadRequestResponse({
    type: ErrorDto,
    description: 'Unsupported Content-Type, the body ended early, or a bad Idempotency-Key',
  })
  @ApiPayloadTooLargeResponse({
    type: ErrorDto,
    description: 'Over MAX_UPLOAD_BYTES (from Content-Length, or mid-stream)',
  })
  @ApiCallbackUrlQuery()
  async submit(
    @Req() req: Request,
    @ClientId() client: string,
    @RequestedAt() requestedAt: number,
  ): Promise<TokenView> {
    return { token: await this.evenSum.submit(req, mediaType(req), client, requestedAt) };
  }

  /** `curl -T file URL` sends a PUT: same as POST. */
  @Put()
  @HttpCode(201)
  @SubmitsTask(TaskKind.EvenSum)
  @UseGuards(ClientThrottlerGuard)
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Same as POST (curl -T uploads with PUT)' })
  @ApiConsumes('text/plain', 'application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiCallbackUrlQuery()
  async submitPut(
    @Req() req: Request,
    @ClientId() client: string,
    @RequestedAt() requestedAt: number,
  ): Promise<TokenView> {
    return this.submit(req, client, requestedAt);
  }

  @Get(':token/status')
  @ApiOperation({ summary: 'Status with progress: bytes and chunks done' })
  @ApiParam({ name: 'token', example: 'b27f6016f9cf46a6baaddf09d2e5b221' })
  @ApiOkResponse({ type: StatusDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Malformed, unknown or expired token' })
  @ApiWaitQuery()
  status(
    @Param('token') token: string,
    @ClientId() client: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
  ): Promise<TaskStatusView> {
    return this.waiter.status(TaskKind.EvenSum, token, client, parseWaitQuery(query), req);
  }

  @Get(':token/result')
  @ApiOperation({ summary: 'The exact sum (a decimal string) and counts, once finished' })
  @ApiParam({ name: 'token', example: 'b27f6016f9cf46a6baaddf09d2e5b221' })
  @ApiOkResponse({ type: EvenSumResultDto })
  @ApiNotFoundResponse({
    description: '{"message":"not found","status":"<status>"} until finished',
  })
  async result(
    @Param('token') token: string,
    @ClientId() client: string,
  ): Promise<EvenSumResultView> {
    return evenSumResultView(await this.reader.findFinished(token, TaskKind.EvenSum, client));
  }
}
