// The pino logger options of both apps.
// Other areas, the apps, test/ and scripts/ import this area only through this file.
export { pinoOptions } from './pino-options';
