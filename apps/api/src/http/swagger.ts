import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Swagger UI at /docs (assets served from node_modules, no CDN) and the OpenAPI JSON at /docs-json. */
export function setupSwagger(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Task service')
      .setDescription(
        'Asynchronous tasks: shuffle the blocks of a PNG; sum the even integers of a text file.',
      )
      .setVersion('1.0')
      // Only enforced when API_KEYS is set; either header works.
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', description: 'API key (when API_KEYS is set)' },
        'bearer',
      )
      .addApiKey(
        {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: 'API key (when API_KEYS is set)',
        },
        'api-key',
      )
      .build(),
    // Each operation is listed under the tags its controller or route names, once: without this,
    // a controller with tags only on its routes (TaskCancelController) would add its own name too.
    { autoTagControllers: false },
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
