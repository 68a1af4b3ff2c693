import { Injectable } from '@nestjs/common';
import { TaskKind } from '@app/tasks/queues/queue-names';
import { TaskRecord } from '@app/tasks/tasks/task-record';
import { TaskStore } from '@app/tasks/tasks/task-store.service';
import { isTaskToken } from '@app/tasks/tasks/task-token';
import { notFound } from '@app/tasks/http/task-http.errors';

/** Finds a client's task by token: malformed, unknown, expired, other client's or other kind → 404. */
@Injectable()
export class TaskReader {
  constructor(private readonly store: TaskStore) {}

  async find(token: string, task: TaskKind, client: string): Promise<TaskRecord> {
    // Malformed tokens never reach Redis or the filesystem.
    if (!isTaskToken(token)) throw notFound();
    const record = await this.store.get(token);
    if (!record || record.task !== task || record.client !== client) throw notFound();
    return record;
  }
}
