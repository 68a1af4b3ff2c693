/** One Server-Sent Event as received, with when it arrived (Date.now()). */
export interface SseEvent {
  event: string;
  id?: string;
  data: string;
  at: number;
}

/** A stream being read: the events so far, `retry:` if sent, and its end. */
export interface SseStream {
  status: number;
  events: SseEvent[];
  retry?: number;
  /** Resolves when the server closes the stream (or rejects on a network error). */
  closed: Promise<void>;
  abort(): void;
}

/**
 * Opens `url` as an event stream with fetch and parses events as they arrive (the wire format of
 * the HTML spec: `field: value` lines, a blank line ends an event, `:` lines are comments).
 */
export async function openEvents(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const stream: SseStream = {
    status: res.status,
    events: [],
    closed: Promise.resolve(),
    abort: () => controller.abort(),
  };
  if (res.status !== 200 || !res.body) {
    await res.arrayBuffer().catch(() => undefined);
    return stream;
  }
  const decoder = new TextDecoder();
  let buffer = '';
  let current: Partial<SseEvent> & { data?: string } = {};
  const line = (text: string) => {
    if (text === '') {
      if (current.data !== undefined)
        stream.events.push({
          event: current.event ?? 'message',
          id: current.id,
          data: current.data,
          at: Date.now(),
        });
      current = {};
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'data')
      current.data = current.data === undefined ? value : `${current.data}\n${value}`;
    else if (field === 'event') current.event = value;
    else if (field === 'id') current.id = value;
    else if (field === 'retry') stream.retry = Number(value);
  };
  stream.closed = (async () => {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        line(buffer.slice(0, newline).replace(/\r$/, ''));
        buffer = buffer.slice(newline + 1);
      }
    }
  })();
  stream.closed.catch(() => undefined);
  return stream;
}
