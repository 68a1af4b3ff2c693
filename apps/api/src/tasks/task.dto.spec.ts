import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DECORATORS } from '@nestjs/swagger';
import { TaskKind } from '@app/tasks/contract';
import { EvenSumResultDto } from '../even-sum/even-sum.dto';
import { evenSumResultView } from '../even-sum/even-sum-result.view';
import { taskStatusView } from './task-status.view';
import { StatusDto } from './task.dto';
import { TaskCancelledDto } from './task-cancel.dto';
import { TaskListDto, TaskListEntryDto } from './tasks-list.dto';
import type { TaskCancelledView, TaskListEntryView, TaskListView } from '@app/tasks/contract';

/** The fullest list entry the api sends (a finished task's), and the list and cancel answers. */
const listEntry: TaskListEntryView = {
  token: 'a'.repeat(32),
  kind: TaskKind.EvenSum,
  status: 'finished',
  requestedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.000Z',
  bytes: 10,
  callback: { state: 'delivered', attempts: 1 },
};
const list: TaskListView = { tasks: [listEntry], nextCursor: null };
const cancelled: TaskCancelledView = { token: 'a'.repeat(32), status: 'cancelled' };

/** The fields a Swagger DTO documents. */
const documented = (dto: new () => object): string[] =>
  (Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, dto.prototype) as string[]).map(
    (name) => name.replace(/^:/, ''),
  );

/** An even-sum task's record as the submitter writes it. */
const submitted = {
  token: 'a'.repeat(32),
  client: 'anonymous',
  task: TaskKind.EvenSum,
  inputKey: 'k',
  bytes: 10,
  requestedAt: 1,
} as const;

/** The fullest status the api sends: every field known. */
const fullStatus = taskStatusView({
  ...submitted,
  status: 'errored',
  error: 'x',
  enqueuedAt: 2,
  startedAt: 3,
  finishedAt: 4,
  cancelledAt: 4,
  executionMs: 1,
  queueWaitMs: 1,
  leadTimeMs: 3,
  wallMs: 1,
  chunksTotal: 1,
  chunksDone: 1,
  bytesDone: 10,
  callbackUrl: 'https://example.com/hook',
});

const result = evenSumResultView({
  ...submitted,
  status: 'finished',
  sum: '4',
  evenCount: 2,
  count: 3,
  bytesDone: 10,
  wallMs: 1,
});

// `implements` checks the fields a DTO declares; this checks it declares every field the api sends.
describe.each([
  [StatusDto.name, StatusDto, fullStatus],
  [EvenSumResultDto.name, EvenSumResultDto, result],
  [TaskListEntryDto.name, TaskListEntryDto, listEntry],
  [TaskListDto.name, TaskListDto, list],
  [TaskCancelledDto.name, TaskCancelledDto, cancelled],
])('%s', (_name: string, dto: new () => object, view: object) => {
  it('documents every field the api sends', () => {
    expect(documented(dto).sort()).toEqual(Object.keys(view).sort());
  });
});

// The CLI reads these views (`@app/tasks/contract`); openapi.json is what users without the CLI read. Both
// must name the same fields: a field added to a view without `npm run openapi` fails here.
describe('openapi.json', () => {
  const schemas = (
    JSON.parse(readFileSync(join(__dirname, '../../../../openapi.json'), 'utf8')) as {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    }
  ).components.schemas;

  it.each([
    [StatusDto.name, fullStatus],
    [EvenSumResultDto.name, result],
  ])('documents in %s every field of the view the CLI reads', (name: string, view: object) => {
    expect(Object.keys(schemas[name].properties).sort()).toEqual(Object.keys(view).sort());
  });
});
