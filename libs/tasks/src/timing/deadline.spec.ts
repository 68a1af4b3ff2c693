import { settlesWithin, withTimeout } from './deadline';

const never = () => new Promise<never>(() => undefined);

describe(settlesWithin.name, () => {
  it('is true when the promise resolves in time', async () => {
    await expect(settlesWithin(Promise.resolve(1), 1000)).resolves.toBe(true);
  });

  it('is false when time runs out first', async () => {
    await expect(settlesWithin(never(), 5)).resolves.toBe(false);
  });

  it('passes a rejection in time through', async () => {
    await expect(settlesWithin(Promise.reject(new Error('boom')), 1000)).rejects.toThrow('boom');
  });
});

describe(withTimeout.name, () => {
  it('resolves with the promise`s value in time', async () => {
    await expect(withTimeout(Promise.resolve(7), 1000, () => new Error('late'))).resolves.toBe(7);
  });

  it('rejects with the given error when time runs out', async () => {
    await expect(withTimeout(never(), 5, () => new Error('late'))).rejects.toThrow('late');
  });

  it('rejects with the promise`s own error when it fails in time', async () => {
    const failing = Promise.reject(new Error('boom'));
    await expect(withTimeout(failing, 1000, () => new Error('late'))).rejects.toThrow('boom');
  });
});
