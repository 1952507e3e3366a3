import type { ApiErrorCode } from '@govdesk/shared';

/**
 * A refusal the client is told about: a code of the API contract
 * (API_ERRORS in shared/src/sync-api/routes.ts), a message for people and,
 * where it helps the client, details. Services raise it without knowing HTTP;
 * the HTTP layer and the document socket's upgrade answer it with the status
 * the contract pairs with the code.
 */
export class DomainError extends Error {
  readonly code: ApiErrorCode;
  readonly details: unknown;

  /** `cause`: what went wrong inside (logged, never sent to the client). */
  constructor(code: ApiErrorCode, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}
