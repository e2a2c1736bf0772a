/**
 * A loopback Lambda Invoke API (`POST /2015-03-31/functions/{FunctionName}/invocations`) that
 * runs in-process handlers. The Cognito model's triggers call it (set as `lambdaEndpoint` of the
 * Cognito emulator); an AWS SDK Lambda client pointed at it works too.
 *
 * Answers like Lambda: 200 with the JSON result; a throwing handler gives 200 with
 * `X-Amz-Function-Error: Unhandled` and `{errorType, errorMessage, trace}`; an unknown function
 * gives 404 `ResourceNotFoundException`; `X-Amz-Invocation-Type: Event` answers 202 and runs
 * the handler in the background; `DryRun` answers 204.
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import {
  LOOPBACK,
  type TrackedServer,
  closeHard,
  createTrackedServer,
  listen,
  readBody,
  sendJson,
  tryParseJson,
} from './internal/http';

/** An in-process Lambda handler (async style). */
export type LocalLambdaHandler = (event: any, context: Context) => unknown;

/** One recorded invocation. */
export interface LambdaInvocation {
  functionName: string;
  event: unknown;
  /** The handler's result (when it returned). */
  result?: unknown;
  /** The handler's error message (when it threw). */
  error?: string;
  durationMs: number;
}

/** Settings of {@link startLambdaEndpoint}. */
export interface LambdaEndpointOptions {
  /** Function name to handler. More can be added later with `register`. */
  registry?: Record<string, LocalLambdaHandler>;
  /** Port (default: any free one). */
  port?: number;
  /** Region and account in the ARNs given to handlers. */
  region?: string;
  accountId?: string;
  /** Function timeout reported by `context.getRemainingTimeInMillis()` (ms). Default 30 000. Not enforced. */
  timeoutMs?: number;
}

/** A running Lambda endpoint. */
export interface LambdaEndpoint {
  readonly endpoint: string;
  /** Handlers by function name (mutable). */
  readonly registry: Record<string, LocalLambdaHandler>;
  /** Every invocation so far (events may contain personal data: never print them). */
  readonly invocations: LambdaInvocation[];
  /** Adds or replaces a handler. */
  register(name: string, handler: LocalLambdaHandler): void;
  stop(): Promise<void>;
}

/** Builds a Lambda `Context` for a local invocation. */
export function makeLambdaContext(
  functionName: string,
  region = 'us-east-1',
  accountId = '000000000000',
  timeoutMs = 30_000,
): Context {
  const deadline = Date.now() + timeoutMs;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: '128',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Function name from an invocation path segment: a name, a partial or full ARN, with an optional qualifier. */
function functionNameOf(segment: string): string {
  const decoded = decodeURIComponent(segment);
  const arn = /^arn:aws[\w-]*:lambda:[^:]+:[^:]+:function:([^:]+)/.exec(decoded);
  if (arn) return arn[1];
  const partial = /^[^:]+:function:([^:]+)/.exec(decoded);
  if (partial) return partial[1];
  return decoded.split(':')[0];
}

/** Starts the Lambda Invoke endpoint on loopback. */
export async function startLambdaEndpoint(opts: LambdaEndpointOptions = {}): Promise<LambdaEndpoint> {
  const registry: Record<string, LocalLambdaHandler> = { ...(opts.registry ?? {}) };
  const invocations: LambdaInvocation[] = [];
  const region = opts.region ?? 'us-east-1';
  const accountId = opts.accountId ?? '000000000000';

  const run = async (
    name: string,
    event: unknown,
  ): Promise<{ ok: true; result: unknown } | { ok: false; error: Error }> => {
    const started = Date.now();
    const inv: LambdaInvocation = { functionName: name, event, durationMs: 0 };
    invocations.push(inv);
    try {
      const result = await registry[name](event, makeLambdaContext(name, region, accountId, opts.timeoutMs));
      inv.result = result;
      return { ok: true, result };
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      inv.error = error.message;
      return { ok: false, error };
    } finally {
      inv.durationMs = Date.now() - started;
    }
  };

  const tracked: TrackedServer = createTrackedServer((req, res) => {
    void (async () => {
      const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec((req.url ?? '').split('?')[0]);
      const body = await readBody(req);
      if (req.method !== 'POST' || !m) {
        sendJson(res, 404, { message: 'Unknown path' }, { 'x-amzn-errortype': 'UnknownOperationException' });
        return;
      }
      const name = functionNameOf(m[1]);
      if (!registry[name]) {
        sendJson(
          res,
          404,
          { Type: 'User', message: `Function not found: arn:aws:lambda:${region}:${accountId}:function:${name}` },
          { 'x-amzn-errortype': 'ResourceNotFoundException' },
        );
        return;
      }
      const text = body.toString('utf8');
      const event = text.length ? tryParseJson(text) : {};
      if (text.length && event === undefined) {
        sendJson(
          res,
          400,
          { Type: 'User', message: 'Could not parse request body into json' },
          { 'x-amzn-errortype': 'InvalidRequestContentException' },
        );
        return;
      }
      const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      const headers = { 'x-amz-executed-version': '$LATEST', 'x-amzn-requestid': randomUUID() };
      if (type === 'DryRun') {
        res.writeHead(204, headers);
        res.end();
        return;
      }
      if (type === 'Event') {
        res.writeHead(202, { ...headers, 'content-length': 0 });
        res.end();
        void run(name, event);
        return;
      }
      const out = await run(name, event);
      if (out.ok) {
        const payload = out.result === undefined ? 'null' : JSON.stringify(out.result);
        res.writeHead(200, {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        });
        res.end(payload);
      } else {
        sendJson(
          res,
          200,
          { errorType: out.error.name || 'Error', errorMessage: out.error.message, trace: [] },
          { ...headers, 'x-amz-function-error': 'Unhandled' },
        );
      }
    })().catch(() => {
      if (!res.headersSent) sendJson(res, 500, { message: 'internal error' });
    });
  });
  const port = await listen(tracked.server, opts.port ?? 0);
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    registry,
    invocations,
    register(name, handler) {
      registry[name] = handler;
    },
    stop: () => closeHard(tracked),
  };
}
