/**
 * The chunk results of a task in chunk order, once they are exactly the plan: indices 0..total−1,
 * each range starting where the one before ended, from byte 0 to the file's end. Anything else
 * (a missing, extra or shifted chunk) throws: a sum over it would be wrong, and a wrong sum marked
 * finished is the worst thing the service can do.
 */
export function chunksInOrder<T extends { start: number; end: number }>(
  results: ReadonlyMap<number, T>,
  total: number,
  size: number,
): T[] {
  const ordered: T[] = [];
  let at = 0;
  for (let index = 0; index < total; index++) {
    const chunk = results.get(index);
    if (!chunk) throw new Error(`chunk ${index} of ${total} has no result`);
    if (chunk.start !== at) {
      throw new Error(
        `chunk ${index} starts at byte ${chunk.start}, not ${at} where chunk ${index - 1} ended`,
      );
    }
    at = chunk.end;
    ordered.push(chunk);
  }
  if (results.size !== total)
    throw new Error(`${results.size} chunk results for a plan of ${total}`);
  if (at !== size) throw new Error(`the chunks cover ${at} bytes of a ${size}-byte file`);
  return ordered;
}
