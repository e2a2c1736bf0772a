/**
 * The direct transport, in process, with no socket, in two depths:
 * - {@link directClient}: the real `CognitoIdentityProviderClient` with a `requestHandler` that
 *   answers from the model: the SDK serialises the command to Cognito's JSON protocol
 *   (`X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`, JSON body) and parses the answer,
 *   exactly as over HTTP (the model's own tests use it);
 * - {@link commandClient}: a `send(command)` that hands the command's input to the model and
 *   gives back its answer with the timestamps as `Date`s, as the SDK would. No serialisation, so
 *   the benches measure the reconciler's CPU, not the SDK's (what they measured before the model).
 * @packageDocumentation
 */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { LOCAL_CREDENTIALS } from '../clients';
import { ModelError } from './errors';
import type { CognitoModel } from './model';
import type { Json } from './types';

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';

/** An answer of the JSON protocol. */
export interface JsonAnswer {
  status: number;
  body: Json;
}

/** Runs one JSON-protocol call against the model: the answer, or an error answer. Other errors (a fault that stands for the network) are thrown. */
export async function answer(
  model: CognitoModel,
  target: string,
  body: Json,
  accessKeyId?: string,
): Promise<JsonAnswer> {
  const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
  try {
    return { status: 200, body: await model.call(op, body, { accessKeyId }) };
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    if (err instanceof ModelError) return { status: err.status, body: { __type: err.code, message: err.message } };
    if (err.$metadata)
      return { status: err.$metadata.httpStatusCode ?? 400, body: { __type: err.name, message: err.message } };
    throw err;
  }
}

/** A `requestHandler` for `CognitoIdentityProviderClient` that answers from `model`. */
export function directHandler(model: CognitoModel) {
  return {
    metadata: { handlerProtocol: 'model' },
    async handle(request: { headers: Record<string, string>; body?: unknown }) {
      const b = request.body;
      const text =
        b instanceof Uint8Array ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8') : String(b ?? '');
      const accessKeyId = /Credential=([^/,\s]+)\//.exec(request.headers.authorization ?? '')?.[1];
      const out = await answer(model, request.headers['x-amz-target'] ?? '', text ? JSON.parse(text) : {}, accessKeyId);
      const body = Buffer.from(JSON.stringify(out.body));
      const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1' };
      if (out.status >= 300) headers['x-amzn-errortype'] = out.body.__type;
      return { response: { statusCode: out.status, reason: '', headers, body: new Uint8Array(body) } };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
}

/** An SDK client whose requests the model answers in process (one attempt per call, like the gateway's). */
export function directClient(model: CognitoModel): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: model.region,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: directHandler(model) as never,
  });
}

const TIMESTAMPS = new Set([
  'UserCreateDate',
  'UserLastModifiedDate',
  'CreationDate',
  'LastModifiedDate',
  'StartDate',
  'CompletionDate',
]);

/** The answer with its epoch-second timestamps as `Date`s (what the SDK's parser does), copied. */
function revive(value: unknown, key?: string): unknown {
  if (key && TIMESTAMPS.has(key) && typeof value === 'number') return new Date(value * 1000);
  if (Array.isArray(value)) return value.map((v) => revive(v));
  if (value && typeof value === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = revive(v, k);
    return out;
  }
  return value;
}

/**
 * Operations whose answer the model builds afresh on every call (pages of `userType` copies): their
 * timestamps are revived in place, with no second copy (the benches list millions of users).
 */
const FRESH_ANSWERS = new Set(['ListUsers', 'ListUsersInGroup']);

function reviveUserPage(page: Json): Json {
  for (const u of page.Users ?? []) {
    u.UserCreateDate = new Date(u.UserCreateDate * 1000);
    u.UserLastModifiedDate = new Date(u.UserLastModifiedDate * 1000);
  }
  return page;
}

/** A client whose `send(command)` the model answers without the SDK's serialisation (benches, unit tests). */
export function commandClient(model: CognitoModel): CognitoIdentityProviderClient {
  const send = async (command: { constructor: { name: string }; input: Json }) => {
    const op = command.constructor.name.replace(/Command$/, '');
    const out = await model.call(op, command.input);
    return FRESH_ANSWERS.has(op) ? reviveUserPage(out) : revive(out);
  };
  return { send, destroy() {} } as never;
}
