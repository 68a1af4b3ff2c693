import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { isTerminal, TaskKind } from '@app/tasks/contract';
import type { EvenSumProgressView, TaskEventName, TaskStatus } from '@app/tasks/contract';
import type { TaskRecord } from '@app/tasks/records';
import { TaskReader } from './task-reader.service';
import { taskStatusView } from './task-status.view';
import { TaskEventMessage, TaskEvents } from './task-events.service';

/** What the stream tells a client to wait before reconnecting (`retry:`), in ms. */
export const EVENTS_RETRY_MS = 1000;

// A comment line this often keeps proxies and the server's idle timeout from closing a quiet
// stream; each one also re-reads the record, so even a message lost in a Redis outage delays the
// end by at most this much.
export const EVENTS_HEARTBEAT_MS = 15_000;

/**
 * GET /:kind/:token/events: a task's changes as Server-Sent Events. On connect the current status
 * (and progress), then `status` on every transition, `progress` as chunks advance, and `end` with
 * the final status view, after which the stream closes. Event ids are the record's `eventSeq`:
 * messages at or below what the stream already sent (the snapshot included) are dropped, so a
 * change is sent once, in order. A client that reconnects (after an api restart, with or without
 * Last-Event-ID) gets the current status first, hence always the `end`; with Last-Event-ID, the
 * progress it already had is not sent again.
 */
@Injectable()
export class TaskEventStream {
  constructor(
    private readonly reader: TaskReader,
    private readonly events: TaskEvents,
  ) {}

  /**
   * Streams until the task ends, the client leaves or the api shuts down; 404 before any byte
   * otherwise. `lastEventId` (the Last-Event-ID header of a reconnecting client): the first
   * snapshot then carries progress only if newer than it; the status is sent anyway (the client
   * learns where the task is at once), and the end if it came meanwhile.
   */
  async stream(
    kind: TaskKind,
    token: string,
    client: string,
    res: Response,
    lastEventId?: string,
  ): Promise<void> {
    await this.reader.find(token, kind, client);
    const sse = new SseWriter(res);
    const seen = parseEventId(lastEventId);
    let sentSeq = -1;
    let sentStatus: TaskStatus | undefined;
    let ended = false;
    let finish = (): void => undefined;
    const over = new Promise<void>((resolve) => (finish = resolve));

    const sendRecord = (record: TaskRecord | null) => {
      if (!record) return finish(); // expired or deleted meanwhile
      const seq = record.eventSeq ?? 0;
      if (seq < sentSeq) return;
      // The snapshot (sentSeq -1) unless the client had it before it reconnected, or a change
      // whose message was lost.
      const fresh = seq > sentSeq && seq > seen;
      sentSeq = seq;
      if (record.status !== sentStatus) {
        sentStatus = record.status;
        sse.send('status', seq, { status: record.status });
      }
      if (
        fresh &&
        record.task === TaskKind.EvenSum &&
        record.chunksTotal &&
        !isTerminal(record.status)
      )
        sse.send('progress', seq, taskStatusView(record).progress);
      if (isTerminal(record.status)) end(record);
    };
    const end = (record: TaskRecord) => {
      if (ended) return;
      ended = true;
      sse.send('end', record.eventSeq ?? sentSeq, taskStatusView(record));
      finish();
    };
    const read = () => this.reader.find(token, kind, client).catch(() => null);
    // One change at a time, in arrival order: a message never overtakes the snapshot before it.
    let queue = Promise.resolve();
    const enqueue = (step: () => Promise<void> | void) => {
      queue = queue.then(step).catch(() => finish());
    };
    const onMessage = (message: TaskEventMessage) =>
      enqueue(async () => {
        if (ended) return;
        if (message.type === 'resync') return sendRecord(await read());
        if (message.seq <= sentSeq) return;
        sentSeq = message.seq;
        if (message.type === 'progress') {
          const { bytesDone, bytesTotal, chunksDone, chunksTotal, bytesReceived, bytesScanned } =
            message;
          const progress: EvenSumProgressView = {
            bytesDone,
            bytesTotal,
            chunksDone,
            chunksTotal,
            bytesReceived,
            bytesScanned,
          };
          return sse.send('progress', message.seq, progress);
        }
        sentStatus = message.status;
        sse.send('status', message.seq, { status: message.status });
        // The final view (timestamps, durations, error) comes from the record, written in the
        // same step as this message.
        if (isTerminal(message.status)) {
          const record = await read();
          if (record) end(record);
          else finish();
        }
      });

    const stop = await this.events.listen(token, onMessage);
    const heartbeat = setInterval(() => {
      sse.comment();
      enqueue(async () => (ended ? undefined : sendRecord(await read())));
    }, EVENTS_HEARTBEAT_MS);
    const closing = () => finish();
    this.events.closing.addEventListener('abort', closing);
    res.on('close', closing);
    if (this.events.closing.aborted) finish();
    try {
      sse.open(EVENTS_RETRY_MS);
      // The snapshot, read after subscribing: nothing published from here on is missed.
      enqueue(async () => sendRecord(await read()));
      await over;
    } finally {
      clearInterval(heartbeat);
      this.events.closing.removeEventListener('abort', closing);
      res.off('close', closing);
      stop();
      sse.close();
    }
  }
}

/** A Last-Event-ID we sent (an eventSeq), or -1 when absent or not ours (then ignored). */
export function parseEventId(value: string | undefined): number {
  if (value === undefined || !/^\d{1,15}$/.test(value.trim())) return -1;
  return Number(value.trim());
}

/** The wire format of Server-Sent Events on an express response. */
class SseWriter {
  constructor(private readonly res: Response) {}

  open(retryMs: number): void {
    this.res.status(200);
    this.res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    this.res.setHeader('Cache-Control', 'no-cache, no-transform');
    // nginx and similar proxies would buffer the stream otherwise.
    this.res.setHeader('X-Accel-Buffering', 'no');
    this.res.flushHeaders();
    this.res.write(`retry: ${retryMs}\n\n`);
  }

  send(event: TaskEventName, id: number, data: unknown): void {
    if (this.res.writableEnded) return;
    this.res.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  comment(): void {
    if (!this.res.writableEnded) this.res.write(': keep-alive\n\n');
  }

  close(): void {
    if (!this.res.writableEnded) this.res.end();
  }
}
