import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { AggregatorRegistry, Registry } from 'prom-client';

// IPC messages between a cluster worker that was scraped and the primary that gathers every
// worker's metrics (prom-client's own messages, which the primary sends to each worker, are others).
const REQUEST = 'tasks:cluster-metrics-request';
const REPLY = 'tasks:cluster-metrics-reply';
// prom-client gives up on a silent worker after 5 s; the scraped worker waits a little longer.
const REPLY_TIMEOUT_MS = 6000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}
interface MetricsReply {
  type: typeof REPLY;
  id: number;
  text?: string;
  error?: string;
}

/**
 * In the primary of a node:cluster: answers a worker's request for the whole cluster's metrics
 * with every worker's registry aggregated (counters and histograms summed, gauges as each declares:
 * a gauge read from Redis, the same in every process, sets `aggregator: 'first'`).
 */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker: Worker, message: MetricsRequest) => {
    if (message?.type !== REQUEST) return;
    const reply = (fields: Omit<MetricsReply, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: REPLY, id: message.id, ...fields });
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (err: unknown) => reply({ error: String(err) }),
    );
  });
}

/**
 * Makes `registry` the one this process reports when the cluster primary gathers metrics (prom-client
 * answers from its global registry otherwise). A no-op outside a cluster worker.
 */
export function shareWithCluster(registry: Registry): void {
  if (!cluster.isWorker) return;
  AggregatorRegistry.setRegistries([registry]);
  // prom-client answers the primary's requests only in a process that constructed one.
  new AggregatorRegistry();
}

let nextId = 0;
const waiting = new Map<number, (reply: MetricsReply) => void>();

/**
 * The metrics a scrape of this process should answer: its own registry's, or in a node:cluster
 * worker the whole cluster's (a scrape reaches one worker at random, so each alone would show
 * counters jumping between processes).
 */
export function scrapeMetrics(registry: Registry): Promise<string> {
  if (!cluster.isWorker || !process.send) return registry.metrics();
  if (nextId === 0) {
    process.on('message', (message: MetricsReply) => {
      if (message?.type === REPLY) waiting.get(message.id)?.(message);
    });
  }
  const id = ++nextId;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error('the cluster primary did not answer with the cluster metrics'));
    }, REPLY_TIMEOUT_MS);
    waiting.set(id, (reply) => {
      clearTimeout(timer);
      waiting.delete(id);
      if (reply.text !== undefined) resolve(reply.text);
      else reject(new Error(reply.error ?? 'no metrics'));
    });
    process.send!({ type: REQUEST, id } satisfies MetricsRequest);
  });
}
