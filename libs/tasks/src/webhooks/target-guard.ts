import { lookup as dnsLookup, LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** A callback target the service will not call: a private, loopback, link-local… address. */
export class TargetRefusedError extends Error {
  readonly code = 'WEBHOOK_TARGET_REFUSED';
}

/**
 * True only for a globally routable unicast address. ipaddr.js names every special range (loopback,
 * private, linkLocal (169.254.169.254, the cloud metadata address), uniqueLocal (fd00:ec2::254),
 * carrierGradeNat (100.100.100.200), multicast, reserved…) and calls the rest `unicast`, so an
 * allow-list of one name refuses every range a future version adds too. IPv4-mapped IPv6
 * (::ffff:127.0.0.1) is judged as the IPv4 address it carries.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/** Why `address` of `host` is refused, or undefined when it may be called. */
export function refusalOf(host: string, address: string): string | undefined {
  return isPublicAddress(address)
    ? undefined
    : `callback target ${host} resolves to a non-public address (${address})`;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http(s) agents that refuses a non-public address at connect time: the address
 * checked is the one connected to, so a DNS answer that changes between a check and the connection
 * (rebinding) cannot slip through. Every address of an `all` answer must pass.
 */
export function guardedLookup(
  hostname: string,
  options: LookupOptions,
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options }, (err, address, family) => {
    if (err) return callback(err, '', 0);
    const list = Array.isArray(address) ? address : [{ address, family }];
    for (const a of list) {
      const reason = refusalOf(hostname, a.address);
      if (reason) return callback(new TargetRefusedError(reason), '', 0);
    }
    callback(null, address, family);
  });
}

/**
 * A literal IP host never reaches `lookup` (Node connects to it directly): it is judged here, before
 * the request. Undefined when the request may go on.
 */
export function literalRefusal(hostname: string): string | undefined {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return isIP(bare) ? refusalOf(hostname, bare) : undefined;
}
