import { HttpException } from '@nestjs/common';

/** An HTTP error with a stable UPPER_SNAKE code; the body is always `{ code, message }`. */
export class ApiError extends HttpException {
  constructor(status: number, readonly code: string, message: string) {
    super({ code, message }, status);
  }
}
