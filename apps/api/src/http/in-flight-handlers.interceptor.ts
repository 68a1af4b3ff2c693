import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, finalize } from 'rxjs';

/**
 * Counts route handlers still running. A connection closes before its handler ends: a cut upload's
 * handler still removes its partial blob and gives its quota back afterwards. HttpDrain waits for
 * them at shutdown, so the process does not exit in the middle of that cleanup.
 */
@Injectable()
export class InFlightHandlers implements NestInterceptor {
  private running = 0;
  private waiters: (() => void)[] = [];

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    this.running++;
    return next.handle().pipe(finalize(() => this.done()));
  }

  /** Resolves once no handler is running. */
  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private done(): void {
    if (--this.running > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
