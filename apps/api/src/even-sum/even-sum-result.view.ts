import { TaskKind, EvenSumResultView } from '@app/tasks/contract';
import type { FinishedRecordOf } from '@app/tasks/records';

/** The result response of a finished even-sum task. */
export function evenSumResultView(record: FinishedRecordOf<TaskKind.EvenSum>): EvenSumResultView {
  return { sum: record.sum, evenCount: record.evenCount, count: record.count, bytes: record.bytes };
}
