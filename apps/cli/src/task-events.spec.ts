import { EventsOutcome, readTaskEvents } from './task-events';

const encoder = new TextEncoder();

describe(readTaskEvents.name, () => {
  it('keeps the last id and retry: in the outcome when the connection drops mid-stream', async () => {
    async function* cut(): AsyncIterable<Uint8Array> {
      yield encoder.encode('retry: 2500\n\nid: 4\nevent: status\ndata: {"status":"received"}\n\n');
      yield encoder.encode('id: 7\nevent: progress\ndata: {"chunksDone":1}\n\nid: 9\nevent: pro');
      throw new TypeError('terminated');
    }
    const sut: EventsOutcome = {};
    const names: string[] = [];
    await expect(readTaskEvents(cut(), (e) => names.push(e.event), sut)).rejects.toThrow(
      'terminated',
    );
    // The half-received event 9 does not count: a reconnection asks from 7.
    expect(sut).toEqual({ retryMs: 2500, lastId: '7' });
    expect(names).toEqual(['status', 'progress']);
  });
});
