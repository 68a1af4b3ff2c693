// No imports beyond the queue names: infra/ (its own package, without Nest or bull) imports this
// file to read the very metric the api writes.
// eslint-disable-next-line no-restricted-imports -- the names file alone: the area's index brings Nest and bull
import { QueueName } from '../queues/queue-names';

/** The CloudWatch metric the worker autoscaling reads: jobs waiting to run, summed over WORK_QUEUES. */
export const QUEUE_DEPTH_METRIC = {
  namespace: 'TaskService',
  name: 'QueueDepth',
  /** Names the deployment (the CDK stack); a second dimension set adds `Queue`. */
  dimension: 'Deployment',
} as const;

/** The queues whose jobs are work for the workers (the maintenance sweep's repeat job is not). */
export const WORK_QUEUES: readonly QueueName[] = [
  QueueName.Randomize,
  QueueName.EvenSum,
  QueueName.EvenSumChunk,
];

/** One queue's jobs by state: waiting (ready to run, paused included), running, delayed (backoff). */
export interface QueueCounts {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
}

/** A CloudWatch embedded-metric-format document: metric values and dimensions at the root. */
export interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: 'Count' }[];
    }[];
  };
  [member: string]: unknown;
}

const METRICS = [
  { Name: QUEUE_DEPTH_METRIC.name, Unit: 'Count' },
  { Name: 'ActiveJobs', Unit: 'Count' },
  { Name: 'DelayedJobs', Unit: 'Count' },
] as const;

/**
 * The queue depths as EMF documents (one JSON log line each): the totals under `Deployment` (what
 * the workers scale on) and each queue under `Deployment` and `Queue` (for dashboards). CloudWatch
 * Logs extracts them into metrics with no SDK call and no cloudwatch:PutMetricData permission.
 */
export function queueDepthEmf(
  counts: readonly QueueCounts[],
  deployment: string,
  timestamp: number,
): EmfDocument[] {
  const doc = (
    dimensions: string[],
    fields: Record<string, string | number>,
    c: Omit<QueueCounts, 'queue'>,
  ): EmfDocument => ({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: QUEUE_DEPTH_METRIC.namespace,
          Dimensions: [dimensions],
          Metrics: [...METRICS],
        },
      ],
    },
    [QUEUE_DEPTH_METRIC.dimension]: deployment,
    ...fields,
    [QUEUE_DEPTH_METRIC.name]: c.waiting,
    ActiveJobs: c.active,
    DelayedJobs: c.delayed,
  });
  const sum = (k: 'waiting' | 'active' | 'delayed') => counts.reduce((n, c) => n + c[k], 0);
  return [
    doc(
      [QUEUE_DEPTH_METRIC.dimension],
      {},
      {
        waiting: sum('waiting'),
        active: sum('active'),
        delayed: sum('delayed'),
      },
    ),
    ...counts.map((c) => doc([QUEUE_DEPTH_METRIC.dimension, 'Queue'], { Queue: c.queue }, c)),
  ];
}
