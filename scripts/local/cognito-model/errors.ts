/**
 * Errors the model answers with, as Cognito names them (the SDK's exception names; the command
 * `.d.ts` files list which operation throws which).
 * @packageDocumentation
 */

/** A Cognito API error: `code` is the `__type` of the JSON answer; shaped like the SDK's exceptions. */
export class ModelError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number };

  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
    this.$fault = status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: status };
  }
}

/** Throws a {@link ModelError}. */
export function fail(code: string, message: string, status = 400): never {
  throw new ModelError(code, message, status);
}

export const userNotFound = (): never => fail('UserNotFoundException', 'User does not exist.');
export const invalid = (message: string): never => fail('InvalidParameterException', message);
