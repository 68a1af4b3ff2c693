import { JobName, QueueName } from './queue-names';

/** Payloads carry references (token, blob keys), never bytes: images and files live in the blob store. */
export interface JobPayloads {
  [JobName.Randomize]: { token: string; inputKey: string; blockSize: number; seed?: number };
  [JobName.EvenSumPlan]: { token: string; inputKey: string };
  [JobName.EvenSumChunk]: { token: string; inputKey: string; index: number; start: number; end: number; size: number };
  [JobName.Cleanup]: Record<string, never>;
}

export type JobOf<N extends JobName> = JobPayloads[N];

/** Which queue carries which job. */
export const QUEUE_OF: { [N in JobName]: QueueName } = {
  [JobName.Randomize]: QueueName.Randomize,
  [JobName.EvenSumPlan]: QueueName.EvenSum,
  [JobName.EvenSumChunk]: QueueName.EvenSumChunk,
  [JobName.Cleanup]: QueueName.Maintenance,
};
