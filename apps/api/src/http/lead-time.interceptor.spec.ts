import {
  CallHandler,
  Controller,
  INestApplication,
  Injectable,
  NestInterceptor,
  Post,
  UseInterceptors,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Observable } from 'rxjs';
import request from 'supertest';
import { SubmissionMetrics } from '../metrics/submission-metrics.service';
import { TaskKind } from '@app/tasks/contract';
import { LeadTimeInterceptor, RequestedAt, SubmitsTask } from './lead-time.interceptor';

const ARRIVED_AT = 1_000;
const UPLOAD_MS = 60_000;
// The controlled clock Date.now() reads; only the test moves it.
let clock = ARRIVED_AT;

/**
 * Runs after the LeadTimeInterceptor and before the handler's parameters are read: a minute passes
 * on the clock, as it does while a long upload streams in. Without the stamp, `@RequestedAt()`
 * would fall back to the time of reading, a minute late.
 */
@Injectable()
class MinutePassesInterceptor implements NestInterceptor {
  intercept(_: unknown, next: CallHandler): Observable<unknown> {
    clock += UPLOAD_MS;
    return next.handle();
  }
}

@Controller('submit')
class SubmitController {
  @Post()
  // Listed above @SubmitsTask so that Nest runs it after the LeadTimeInterceptor (decorators apply bottom-up).
  @UseInterceptors(MinutePassesInterceptor)
  @SubmitsTask(TaskKind.Randomize)
  submit(@RequestedAt() requestedAt: number) {
    return { requestedAt, readAt: Date.now() };
  }
}

describe(LeadTimeInterceptor.name, () => {
  let app: INestApplication;
  const inc = jest.fn();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [SubmitController],
      providers: [{ provide: SubmissionMetrics, useValue: { submitted: { inc } } }],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.init();
  });
  afterAll(() => app.close());

  it('hands the handler the arrival time, not the time the handler reads it', async () => {
    clock = ARRIVED_AT;
    const now = jest.spyOn(Date, 'now').mockImplementation(() => clock);
    try {
      const res = await request(app.getHttpServer()).post('/submit').expect(201);
      expect(res.body).toEqual({ requestedAt: ARRIVED_AT, readAt: ARRIVED_AT + UPLOAD_MS });
    } finally {
      now.mockRestore();
    }
  });

  it('counts the submission under its task label', async () => {
    inc.mockClear();
    await request(app.getHttpServer()).post('/submit').expect(201);
    expect(inc).toHaveBeenCalledWith({ task: 'randomize' });
  });
});
