import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from './support/stack';

// openapi.json is the API description users get without running the api (and what the seed's users had
// as openapi.yml). It must be what the api serves: a route, parameter or DTO changed without
// `npm run openapi` fails here.
describe('openapi.json', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ workers: 0 });
  });
  afterAll(() => stack?.stop());

  it('is exactly the document the running api serves at /docs-json', async () => {
    const committed: unknown = JSON.parse(
      readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'),
    );
    const served: unknown = await (await fetch(`${stack.url}/docs-json`)).json();
    // toEqual's diff names the first path that differs; the message says how to mend it.
    try {
      expect(served).toEqual(committed);
    } catch (err) {
      throw new Error(
        `openapi.json differs from the api's /docs-json: run \`npm run openapi\` and commit it\n${(err as Error).message}`,
      );
    }
  });
});
