import { callbackUrlProblem } from './callback-url';

describe(callbackUrlProblem.name, () => {
  const on = { secret: 'whsec_x', allowHttp: false };

  it('accepts an absolute https URL', () => {
    expect(callbackUrlProblem('https://example.com/hook?a=1', on)).toBeUndefined();
  });

  it.each([
    ['not a url', 'not an absolute URL'],
    ['/relative', 'not an absolute URL'],
    ['ftp://example.com/x', 'http(s)'],
    ['http://example.com/x', 'must be https'],
    [`https://example.com/${'a'.repeat(2048)}`, 'longer than 2048'],
  ])('refuses %s', (url, why) => {
    expect(callbackUrlProblem(url, on)).toContain(why);
  });

  it('accepts http only with WEBHOOK_ALLOW_HTTP', () => {
    expect(callbackUrlProblem('http://example.com/x', { ...on, allowHttp: true })).toBeUndefined();
  });

  it('refuses every callbackUrl without WEBHOOK_SECRET', () => {
    expect(callbackUrlProblem('https://example.com/x', { allowHttp: false })).toContain(
      'WEBHOOK_SECRET',
    );
  });
});
