import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TASK_STATUSES, type TaskStatus, TOKEN_PATTERN } from '@app/tasks/contract';
import type {
  CallbackView,
  EvenSumProgressView,
  TaskStatusView,
  TokenView,
} from '@app/tasks/contract';

/**
 * OpenAPI shapes of the task responses (documentation only; responses are built by the views).
 * Each implements its view, so a field changed there and not here does not compile.
 */
export class TokenDto implements TokenView {
  @ApiProperty({ example: 'b27f6016f9cf46a6baaddf09d2e5b221', pattern: TOKEN_PATTERN.source })
  token!: string;
}

export class ErrorDto {
  @ApiProperty({ example: 'task not found', description: 'What was wrong with the request' })
  error!: string;
}

export class ProgressDto implements EvenSumProgressView {
  @ApiProperty({ example: 536870912 }) bytesDone!: number;
  @ApiProperty({
    example: 1073741824,
    description: 'The file size (0 while a pipelined upload is still arriving)',
  })
  bytesTotal!: number;
  @ApiProperty({
    example: 805306368,
    description: 'Bytes of the file stored so far: chunks are scanned while the upload goes on',
  })
  bytesReceived!: number;
  @ApiProperty({ example: 536870912, description: 'Bytes scanned so far (= bytesDone)' })
  bytesScanned!: number;
  @ApiProperty({ example: 8 }) chunksDone!: number;
  @ApiProperty({ example: 16 }) chunksTotal!: number;
}

export class CallbackDto implements CallbackView {
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'], example: 'delivered' })
  state!: 'pending' | 'delivered' | 'failed';
  @ApiProperty({ example: 1, description: 'Delivery attempts made so far' })
  attempts!: number;
  @ApiPropertyOptional({
    example: 'receiver answered 500',
    description: 'Why the latest attempt failed (a refused target: the reason, no retries)',
  })
  lastError?: string;
}

export class StatusDto implements TaskStatusView {
  @ApiProperty({ enum: [...TASK_STATUSES], example: 'finished' })
  status!: TaskStatus;
  @ApiPropertyOptional({
    description: 'Only when status is errored: why, e.g. "cannot decode PNG: …"',
  })
  error?: string;
  @ApiPropertyOptional({ example: '2026-11-28T10:00:00.000Z' }) requestedAt?: string;
  @ApiPropertyOptional({ example: '2026-11-28T10:00:00.020Z' }) startedAt?: string;
  @ApiPropertyOptional({ example: '2026-11-28T10:00:00.110Z' }) finishedAt?: string;
  @ApiPropertyOptional({
    example: '2026-11-28T10:00:00.050Z',
    description: 'Only when status is cancelled: when its client cancelled it (DELETE)',
  })
  cancelledAt?: string;
  @ApiPropertyOptional({ example: 90, description: 'Time the worker spent processing' })
  executionMs?: number;
  @ApiPropertyOptional({ example: 20, description: 'Time from enqueue to start' })
  queueWaitMs?: number;
  @ApiPropertyOptional({ example: 110, description: 'Time from request to finish (wall clock)' })
  leadTimeMs?: number;
  @ApiPropertyOptional({
    example: 80,
    description: 'even-sum only: from the first chunk started to the last one finished',
  })
  wallMs?: number;
  @ApiPropertyOptional({ type: ProgressDto, description: 'even-sum only' }) progress?: ProgressDto;
  @ApiPropertyOptional({
    type: CallbackDto,
    description: 'Only when the submission named a callbackUrl: its delivery',
  })
  callback?: CallbackDto;
}
