// The validated settings every process loads once (environment variables → AppConfig) and their
// Nest module.
// Other areas, the apps, test/ and scripts/ import this area only through this file.
export {
  APP_CONFIG,
  CONFIG_ENV_KEYS,
  ConfigError,
  InjectConfig,
  loadConfig,
  RETIRED_SETTINGS,
} from './app-config';
export type { AppConfig } from './app-config';
export type { WebhookSettings } from './webhook.config';
export { ConfigModule } from './config.module';
