import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request } from 'express';
import { ClientRequest } from '../http/client-id.decorator';

/** Rate-limits submissions per client (after ApiKeyGuard named it), not per IP. */
@Injectable()
export class ClientThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const request = req as unknown as Request & ClientRequest;
    return request.clientId ?? request.ip ?? 'unknown';
  }
}
