import { InvalidArgumentError } from 'commander';
import { parseSize } from './numbers/parse-size';

/** Commander parser for a non-negative integer option. */
export function integerArg(value: string): number {
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value)))
    throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

/** Commander parser for sizes like 100MB, 5GB, 1.5GiB (the benchmark generator's rules). */
export function sizeArg(value: string): number {
  try {
    return parseSize(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** Commander parser for the service URL: http(s) only, so typos fail here rather than as "unreachable". */
export function urlArg(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected a URL like http://localhost:5000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidArgumentError('expected an http:// or https:// URL');
  return value;
}
