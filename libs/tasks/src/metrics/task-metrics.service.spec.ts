import { Registry } from 'prom-client';
import { TaskKind } from '../contract';
import { TASK_BUCKETS, TaskMetrics } from './task-metrics.service';

describe(TaskMetrics.name, () => {
  it('registers the task histograms with bounded labels and buckets from 50 ms to 30 min', async () => {
    const registry = new Registry();
    const sut = new TaskMetrics(registry);
    sut.ended(TaskKind.EvenSum, 'finished', {
      executionMs: 1500,
      queueWaitMs: 20,
      leadTimeMs: 4000,
    });
    const metrics = await registry.getMetricsAsJSON();
    const byName = Object.fromEntries(metrics.map((m) => [m.name, m]));
    expect(Object.keys(byName).sort()).toEqual([
      'even_sum_chunk_seconds',
      'task_execution_seconds',
      'task_lead_time_seconds',
      'task_queue_wait_seconds',
      'tasks_finished_total',
    ]);
    expect(TASK_BUCKETS[0]).toBe(0.05);
    expect(TASK_BUCKETS[TASK_BUCKETS.length - 1]).toBe(1800);
    const text = await registry.metrics();
    expect(text).toContain('task_lead_time_seconds_sum{task="even-sum"} 4');
    expect(text).toContain('task_execution_seconds_bucket{le="2.5",task="even-sum"} 1');
    expect(text).toContain('task_execution_seconds_bucket{le="1",task="even-sum"} 0');
    expect(text).toContain('tasks_finished_total{task="even-sum",outcome="finished"} 1');
  });
});
