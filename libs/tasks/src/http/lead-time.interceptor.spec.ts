import { Controller, INestApplication, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { SubmissionMetrics } from '../metrics/submission-metrics.service';
import { TaskKind } from '../queues/queue-names';
import { LeadTimeInterceptor, RequestedAt, SubmitsTask } from './lead-time.interceptor';

let handlerRanAt = 0;

@Controller('submit')
class SubmitController {
  @Post()
  @SubmitsTask(TaskKind.Randomize)
  submit(@RequestedAt() requestedAt: number) {
    handlerRanAt = Date.now();
    return { requestedAt };
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

  it('stamps requestedAt before the handler runs and hands it to the handler', async () => {
    let clock = 1_000;
    const now = jest.spyOn(Date, 'now').mockImplementation(() => (clock += 1_000));
    try {
      const res = await request(app.getHttpServer()).post('/submit').expect(201);
      expect(res.body.requestedAt).toBeLessThan(handlerRanAt);
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
