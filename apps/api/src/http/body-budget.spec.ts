import { HttpStatus } from '@nestjs/common';
import { BodyBudget, BodyBudgetError, BUDGET_RETRY_AFTER_SECONDS } from './body-budget';

const limits = { total: 100, totalSetting: 'TOTAL', perClient: 60, perClientSetting: 'PER_CLIENT' };

/** The error `act` throws, for assertions on its status and fields. */
function thrown(act: () => unknown): BodyBudgetError {
  try {
    act();
  } catch (err) {
    return err as BodyBudgetError;
  }
  throw new Error('expected a throw');
}

describe(BodyBudget.name, () => {
  let sut: BodyBudget;

  beforeEach(() => {
    sut = new BodyBudget(limits);
  });

  it('counts reservations in all and per client, and gives them back on release', () => {
    const a = sut.reserve('alice', 30);
    const b = sut.reserve('bob', 50);
    expect(sut.inFlight()).toEqual({ bytes: 80, clients: 2 });
    a.release();
    b.release();
    expect(sut.inFlight()).toEqual({ bytes: 0, clients: 0 });
  });

  it("refuses a client's bytes past its own cap with 429 naming the setting, with a Retry-After", () => {
    sut.reserve('alice', 40);
    const err = thrown(() => sut.reserve('alice', 21));
    expect(err).toBeInstanceOf(BodyBudgetError);
    expect(err.getStatus()).toBe(HttpStatus.TOO_MANY_REQUESTS);
    expect(err.getResponse()).toEqual({ error: expect.stringContaining('PER_CLIENT') });
    expect(err.retryAfterSeconds).toBe(BUDGET_RETRY_AFTER_SECONDS);
    // Another client is not affected, and the refused bytes were not counted.
    expect(sut.reserve('bob', 60)).toBeDefined();
    expect(sut.inFlight()).toEqual({ bytes: 100, clients: 2 });
  });

  it('refuses bytes past the total cap with 503 naming the setting', () => {
    sut.reserve('alice', 60);
    sut.reserve('bob', 30);
    const err = thrown(() => sut.reserve('carol', 11));
    expect(err.getStatus()).toBe(HttpStatus.SERVICE_UNAVAILABLE);
    expect(err.getResponse()).toEqual({ error: expect.stringContaining('(TOTAL)') });
    expect(sut.inFlight()).toEqual({ bytes: 90, clients: 2 });
  });

  it('grows a reservation as a chunked body arrives and refuses the piece that passes a cap', () => {
    const r = sut.reserve('alice', 0);
    r.grow(50);
    expect(thrown(() => r.grow(11)).getStatus()).toBe(HttpStatus.TOO_MANY_REQUESTS);
    expect(sut.inFlight().bytes).toBe(50);
    r.release();
    expect(sut.inFlight()).toEqual({ bytes: 0, clients: 0 });
  });

  it('releases once however often release is called', () => {
    const a = sut.reserve('alice', 30);
    sut.reserve('alice', 20);
    a.release();
    a.release();
    expect(sut.inFlight()).toEqual({ bytes: 20, clients: 1 });
  });
});
