const UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KIB: 2 ** 10,
  MIB: 2 ** 20,
  GIB: 2 ** 30,
  TIB: 2 ** 40,
};

/** "1.5GiB" to bytes: decimal units are powers of 10, the *iB ones powers of 2. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = UNITS[(match?.[2] || 'B').toUpperCase()];
  if (!match || unit === undefined)
    throw new Error(`invalid size ${JSON.stringify(text)} (try 100MB, 1GB, 1.5GiB)`);
  return Math.round(Number(match[1]) * unit);
}
