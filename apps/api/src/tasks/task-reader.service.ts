import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { TaskKind } from '@app/tasks/queues';
import { TaskRecord, TaskStore, isTaskToken } from '@app/tasks/records';
import { notFound } from '../http/task-http.errors';

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

  /**
   * Finds a finished task for its result route; until then 404 with the old service's exact body,
   * `{"message":"not found","status":...}`, which clients poll on.
   */
  async findFinished(token: string, task: TaskKind, client: string): Promise<TaskRecord> {
    const record = await this.find(token, task, client);
    if (record.status !== 'finished')
      throw new HttpException(
        { message: 'not found', status: record.status },
        HttpStatus.NOT_FOUND,
      );
    return record;
  }
}
