import { Controller, Delete, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { ClientId } from '../http/client-id.decorator';
import { SubmitsTask } from '../http/lead-time.interceptor';
import { TaskKind } from '@app/tasks/contract';
import type { DirectUploadStateView, DirectUploadView, TokenView } from '@app/tasks/contract';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { ClientThrottlerGuard } from '../auth/client-throttler.guard';
import { ErrorDto, TokenDto } from '../tasks/task.dto';
import { IdempotentSubmissions } from '../tasks/idempotency.service';
import { ApiIdempotencyKey } from '../tasks/idempotency.swagger';
import { readJson } from './direct-upload.body';
import {
  COMPLETE_UPLOAD_SCHEMA,
  DirectUploadDto,
  DirectUploadStateDto,
  START_UPLOAD_SCHEMA,
} from './direct-upload.dto';
import { DirectUploadService } from './direct-upload.service';
import { DirectUploadStarter } from './direct-upload-starter.service';

const HOW =
  'For files too big to pass through the api (STORAGE=s3 only). 1. POST /even-sum/uploads {size}. ' +
  "2. PUT each part (bytes [(n-1)·partSize, n·partSize) of the file) to its URL, no credentials needed; keep each reply's ETag header " +
  "(from a browser the bucket's CORS rule must expose ETag). 3. POST /even-sum/uploads/{token}/complete with every part and ETag " +
  'before expiresAt. Then poll /even-sum/{token}/status as for a streamed upload. ' +
  'An interrupted upload resumes: GET /even-sum/uploads/{token} lists the parts already stored and ' +
  'fresh URLs for the missing ones. A session expires PRESIGN_EXPIRES_SECONDS after its last request (start, GET or complete).';

@ApiTags('even-sum')
@UseGuards(ApiKeyGuard)
@Controller('even-sum/uploads')
export class DirectUploadController {
  constructor(
    private readonly starter: DirectUploadStarter,
    private readonly uploads: DirectUploadService,
    private readonly idempotency: IdempotentSubmissions,
  ) {}

  @Post()
  @HttpCode(201)
  @UseGuards(ClientThrottlerGuard)
  @ApiOperation({
    summary: 'Start a direct upload to S3: presigned URLs for each part of the file',
    description: HOW,
  })
  @ApiConsumes('application/json')
  @ApiBody({ schema: START_UPLOAD_SCHEMA })
  // Above the Idempotency-Key's own 409, which it completes (the upper decorator wins).
  @ApiConflictResponse({
    type: ErrorDto,
    description:
      'The service stores blobs in a directory (STORAGE=fs): stream to POST /even-sum; or a request with this Idempotency-Key is still starting its session (Retry-After)',
  })
  @ApiIdempotencyKey({
    type: DirectUploadDto,
    created: 'Upload started: PUT the parts, then complete it',
    replays:
      'the session it started (same token, fresh URLs for every part, its expiry moved), or 404 once that session has ended',
    inProgress: 'starting its session',
    differs: 'another size or callbackUrl',
  })
  @ApiBadRequestResponse({
    type: ErrorDto,
    description: 'Not JSON, size not a positive integer, or a bad Idempotency-Key',
  })
  @ApiPayloadTooLargeResponse({ type: ErrorDto, description: 'size over MAX_UPLOAD_BYTES' })
  @ApiTooManyRequestsResponse({
    type: ErrorDto,
    description: 'Rate limit, MAX_PENDING_TASKS_PER_CLIENT or MAX_STORED_BYTES_PER_CLIENT',
  })
  @ApiNotFoundResponse({
    type: ErrorDto,
    description: 'The session this Idempotency-Key started has ended (completed, aborted, expired)',
  })
  async start(@Req() req: Request, @ClientId() client: string): Promise<DirectUploadView> {
    const key = this.idempotency.keyOf(req);
    return this.starter.start(req, await readJson(req), client, key);
  }

  @Post(':token/complete')
  @HttpCode(201)
  @SubmitsTask(TaskKind.EvenSum)
  @UseGuards(ClientThrottlerGuard)
  @ApiOperation({
    summary: 'Complete a direct upload and start its even-sum task',
    description: HOW,
  })
  @ApiParam({ name: 'token', example: 'b27f6016f9cf46a6baaddf09d2e5b221' })
  @ApiConsumes('application/json')
  @ApiBody({ schema: COMPLETE_UPLOAD_SCHEMA })
  @ApiCreatedResponse({ type: TokenDto, description: 'Assembled and queued' })
  @ApiPayloadTooLargeResponse({ type: ErrorDto, description: 'Body longer than the parts need' })
  @ApiTooManyRequestsResponse({ type: ErrorDto, description: 'Rate limit (with Retry-After)' })
  @ApiBadRequestResponse({
    type: ErrorDto,
    description:
      'A part missing, repeated or unknown, an ETag refused, or a size other than declared (the upload is then dropped)',
  })
  @ApiNotFoundResponse({
    type: ErrorDto,
    description: "Unknown, expired or completed upload, or another client's",
  })
  @ApiConflictResponse({
    type: ErrorDto,
    description: 'STORAGE=fs, or the upload is being completed by another request',
  })
  async complete(
    @Param('token') token: string,
    @Req() req: Request,
    @ClientId() client: string,
  ): Promise<TokenView> {
    return { token: await this.uploads.complete(token, req, client) };
  }

  @Get(':token')
  @UseGuards(ClientThrottlerGuard)
  @ApiOperation({
    summary: 'Resume a direct upload: the parts already stored, fresh URLs for the missing ones',
    description:
      HOW +
      ' A stored part of another size than planned is listed as missing. The request keeps the session alive.',
  })
  @ApiParam({ name: 'token', example: 'b27f6016f9cf46a6baaddf09d2e5b221' })
  @ApiOkResponse({
    type: DirectUploadStateDto,
    description: 'PUT the missing parts, then complete with every part',
  })
  @ApiNotFoundResponse({
    type: ErrorDto,
    description: "Unknown, expired, completed or aborted upload, or another client's",
  })
  @ApiConflictResponse({ type: ErrorDto, description: 'STORAGE=fs' })
  @ApiTooManyRequestsResponse({ type: ErrorDto, description: 'Rate limit (with Retry-After)' })
  async state(
    @Param('token') token: string,
    @ClientId() client: string,
  ): Promise<DirectUploadStateView> {
    return this.uploads.state(token, client);
  }

  @Delete(':token')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Abort a direct upload: its parts are dropped and its reservation released',
  })
  @ApiParam({ name: 'token', example: 'b27f6016f9cf46a6baaddf09d2e5b221' })
  @ApiNoContentResponse({ description: 'Aborted' })
  @ApiNotFoundResponse({
    type: ErrorDto,
    description: "Unknown, expired or completed upload, or another client's",
  })
  @ApiConflictResponse({
    type: ErrorDto,
    description: 'STORAGE=fs, or the upload is being completed',
  })
  async abort(@Param('token') token: string, @ClientId() client: string): Promise<void> {
    await this.uploads.abort(token, client);
  }
}
