import { TaskKind } from '@app/tasks/queues/queue-names';
import { FinishedRecordOf } from '@app/tasks/tasks/task-record';
import { EvenSumResultView } from '@app/tasks/tasks/task-views';

/** The result response of a finished even-sum task. */
export function evenSumResultView(record: FinishedRecordOf<TaskKind.EvenSum>): EvenSumResultView {
  return { sum: record.sum, evenCount: record.evenCount, count: record.count, bytes: record.bytes };
}
