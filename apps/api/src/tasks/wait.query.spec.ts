import { HttpException } from '@nestjs/common';
import { parseWaitQuery } from './wait.query';

/** The status and body an HTTP error thrown by `parse` would be answered with. */
function refusal(query: Record<string, unknown>): { status: number; body: unknown } {
  try {
    parseWaitQuery(query);
  } catch (err) {
    if (err instanceof HttpException) return { status: err.getStatus(), body: err.getResponse() };
    throw err;
  }
  throw new Error('accepted');
}

describe(parseWaitQuery.name, () => {
  it('reads wait in seconds and since as a status', () => {
    expect(parseWaitQuery({ wait: '30', since: 'received' })).toEqual({
      wait: 30,
      since: 'received',
    });
    expect(parseWaitQuery({ wait: '1' })).toEqual({ wait: 1 });
    expect(parseWaitQuery({ wait: '60' })).toEqual({ wait: 60 });
    expect(parseWaitQuery({})).toEqual({});
  });

  it.each(['0', '61', '1.5', '-1', 'abc', '', ' 5', '1e1'])('refuses wait=%j with 400', (wait) => {
    expect(refusal({ wait })).toEqual({
      status: 400,
      body: { error: 'wait must be an integer from 1 to 60 (seconds)' },
    });
  });

  it('refuses a repeated wait and an unknown since with 400', () => {
    expect(refusal({ wait: ['1', '2'] }).status).toBe(400);
    // (The list is TASK_STATUSES: a status added there is named too.)
    expect(refusal({ since: 'done' })).toEqual({
      status: 400,
      body: {
        error: expect.stringMatching(
          /^since must be one of requested, received, finished, errored/,
        ),
      },
    });
  });
});
