import { HttpException, HttpStatus } from '@nestjs/common';

/** An HTTP error whose JSON body is `{error: reason}` (plus optional extra fields). */
export class TaskHttpError extends HttpException {
  constructor(status: HttpStatus, error: string, extra: Record<string, unknown> = {}) {
    super({ error, ...extra }, status);
  }
}

export const badRequest = (error: string) => new TaskHttpError(HttpStatus.BAD_REQUEST, error);
export const notFound = (error = 'task not found') =>
  new TaskHttpError(HttpStatus.NOT_FOUND, error);
export const tooLarge = (error: string) => new TaskHttpError(HttpStatus.PAYLOAD_TOO_LARGE, error);
export const unavailable = (error: string) =>
  new TaskHttpError(HttpStatus.SERVICE_UNAVAILABLE, error);
export const insufficientStorage = (error: string) =>
  new TaskHttpError(HttpStatus.INSUFFICIENT_STORAGE, error);
