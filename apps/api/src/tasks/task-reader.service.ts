import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { TaskKind, isTaskToken } from '@app/tasks/contract';
import type { FinishedRecordOf, TaskRecordOf } from '@app/tasks/records';
import { TaskRecord, TaskStore } from '@app/tasks/records';
import { notFound } from '../http/task-http.errors';

/** Finds a client's task by token: malformed, unknown, expired, other client's or other kind → 404. */
@Injectable()
export class TaskReader {
  constructor(private readonly store: TaskStore) {}

  async find<K extends TaskKind>(token: string, task: K, client: string): Promise<TaskRecordOf<K>> {
    // Malformed tokens never reach Redis or the filesystem.
    if (!isTaskToken(token)) throw notFound();
    const record = await this.store.get(token);
    if (!record || !isOfKind(record, task) || record.client !== client) throw notFound();
    return record;
  }

  /**
   * Finds a finished task for its result route; until then 404 with the old service's exact body,
   * `{"message":"not found","status":...}`, which clients poll on.
   */
  async findFinished<K extends TaskKind>(
    token: string,
    task: K,
    client: string,
  ): Promise<FinishedRecordOf<K>> {
    const record = await this.find(token, task, client);
    if (!isFinished(record))
      throw new HttpException(
        { message: 'not found', status: record.status },
        HttpStatus.NOT_FOUND,
      );
    return record;
  }
}

function isFinished<R extends TaskRecord>(record: R): record is R & { status: 'finished' } {
  return record.status === 'finished';
}

function isOfKind<K extends TaskKind>(record: TaskRecord, task: K): record is TaskRecordOf<K> {
  return record.task === task;
}
