import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { isTerminal, TaskKind } from '@app/tasks/contract';
import type { TaskStatusView } from '@app/tasks/contract';
import { TaskReader } from './task-reader.service';
import { taskStatusView } from './task-status.view';
import { TaskEvents } from './task-events.service';
import { WaitQuery } from './wait.query';

/**
 * GET /:kind/:token/status?wait=&since= (long-poll): answers as soon as the status differs from
 * `since`, else at the deadline with the current status. Woken by the task's events channel, so
 * the answer follows a transition made in any process by one pub/sub hop and one record read.
 */
@Injectable()
export class TaskWaiter {
  constructor(
    private readonly reader: TaskReader,
    private readonly events: TaskEvents,
  ) {}

  async status(
    kind: TaskKind,
    token: string,
    client: string,
    query: WaitQuery,
    req: Request,
  ): Promise<TaskStatusView> {
    const first = await this.reader.find(token, kind, client);
    const since = query.since ?? first.status;
    // No wait asked, already changed, or nothing more can change: at once.
    if (query.wait === undefined || first.status !== since || isTerminal(first.status))
      return taskStatusView(first);
    const deadline = Date.now() + query.wait * 1000;
    // The server's idle timeout (UPLOAD_IDLE_TIMEOUT_MS) must not cut a quiet long-poll.
    req.socket.setTimeout(query.wait * 1000 + 30_000);
    let wake = (): void => undefined;
    const stop = await this.events.listen(token, (message) => {
      if (message.type !== 'progress') wake();
    });
    try {
      for (;;) {
        const woken = new Promise<void>((resolve) => (wake = resolve));
        // Read after subscribing: a transition between the first read and the subscription is
        // seen here rather than missed.
        const record = await this.reader.find(token, kind, client);
        const left = deadline - Date.now();
        if (
          record.status !== since ||
          left <= 0 ||
          this.events.closing.aborted ||
          req.socket.destroyed
        )
          return taskStatusView(record);
        await Promise.race([woken, delay(left, this.events.closing, req)]);
      }
    } finally {
      stop();
    }
  }
}

/** Resolves after `ms`, or at once when the api shuts down or the client leaves. */
function delay(ms: number, closing: AbortSignal, req: Request): Promise<void> {
  // The socket's close, not the request's: a GET's request closes as soon as its (empty) body is read.
  const socket = req.socket;
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      closing.removeEventListener('abort', done);
      socket.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    closing.addEventListener('abort', done);
    socket.on('close', done);
  });
}
