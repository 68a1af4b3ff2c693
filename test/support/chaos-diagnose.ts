import { QueueName } from '@app/tasks/queues';
import type { FaultEvent } from './chaos-faults';
import type { ChaosRig } from './chaos-rig';

/**
 * Everything known about a task that ended wrong or never ended, as text for the report: its
 * record, which chunk results and progress Redis holds, the state of each of its bull jobs, the
 * faults of the trial (those aimed at it marked) and the worker log lines that name it.
 */
export async function diagnose(
  rig: ChaosRig,
  token: string,
  events: FaultEvent[],
): Promise<string> {
  const key = `${rig.prefix}:task:${token}`;
  const lines: string[] = [];
  try {
    const [record, chunks, progress] = await Promise.all([
      rig.probe.hgetall(key),
      rig.probe.hkeys(`${key}:chunks`),
      rig.probe.hgetall(`${key}:progress`),
    ]);
    const { sum, ...fields } = record;
    lines.push(`record: ${JSON.stringify({ ...fields, sum: sum && `${sum.slice(0, 24)}…` })}`);
    lines.push(
      `chunk results recorded: [${chunks
        .map(Number)
        .sort((a, b) => a - b)
        .join(',')}]`,
    );
    lines.push(`chunk progress: ${JSON.stringify(progress)}`);
    const total = Number(record.chunksTotal ?? 0);
    const jobs: string[] = [];
    for (const name of [QueueName.EvenSum, QueueName.EvenSumChunk] as const) {
      const queue = rig.queue(name);
      const ids = [token, ...Array.from({ length: total }, (_, i) => `${token}-c${i}`)];
      const dupIds = events
        .filter((e) => e.token === token)
        .map((e) => / as (\S+)/.exec(e.what)?.[1])
        .filter((id): id is string => !!id);
      for (const id of [...ids, ...dupIds]) {
        const job = await queue.getJob(id);
        if (job)
          jobs.push(
            `${name}/${id}: ${await job.getState()} attempts ${job.attemptsMade}${job.failedReason ? ` (${job.failedReason})` : ''}`,
          );
      }
    }
    lines.push(`jobs still in bull: ${jobs.length ? jobs.join('; ') : 'none'}`);
  } catch (err) {
    lines.push(`Redis state unreadable: ${(err as Error).message}`);
  }
  lines.push('faults of the trial (* = aimed at this task):');
  for (const e of events)
    lines.push(`  ${e.token === token ? '*' : ' '} +${e.atMs} ms ${e.kind}: ${e.what}`);
  const logs = rig.workerLogs(token);
  lines.push(`worker log lines naming it (${logs.length}, last 30):`, ...logs.slice(-30));
  return lines.join('\n');
}
