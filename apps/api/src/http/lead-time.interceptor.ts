import {
  applyDecorators,
  CallHandler,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { Observable, tap } from 'rxjs';
import { SubmissionMetrics } from '../metrics/submission-metrics.service';
import { IDEMPOTENT_REPLAYED_HEADER, TaskKind } from '@app/tasks/contract';

type StampedRequest = Request & { requestedAt?: number };

const TASK_KIND = 'task-kind';

/**
 * Stamps `requestedAt` (epoch ms, wall clock) when a submission arrives, before its body is read
 * (no body parser runs on task routes), so a long upload counts towards the task's lead time;
 * counts accepted submissions in the api's metrics.
 */
@Injectable()
export class LeadTimeInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly metrics: SubmissionMetrics,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<StampedRequest>();
    req.requestedAt ??= Date.now();
    const task = this.reflector.get<TaskKind>(TASK_KIND, context.getHandler());
    // A replayed submission (Idempotency-Key) made no task: not counted again.
    const replayed = () => req.res?.getHeader(IDEMPOTENT_REPLAYED_HEADER) !== undefined;
    return next.handle().pipe(tap(() => replayed() || this.metrics.submitted.inc({ task })));
  }
}

/** Marks a route as submitting tasks of `task`: stamps requestedAt and counts the submission. */
export const SubmitsTask = (task: TaskKind) =>
  applyDecorators(SetMetadata(TASK_KIND, task), UseInterceptors(LeadTimeInterceptor));

/** The `requestedAt` stamp of the LeadTimeInterceptor. */
export const RequestedAt = createParamDecorator((_: unknown, ctx: ExecutionContext): number => {
  const req = ctx.switchToHttp().getRequest<StampedRequest>();
  return req.requestedAt ?? Date.now();
});
