import { Controller, Get, Logger } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { InjectRedis } from '../redis';
import { BlobStore, InjectBlobStore } from '../storage';
import { withTimeout } from '../timing';

const PROBE_TIMEOUT_MS = 2000;

/** Liveness (the process answers) and readiness (Redis answers, storage is writable), in both apps. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  private readonly logger = new Logger(HealthController.name);

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @InjectRedis() private readonly redis: Redis,
    @InjectBlobStore() private readonly blobs: BlobStore,
  ) {}

  @Get('live')
  @ApiOkResponse({ description: 'The process is up.' })
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get()
  @ApiOkResponse({ description: 'Same as /health/ready.' })
  @ApiServiceUnavailableResponse({ description: 'Redis or storage is unavailable.' })
  @HealthCheck()
  root() {
    return this.ready();
  }

  @Get('ready')
  @ApiOkResponse({ description: 'Redis answers and storage is writable.' })
  @ApiServiceUnavailableResponse({ description: 'Redis or storage is unavailable.' })
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.probe('redis', () => this.redis.ping()),
      () => this.probe('storage', () => this.blobs.checkWritable()),
    ]);
  }

  // The route is open: the answer names the failing check only. The raw error (internal paths,
  // addresses) goes to the log, where an operator looks next.
  private async probe(key: string, check: () => Promise<unknown>) {
    const indicator = this.indicators.check(key);
    try {
      await withTimeout(
        check(),
        PROBE_TIMEOUT_MS,
        () => new ProbeTimeoutError(`no answer within ${PROBE_TIMEOUT_MS} ms`),
      );
      return indicator.up();
    } catch (err) {
      const timedOut = err instanceof ProbeTimeoutError;
      this.logger.warn({ check: key, err: (err as Error).message }, 'readiness check failed');
      return indicator.down({
        message: timedOut
          ? `${key} check: no answer within ${PROBE_TIMEOUT_MS} ms`
          : `${key} check failed`,
      });
    }
  }
}

class ProbeTimeoutError extends Error {}
