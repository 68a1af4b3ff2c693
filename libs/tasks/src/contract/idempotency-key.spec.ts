import { idempotencyKeyProblem } from './idempotency-key';

describe(idempotencyKeyProblem.name, () => {
  it('accepts 1 to 255 printable ASCII characters, space included', () => {
    for (const key of ['a', 'k'.repeat(255), '9f1c2b7e-0d4a-4f57-9a2e-3c1b5d6e7f80', 'a b ~!']) {
      expect(idempotencyKeyProblem(key)).toBeNull();
    }
  });

  it('names what is wrong with an empty, too long or non-printable key', () => {
    expect(idempotencyKeyProblem('')).toMatch(/is empty/);
    expect(idempotencyKeyProblem('k'.repeat(256))).toMatch(/256 characters long \(at most 255\)/);
    for (const key of ['tab\there', 'new\nline', 'caf\u00e9', '\u0000', 'del\u007f'])
      expect(idempotencyKeyProblem(key)).toMatch(/printable ASCII/);
  });
});
