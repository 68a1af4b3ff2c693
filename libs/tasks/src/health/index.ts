// GET /health (Redis and storage reachable) for both apps.
// Other areas, the apps, test/ and scripts/ import this area only through this file.
export { HealthModule } from './health.module';
