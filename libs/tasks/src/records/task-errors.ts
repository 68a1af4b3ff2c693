/** A failure that retrying cannot fix (bad input, missing blob): the job is discarded, the task ends `errored`. */
export class PermanentTaskError extends Error {
  override readonly name = 'PermanentTaskError';
}
