import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';

/**
 * Every HTTP error leaves the node as `{ code, message }`. Unknown errors become INTERNAL with a
 * generic message; their detail is logged here only.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      if (typeof body === 'object' && body !== null && 'code' in body) {
        res.status(status).json(body);
        return;
      }
      const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      res.status(status).json({ code: codeForStatus(status), message: Array.isArray(message) ? message.join('; ') : String(message) });
      return;
    }
    this.logger.error({ err: exception }, 'unhandled error in HTTP handler');
    res.status(500).json({ code: 'INTERNAL', message: 'internal error' });
  }
}

function codeForStatus(status: number): string {
  switch (status) {
    case 400: return 'INVALID_DATA';
    case 401: return 'UNAUTHORIZED';
    case 403: return 'FORBIDDEN';
    case 404: return 'NOT_FOUND';
    case 413: return 'PAYLOAD_TOO_LARGE';
    case 429: return 'RATE_LIMITED';
    default: return status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
  }
}
