import { Controller, Get, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { ClientThrottlerGuard } from '../auth/client-throttler.guard';
import {
  ApiBearerAuth,
  ApiSecurity,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiBody,
  ApiConsumes,
  ApiFoundResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiQuery,
  ApiBadRequestResponse,
  ApiRequestTimeoutResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import { ClientId } from '../http/client-id.decorator';
import { RequestedAt, SubmitsTask } from '../http/lead-time.interceptor';
import { badRequest } from '../http/task-http.errors';
import { TaskKind } from '@app/tasks/contract';
import type { TaskStatusView, TokenView } from '@app/tasks/contract';
import { blobKeys, BlobStore, InjectBlobStore, supportsPresignedReads } from '@app/tasks/storage';
import { mediaType } from '../http/read-body';
import { TaskReader } from '../tasks/task-reader.service';
import { TaskWaiter } from '../tasks/task-waiter.service';
import { parseWaitQuery } from '../tasks/wait.query';
import { parseCallbackUrl } from '../tasks/callback-url.query';
import { ApiCallbackUrlQuery } from '../tasks/callback-url.swagger';
import { ApiWaitQuery } from '../tasks/wait.swagger';
import { ImageBodyReader } from './image-body.reader';
import { IdempotentSubmissions } from '../tasks/idempotency.service';
import { RandomizeService } from './randomize.service';
import { parseRandomizeQuery, parseRedirectQuery } from './randomize.query';
import { ApiIdempotencyKey } from '../tasks/idempotency.swagger';
import { ErrorDto, StatusDto } from '../tasks/task.dto';

@ApiTags('randomize')
@UseGuards(ApiKeyGuard)
@ApiBearerAuth('bearer')
@ApiSecurity('api-key')
@ApiUnauthorizedResponse({
  type: ErrorDto,
  description: 'API_KEYS is set and the key is missing or wrong',
})
@ApiTooManyRequestsResponse({
  type: ErrorDto,
  description:
    "Rate limit (with Retry-After), the pending-task or stored-bytes cap, or (POST) the client's image bytes in flight (MAX_CLIENT_BYTES_IN_FLIGHT, with Retry-After)",
})
@Controller('randomize')
export class RandomizeController {
  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectBlobStore() private readonly blobs: BlobStore,
    private readonly randomize: RandomizeService,
    private readonly reader: TaskReader,
    private readonly waiter: TaskWaiter,
    private readonly imageBody: ImageBodyReader,
    private readonly idempotency: IdempotentSubmissions,
  ) {}

  @Post()
  @HttpCode(201)
  @SubmitsTask(TaskKind.Randomize)
  @UseGuards(ClientThrottlerGuard)
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Submit a PNG; its 60×60 (or blockSize) blocks will be shuffled' })
  @ApiConsumes('image/png')
  @ApiBody({ description: 'The PNG file, raw bytes', schema: { type: 'string', format: 'binary' } })
  @ApiQuery({
    name: 'blockSize',
    required: false,
    description: 'Block edge in pixels, 8..1024',
    example: 60,
  })
  @ApiQuery({
    name: 'seed',
    required: false,
    description: 'Integer 0..4294967295: same seed and image, same output',
  })
  @ApiCallbackUrlQuery()
  @ApiBadRequestResponse({
    type: ErrorDto,
    description: 'Not image/png, empty, not a PNG, too many pixels, bad query, bad Idempotency-Key',
  })
  @ApiPayloadTooLargeResponse({ type: ErrorDto, description: 'Body over MAX_IMAGE_BYTES' })
  @ApiRequestTimeoutResponse({
    type: ErrorDto,
    description: 'The body did not arrive whole within IMAGE_BODY_TIMEOUT_MS',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorDto,
    description:
      'Too many image bytes in flight in the api (MAX_IMAGE_BYTES_IN_FLIGHT; with Retry-After), or Redis unavailable',
  })
  async submit(
    @Req() req: Request,
    @Query() query: Record<string, unknown>,
    @ClientId() client: string,
    @RequestedAt() requestedAt: number,
  ): Promise<TokenView> {
    const { blockSize, seed } = parseRandomizeQuery(query);
    const callbackUrl = parseCallbackUrl(query.callbackUrl, this.config.webhooks);
    if (mediaType(req) !== 'image/png') {
      throw badRequest(`Content-Type must be image/png (got ${mediaType(req) ?? 'none'})`);
    }
    // A bad key is refused before the body is read.
    const key = this.idempotency.keyOf(req);
    const idempotency = key === undefined ? undefined : { key, req };
    const token = await this.imageBody.read(req, client, (png) =>
      this.randomize.submit({
        png,
        blockSize,
        seed,
        callbackUrl,
        client,
        requestedAt,
        idempotency,
      }),
    );
    return { token };
  }

  @Get(':token/status')
  @ApiOperation({ summary: 'Status: requested → received → finished (or errored)' })
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
    return this.waiter.status(TaskKind.Randomize, token, client, parseWaitQuery(query), req);
  }

  @Get(':token/result')
  @ApiOperation({ summary: 'The shuffled PNG, once finished' })
  @ApiParam({ name: 'token', example: 'b27f6016f9cf46a6baaddf09d2e5b221' })
  @ApiProduces('image/png')
  @ApiQuery({
    name: 'redirect',
    required: false,
    description:
      'true: with STORAGE=s3, answer 302 to a presigned storage URL (valid RESULT_URL_EXPIRES_SECONDS) instead of streaming the PNG through the api; ignored with STORAGE=fs',
    enum: ['true', 'false'],
  })
  @ApiOkResponse({ description: 'The shuffled PNG', schema: { type: 'string', format: 'binary' } })
  @ApiFoundResponse({
    description:
      'redirect=true and STORAGE=s3: Location is a presigned GET of the PNG (send no Authorization header to it)',
  })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'redirect is not true or false' })
  @ApiNotFoundResponse({
    description: '{"message":"not found","status":"<status>"} until finished',
  })
  async result(
    @Param('token') token: string,
    @Query('redirect') redirectParam: unknown,
    @ClientId() client: string,
    @Res() res: Response,
  ): Promise<void> {
    const redirect = parseRedirectQuery(redirectParam);
    const record = await this.reader.findFinished(token, TaskKind.Randomize, client);
    const key = record.resultKey ?? blobKeys.randomizeOutput(token);
    if (redirect && supportsPresignedReads(this.blobs)) {
      // The bytes then flow from the bucket to the client, not through the api. The URL is a bearer
      // credential for this result until it expires: not to be cached by anything in between.
      const url = await this.blobs.presignRead(
        key,
        this.config.resultUrlExpiresSeconds,
        'image/png',
      );
      res.setHeader('Cache-Control', 'no-store');
      return res.redirect(302, url);
    }
    // Streamed, never read whole: a slow reader holds a stream's buffer, not the whole result.
    // A missing blob rejects here, before any header is sent (404 {error} from the filter).
    const blob = await this.blobs.openRead(key);
    res.status(200).type('image/png').setHeader('Content-Length', String(blob.size));
    try {
      await pipeline(blob.body, res);
    } catch (err) {
      // The client left mid-way: nothing to answer, and nothing went wrong here. A storage
      // failure mid-stream is rethrown (the filter logs it and cuts the connection).
      if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
    }
  }
}
