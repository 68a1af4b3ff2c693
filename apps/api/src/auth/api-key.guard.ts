import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import { ANONYMOUS_CLIENT, ClientRequest } from '../http/client-id.decorator';
import { TaskHttpError } from '../http/task-http.errors';
import { presentedSecret, secretsEqual } from './secrets';

/**
 * Identifies the client of a task route. With API_KEYS unset every request is `anonymous`; with it,
 * a key is required (`Authorization: Bearer <key>` or `X-API-Key`), compared in constant time.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@InjectConfig() private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request & ClientRequest>();
    const keys = this.config.apiKeys;
    if (!keys) {
      req.clientId = ANONYMOUS_CLIENT;
      return true;
    }
    const header = req.headers['x-api-key'];
    const presented =
      typeof header === 'string' ? header : presentedSecret(req.headers.authorization);
    if (!presented)
      throw new TaskHttpError(
        401,
        'API key required: send Authorization: Bearer <key> or X-API-Key: <key>',
      );
    // Every key is compared (no early exit), so timing does not reveal which prefix matched.
    let client: string | undefined;
    for (const entry of keys) if (secretsEqual(presented, entry.key)) client = entry.client;
    if (!client) throw new TaskHttpError(401, 'API key not recognised');
    req.clientId = client;
    return true;
  }
}
