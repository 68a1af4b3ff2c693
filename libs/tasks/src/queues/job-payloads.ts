import { JobName, QueueName } from './queue-names';

/** A unit of work's fair-queuing start tag (absent when FAIR_SCHEDULING is off). */
export interface FairUnit {
  tag?: number;
}

/** Payloads carry references (token, blob keys), never bytes: images and files live in the blob store. */
export interface JobPayloads {
  [JobName.Randomize]: FairUnit & {
    token: string;
    inputKey: string;
    blockSize: number;
    seed?: number;
  };
  [JobName.EvenSumPlan]: FairUnit & { token: string; inputKey: string };
  [JobName.EvenSumChunk]: FairUnit & {
    token: string;
    inputKey: string;
    client: string;
    index: number;
    start: number;
    end: number;
    size: number;
  };
  [JobName.Cleanup]: Record<string, never>;
  /** The ended task's token; the handler reads the record (the body) at every attempt. */
  [JobName.WebhookDeliver]: { token: string };
}

export type JobOf<N extends JobName> = JobPayloads[N];

/** Which queue carries which job. */
export const QUEUE_OF: { [N in JobName]: QueueName } = {
  [JobName.Randomize]: QueueName.Randomize,
  [JobName.EvenSumPlan]: QueueName.EvenSum,
  [JobName.EvenSumChunk]: QueueName.EvenSumChunk,
  [JobName.Cleanup]: QueueName.Maintenance,
  [JobName.WebhookDeliver]: QueueName.Webhook,
};

/**
 * A chunk job's id: bull ignores a second add with the same id (a plan that runs again), and a
 * cancel finds the chunk jobs still waiting by it. PERSISTED in bull's keys, like queue names.
 */
export function chunkJobId(token: string, index: number): string {
  return `${token}-c${index}`;
}
