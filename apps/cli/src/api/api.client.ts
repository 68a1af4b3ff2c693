import { EventRoutes } from './events.routes';
import { ApiClientOptions, ApiTransport } from './http.transport';
import { TaskRoutes } from './tasks.routes';
import { UploadRoutes } from './uploads.routes';

/**
 * The service's HTTP API, typed, by role: `tasks` (submit an image, status, result, cancel, list),
 * `uploads` (even-sum files: streamed, or straight to S3 and resumed), `events` (the event stream),
 * all over one `http` transport. Errors: ServerError (the server's `{error}`), UnreachableError,
 * InterruptedError.
 */
export class ApiClient {
  readonly http: ApiTransport;
  readonly tasks: TaskRoutes;
  readonly uploads: UploadRoutes;
  readonly events: EventRoutes;

  constructor(options: ApiClientOptions) {
    this.http = new ApiTransport(options);
    this.tasks = new TaskRoutes(this.http);
    this.uploads = new UploadRoutes(this.http);
    this.events = new EventRoutes(this.http);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** Aborted on Ctrl-C. */
  get signal(): AbortSignal {
    return this.http.signal;
  }
}
