import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TASK_STATUSES, TaskKind, type TaskStatus, TOKEN_PATTERN } from '@app/tasks/contract';
import type { TaskListEntryView, TaskListView } from '@app/tasks/contract';
import { CallbackDto } from './task.dto';

/** OpenAPI shapes of GET /tasks (documentation only; the controller builds the views). */
export class TaskListEntryDto implements TaskListEntryView {
  @ApiProperty({ example: 'b27f6016f9cf46a6baaddf09d2e5b221', pattern: TOKEN_PATTERN.source })
  token!: string;
  @ApiProperty({ enum: Object.values(TaskKind), example: TaskKind.EvenSum })
  kind!: TaskKind;
  @ApiProperty({ enum: [...TASK_STATUSES], example: 'finished' })
  status!: TaskStatus;
  @ApiProperty({ example: '2026-11-28T10:00:00.000Z' })
  requestedAt!: string;
  @ApiPropertyOptional({
    example: '2026-11-28T10:00:00.110Z',
    description: 'Once finished or errored',
  })
  finishedAt?: string;
  @ApiPropertyOptional({ example: 1048576, description: "The input's size in bytes" })
  bytes?: number;
  @ApiPropertyOptional({
    type: CallbackDto,
    description: 'Only when the submission named a callbackUrl: its delivery, as in its status',
  })
  callback?: CallbackDto;
}

export class TaskListDto implements TaskListView {
  @ApiProperty({ type: [TaskListEntryDto], description: 'Newest first' })
  tasks!: TaskListEntryDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'MTc2NDMyNDAwMDAwMC5iMjdmNjAxNmY5Y2Y0NmE2YmFhZGRmMDlkMmU1YjIyMQ',
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  nextCursor!: string | null;
}
