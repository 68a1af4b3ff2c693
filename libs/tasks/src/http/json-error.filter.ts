import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { isRedisUnavailable } from '../redis';
import { BlobNotFoundError, BlobTooLargeError, StorageUnavailableError } from '../storage';

/**
 * Every error leaves as `{error}` JSON with its status; unexpected ones as a bare 500, logged with
 * their stack but never showing it (or an internal path) to the client.
 */
@Catch()
export class JsonErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    if (!res.headersSent && req.socket?.destroyed) {
      // The client hung up (or went idle past UPLOAD_IDLE_TIMEOUT_MS) mid-request: nobody to answer,
      // and not our failure, so no 500 and no error-level line.
      this.logger.warn(
        {
          route: `${req.method} ${req.originalUrl}`,
          bytesReceived: req.socket.bytesRead,
          err: (exception as Error)?.message,
        },
        'client closed the connection before the answer',
      );
      return;
    }
    const [status, body] = this.describe(exception);
    if (status >= 500) this.logger.error({ err: exception }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(status).json(body);
  }

  private describe(exception: unknown): [number, object] {
    if (exception instanceof HttpException) {
      const response = exception.getResponse();
      if (typeof response === 'string') return [exception.getStatus(), { error: response }];
      // Nest's built-in exceptions answer {statusCode, message, error: "Not Found"}: keep the message.
      if ('statusCode' in response) {
        const message = (response as { message?: unknown }).message;
        return [
          exception.getStatus(),
          { error: Array.isArray(message) ? message.join('; ') : String(message) },
        ];
      }
      return [exception.getStatus(), response];
    }
    if (exception instanceof StorageUnavailableError) {
      return [HttpStatus.INSUFFICIENT_STORAGE, { error: exception.message }];
    }
    if (isRedisUnavailable(exception)) {
      return [
        HttpStatus.SERVICE_UNAVAILABLE,
        { error: 'the task store (Redis) is unavailable, try again shortly' },
      ];
    }
    // A finished task whose result blob is gone (expired, deleted): nothing to serve.
    if (exception instanceof BlobNotFoundError)
      return [
        HttpStatus.NOT_FOUND,
        { error: 'result is missing from storage (expired or deleted)' },
      ];
    if (exception instanceof BlobTooLargeError)
      return [HttpStatus.PAYLOAD_TOO_LARGE, { error: exception.message }];
    // body-parser / raw-body style errors carry a 4xx status of their own.
    const status = (exception as { status?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return [status, { error: (exception as Error).message }];
    }
    return [HttpStatus.INTERNAL_SERVER_ERROR, { error: 'internal error' }];
  }
}
