import { Controller, Get, Headers, Param, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { TaskKind } from '@app/tasks/contract';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { ClientId } from '../http/client-id.decorator';
import { ErrorDto } from './task.dto';
import { EVENTS_HEARTBEAT_MS, EVENTS_RETRY_MS, TaskEventStream } from './task-event-stream.service';

const EVENTS_DESCRIPTION =
  'Server-Sent Events (text/event-stream). First the current state: `status` (`{"status"}`) and, for a ' +
  'running even-sum, `progress`. Then `status` on every transition, `progress` (`{"bytesDone","bytesTotal",' +
  '"chunksDone","chunksTotal","bytesReceived","bytesScanned"}`) as even-sum chunks advance, and last `end` with the final status (the same ' +
  "JSON as GET …/status), after which the server closes the stream. Every event has an `id` (the task's " +
  `change counter); the stream starts with \`retry: ${EVENTS_RETRY_MS}\` and sends a comment every ` +
  `${EVENTS_HEARTBEAT_MS / 1000} s. A client that reconnects gets the current status at once (and, with ` +
  'Last-Event-ID, the progress only if newer than that id), then the `end` if the task ended meanwhile: it never misses the end. The stream also ends, without `end`, when the api shuts down: ' +
  'reconnect. Works with any number of api processes (Redis pub/sub).';

const LAST_EVENT_ID_HEADER = {
  name: 'Last-Event-ID',
  required: false,
  description:
    'The id of the last event received, sent on reconnect (EventSource does it by itself): the stream starts with the current status anyway, with progress only if newer than this id, and the end if the task ended meanwhile',
};

/** GET /randomize/:token/events and GET /even-sum/:token/events. */
@ApiTags('events')
@UseGuards(ApiKeyGuard)
@ApiBearerAuth('bearer')
@ApiSecurity('api-key')
@ApiUnauthorizedResponse({
  type: ErrorDto,
  description: 'API_KEYS is set and the key is missing or wrong',
})
@Controller()
export class TaskEventsController {
  constructor(private readonly stream: TaskEventStream) {}

  @Get('randomize/:token/events')
  @ApiOperation({
    summary: "A randomize task's status changes as Server-Sent Events",
    description: EVENTS_DESCRIPTION,
  })
  @ApiParam({ name: 'token', example: 'b27f6016f9cf46a6baaddf09d2e5b221' })
  @ApiHeader(LAST_EVENT_ID_HEADER)
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'event: status | end, then closed',
    schema: {
      type: 'string',
      example:
        'retry: 1000\n\nid: 0\nevent: status\ndata: {"status":"requested"}\n\nid: 2\nevent: status\ndata: {"status":"finished"}\n\nid: 2\nevent: end\ndata: {"status":"finished","requestedAt":"…"}\n\n',
    },
  })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Malformed, unknown or expired token' })
  randomize(
    @Param('token') token: string,
    @ClientId() client: string,
    @Res() res: Response,
    @Headers('last-event-id') lastEventId?: string,
  ): Promise<void> {
    return this.stream.stream(TaskKind.Randomize, token, client, res, lastEventId);
  }

  @Get('even-sum/:token/events')
  @ApiOperation({
    summary: "An even-sum task's status and progress as Server-Sent Events",
    description: EVENTS_DESCRIPTION,
  })
  @ApiParam({ name: 'token', example: 'b27f6016f9cf46a6baaddf09d2e5b221' })
  @ApiHeader(LAST_EVENT_ID_HEADER)
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'event: status | progress | end, then closed',
    schema: {
      type: 'string',
      example:
        'retry: 1000\n\nid: 1\nevent: status\ndata: {"status":"received"}\n\nid: 3\nevent: progress\ndata: {"bytesDone":67108864,"bytesTotal":134217728,"chunksDone":1,"chunksTotal":2,"bytesReceived":134217728,"bytesScanned":67108864}\n\n',
    },
  })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Malformed, unknown or expired token' })
  evenSum(
    @Param('token') token: string,
    @ClientId() client: string,
    @Res() res: Response,
    @Headers('last-event-id') lastEventId?: string,
  ): Promise<void> {
    return this.stream.stream(TaskKind.EvenSum, token, client, res, lastEventId);
  }
}
