import { Controller, Get, Global, Header, Module } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { scrapeMetrics, shareWithCluster } from './cluster-metrics';

/** Prometheus text exposition of this process's registry (of all its cluster's, in a cluster worker). */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus metrics of this process (of every process of its cluster)',
  })
  metrics(): Promise<string> {
    return scrapeMetrics(this.registry);
  }
}

/** One prom-client registry per process, with Node's default metrics (event-loop lag included). */
@Global()
@Module({
  providers: [
    {
      provide: Registry,
      useFactory: () => {
        const registry = new Registry();
        collectDefaultMetrics({ register: registry });
        shareWithCluster(registry);
        return registry;
      },
    },
  ],
  controllers: [MetricsController],
  exports: [Registry],
})
export class MetricsModule {}
