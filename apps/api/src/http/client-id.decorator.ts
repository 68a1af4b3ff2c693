import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** The client every request belongs to when authentication is off. */
export const ANONYMOUS_CLIENT = 'anonymous';

export type ClientRequest = { clientId?: string };

/** The authenticated client id of the request (set by the API-key guard), or `anonymous`. */
export const ClientId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  return ctx.switchToHttp().getRequest<ClientRequest>().clientId ?? ANONYMOUS_CLIENT;
});
