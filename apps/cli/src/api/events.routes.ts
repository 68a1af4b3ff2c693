import type { TaskKind } from '@app/tasks/contract';
import type { ApiTransport } from './http.transport';

/** The event stream route, GET /:kind/:token/events (read by wait-for-task.ts). */
export class EventRoutes {
  constructor(private readonly http: ApiTransport) {}

  /**
   * The open event stream (read its body), or the error reply as is (see ApiTransport.errorOf).
   * No overall timeout (the stream lasts as long as the task): `signal` ends it. `lastEventId`
   * is the id of the last event a previous connection got (the server then sends progress only
   * if newer).
   */
  open(
    kind: TaskKind,
    token: string,
    lastEventId: string | undefined,
    signal: AbortSignal,
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    return this.http.stream(`/${kind}/${encodeURIComponent(token)}/events`, headers, signal);
  }
}
