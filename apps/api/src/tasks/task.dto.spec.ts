import 'reflect-metadata';
import { DECORATORS } from '@nestjs/swagger';
import { TaskKind } from '@app/tasks/queues/queue-names';
import { EvenSumResultDto } from '../even-sum/even-sum.dto';
import { evenSumResultView } from '../even-sum/even-sum-result.view';
import { taskStatusView } from './task-status.view';
import { StatusDto } from './task.dto';

/** The fields a Swagger DTO documents. */
const documented = (dto: new () => object): string[] =>
  (Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, dto.prototype) as string[]).map(
    (name) => name.replace(/^:/, ''),
  );

describe(StatusDto.name, () => {
  // `implements` checks the fields the DTO has; this checks it has every field the api sends.
  it('documents every field of the fullest status the api sends', () => {
    const view = taskStatusView({
      token: 'a'.repeat(32),
      client: 'anonymous',
      task: TaskKind.EvenSum,
      status: 'errored',
      error: 'x',
      inputKey: 'k',
      bytes: 10,
      requestedAt: 1,
      enqueuedAt: 2,
      startedAt: 3,
      finishedAt: 4,
      executionMs: 1,
      queueWaitMs: 1,
      leadTimeMs: 3,
      wallMs: 1,
      chunksTotal: 1,
      chunksDone: 1,
      bytesDone: 10,
    });
    expect(documented(StatusDto).sort()).toEqual(Object.keys(view).sort());
  });
});

describe(EvenSumResultDto.name, () => {
  it('documents every field of the result the api sends', () => {
    const view = evenSumResultView({
      token: 'a'.repeat(32),
      client: 'anonymous',
      task: TaskKind.EvenSum,
      status: 'finished',
      inputKey: 'k',
      bytes: 10,
      requestedAt: 1,
      sum: '4',
      evenCount: 2,
      count: 3,
      bytesDone: 10,
      wallMs: 1,
    });
    expect(documented(EvenSumResultDto).sort()).toEqual(Object.keys(view).sort());
  });
});
