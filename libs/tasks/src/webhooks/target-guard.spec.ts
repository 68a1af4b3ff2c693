import { isPublicAddress, literalRefusal } from './target-guard';

describe(isPublicAddress.name, () => {
  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254', // cloud metadata
    '100.100.100.200', // carrier-grade NAT (Alibaba metadata)
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254', // AWS metadata over IPv6 (unique-local)
    '::ffff:127.0.0.1', // IPv4-mapped loopback
    '::ffff:10.1.2.3',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'allows the public address %s',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );
});

describe(literalRefusal.name, () => {
  it('judges a literal IPv4 or bracketed IPv6 host', () => {
    expect(literalRefusal('10.0.0.1')).toContain('(10.0.0.1)');
    expect(literalRefusal('[::1]')).toContain('(::1)');
    expect(literalRefusal('8.8.8.8')).toBeUndefined();
  });

  it('leaves a name to the connect-time lookup', () => {
    expect(literalRefusal('localhost')).toBeUndefined();
  });
});
