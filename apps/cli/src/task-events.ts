import type { EvenSumProgressView, TaskEventName, TaskStatusView } from '@app/tasks/contract';

/** One event of GET /:kind/:token/events. */
export interface TaskEvent {
  event: TaskEventName;
  id?: string;
  data: unknown;
}

/** What one connection to the event stream gave: how it ended, and the server's `retry:`. */
export interface EventsOutcome {
  /** The `end` event's status view, when the stream got that far. */
  end?: TaskStatusView;
  /** The last event id seen (send it back as Last-Event-ID). */
  lastId?: string;
  retryMs?: number;
}

/**
 * Reads a Server-Sent Events response body (the HTML spec's format: `field: value` lines, a blank
 * line ends an event, `:` lines are comments) and calls `onEvent` with each; resolves when the
 * server closes the stream, after an `end` event or not (an api restart: reconnect). `outcome` is
 * filled as events arrive, so a caller keeps the last id and `retry:` when the connection drops
 * (the body then throws) and reconnects with them.
 */
export async function readTaskEvents(
  body: AsyncIterable<Uint8Array>,
  onEvent: (event: TaskEvent) => void,
  outcome: EventsOutcome = {},
): Promise<EventsOutcome> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event: { name?: string; id?: string; data?: string } = {};
  const line = (text: string) => {
    if (text === '') {
      if (event.data !== undefined && isEventName(event.name)) {
        const parsed: TaskEvent = { event: event.name, id: event.id, data: JSON.parse(event.data) };
        if (event.id !== undefined) outcome.lastId = event.id;
        if (parsed.event === 'end') outcome.end = parsed.data as TaskStatusView;
        onEvent(parsed);
      }
      event = {};
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') event.data = event.data === undefined ? value : `${event.data}\n${value}`;
    else if (field === 'event') event.name = value;
    else if (field === 'id') event.id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) outcome.retryMs = Number(value);
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
      line(buffer.slice(0, newline).replace(/\r$/, ''));
      buffer = buffer.slice(newline + 1);
    }
  }
  return outcome;
}

/** The status view a waiter shows after `event`, given the one it showed before. */
export function statusAfter(before: TaskStatusView | undefined, event: TaskEvent): TaskStatusView {
  if (event.event === 'progress')
    return { ...(before ?? { status: 'received' }), progress: event.data as EvenSumProgressView };
  if (event.event === 'end') return event.data as TaskStatusView;
  return { ...before, ...(event.data as TaskStatusView) };
}

function isEventName(name: string | undefined): name is TaskEventName {
  return name === 'status' || name === 'progress' || name === 'end';
}
