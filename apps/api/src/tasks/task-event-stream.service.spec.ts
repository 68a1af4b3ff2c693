import { parseEventId } from './task-event-stream.service';

describe(parseEventId.name, () => {
  it('reads an event id the stream sent (a non-negative integer, spaces around allowed)', () => {
    expect(parseEventId('0')).toBe(0);
    expect(parseEventId('37')).toBe(37);
    expect(parseEventId(' 12 ')).toBe(12);
  });

  it('ignores an absent or foreign id (-1: the client gets the whole snapshot)', () => {
    for (const value of [undefined, '', 'abc', '-3', '1.5', '1e3', '9'.repeat(16)])
      expect({ value, id: parseEventId(value) }).toEqual({ value, id: -1 });
  });
});
