import { presentedSecret } from './secrets';

describe(presentedSecret.name, () => {
  const sut = presentedSecret;

  it('takes everything after the Bearer scheme, spaces included', () => {
    expect(sut('Bearer two words key')).toBe('two words key');
    expect(sut('bearer   secret12#xyz')).toBe('secret12#xyz');
  });

  it('keeps trailing text as part of the secret, so it never matches the bare key', () => {
    expect(sut('Bearer alice-key-123 trailing-text')).toBe('alice-key-123 trailing-text');
  });

  it('presents nothing for a scheme without a secret or an unknown scheme', () => {
    expect(sut('Bearer')).toBeUndefined();
    expect(sut('Bearer   ')).toBeUndefined();
    expect(sut('Token alice-key-123')).toBeUndefined();
    expect(sut(undefined)).toBeUndefined();
  });

  it('takes the password of Basic credentials, colons and spaces included', () => {
    const basic = Buffer.from('any-user:two words:key').toString('base64');
    expect(sut(`Basic ${basic}`)).toBe('two words:key');
  });
});
