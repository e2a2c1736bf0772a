/**
 * A loopback HTTP front for cognito-local: forwards the Cognito JSON API, pages list calls,
 * runs CSV import jobs, injects faults, counts calls per operation and reports mutating calls.
 *
 * Control routes (answered even while the endpoint is "unreachable"):
 *
 * | route | what |
 * |---|---|
 * | `GET /_shim/health` | `{ok, upstream}` |
 * | `GET`/`POST /_shim/faults` | read / replace {@link CognitoShimFaults} (`{}` clears) |
 * | `GET`/`DELETE /_shim/calls` | requests received per operation / reset (also `throttled`) |
 * | `GET /_shim/outbox[?clear=1]`, `DELETE /_shim/outbox` | codes "sent" ({@link OutboxEntry}) |
 * | `POST /_shim/user-status` | `{UserPoolId, Username, UserStatus}`: force a status |
 * | `POST /_shim/users` | `{UserPoolId, User: {Username, Attributes, UserStatus?, Enabled?, UserMFASettingList?, PreferredMfaSetting?}}`: write a raw user (federated, TOTP, ...) |
 * | `POST /_shim/pagination/expire` | invalidate every pagination token |
 * | `PUT /_shim/import/{JobId}` | the import job's "pre-signed URL" |
 * | `GET /_shim/import/{JobId}/log` | the job's per-line results |
 * @packageDocumentation
 */
import http from 'node:http';
import { FaultGate, type NetworkFaults, checkNetworkFaults } from './internal/faults';
import {
  LOOPBACK,
  type TrackedServer,
  closeHard,
  createTrackedServer,
  listenPreferring,
  makeRandom,
  readBody,
  sendJson,
  tryParseJson,
} from './internal/http';
import type { OutboxEntry } from './internal/host-targets';
import { ImportJobs, type UpstreamResult } from './internal/import-jobs';
import { type ApiError, PAGED_OPERATIONS, Pager } from './internal/paging';

export type { OutboxEntry } from './internal/host-targets';

/** Faults of the Cognito endpoint, settable at run time (`shim.faults = {...}` or `POST /_shim/faults`). */
export interface CognitoShimFaults extends NetworkFaults {
  /** Share (0..1) of API requests answered `TooManyRequestsException` (HTTP 400), like Cognito's throttling. */
  throttleShare?: number;
  /** Only these operations are throttled (default: all). */
  throttleOps?: string[];
  /** Seed of the random draws (throttling, short pages) for repeatable runs. */
  seed?: number;
  /** List pages come back shorter than `Limit` (random, possibly empty) while more remain, as Cognito allows. */
  shortPages?: boolean;
}

/** A successful mutating call, as reported to {@link CognitoCallListener}s (e.g. to build CloudTrail-like events). */
export interface CognitoCallEvent {
  operation: string;
  region: string;
  request: Record<string, unknown>;
  response: Record<string, unknown>;
  at: Date;
  /** The access key id the request was signed with (tells callers apart, e.g. an admin from a worker). */
  accessKeyId?: string;
  /**
   * The user the call is about, resolved just before the call ran (so a deletion still has its
   * `sub`): from `UserPoolId` + `Username` (AdminGetUser, uncounted) or from the access token's
   * claims. `sub` is absent for a user that did not exist yet (AdminCreateUser: see the response).
   */
  subject?: { userPoolId?: string; username?: string; sub?: string };
}

/** Receives each successful mutating call. Must not throw (errors are ignored). */
export type CognitoCallListener = (event: CognitoCallEvent) => void;

/** Settings of {@link startCognitoShim}. */
export interface CognitoShimOptions {
  /** cognito-local's URL; may be set later with {@link CognitoShim.setUpstream}. */
  upstream?: string;
  /** Port to listen on (default: any free one). */
  port?: number;
  /** Region reported in call events. */
  region?: string;
  /** Folder for import jobs (the emulator's data folder). */
  stateDir: string;
  /** Initial listener of successful mutating calls. */
  onCall?: CognitoCallListener;
}

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
const AMZ_JSON = 'application/x-amz-json-1.1';
const NON_MUTATING =
  /^(Get|List|Describe|AdminGet|AdminList)|^(Admin)?(InitiateAuth|RespondToAuthChallenge)$|^RevokeToken$/;

/** Whether `operation` changes state (and would be a CloudTrail write event). */
export function isMutatingOperation(operation: string): boolean {
  return !NON_MUTATING.test(operation);
}

/** The shim. Create it with {@link startCognitoShim}. */
export class CognitoShim {
  /** Requests received per API operation (throttled and failed ones included). */
  readonly calls: Record<string, number> = {};
  /** Requests answered `TooManyRequestsException` by fault injection, per operation. */
  readonly throttled: Record<string, number> = {};
  private readonly listeners = new Set<CognitoCallListener>();
  private readonly gate = new FaultGate();
  private readonly pager = new Pager();
  private readonly imports: ImportJobs;
  private agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private tracked: TrackedServer | undefined;
  private port: number | undefined;
  private upstreamUrl: URL | undefined;
  private currentFaults: CognitoShimFaults = {};
  private random = makeRandom();
  private readonly region: string;

  /** @internal use {@link startCognitoShim} */
  constructor(opts: CognitoShimOptions) {
    this.region = opts.region ?? 'us-east-1';
    if (opts.upstream) this.setUpstream(opts.upstream);
    if (opts.onCall) this.listeners.add(opts.onCall);
    this.port = opts.port;
    this.imports = new ImportJobs({
      call: (op, body) => this.callUpstream(op, body),
      endpoint: () => this.endpoint,
      stateDir: opts.stateDir,
    });
  }

  /** The URL clients use, e.g. `http://127.0.0.1:41234`. */
  get endpoint(): string {
    if (!this.port) throw new Error('shim not started');
    return `http://${LOOPBACK}:${this.port}`;
  }

  /** Whether the shim is listening. */
  get listening(): boolean {
    return !!this.tracked?.server.listening;
  }

  /** Current faults. */
  get faults(): CognitoShimFaults {
    return this.currentFaults;
  }

  /** Replaces the faults (`{}` clears them). Throws on an invalid value. */
  set faults(f: CognitoShimFaults) {
    const checked: CognitoShimFaults = { ...checkNetworkFaults(f as Record<string, unknown>) };
    if (f.throttleShare !== undefined) {
      if (typeof f.throttleShare !== 'number' || f.throttleShare < 0 || f.throttleShare > 1)
        throw new Error('throttleShare must be between 0 and 1');
      checked.throttleShare = f.throttleShare;
    }
    if (f.throttleOps !== undefined) {
      if (!Array.isArray(f.throttleOps)) throw new Error('throttleOps must be a list of operation names');
      checked.throttleOps = [...f.throttleOps];
    }
    if (f.seed !== undefined) checked.seed = Number(f.seed);
    if (f.shortPages !== undefined) checked.shortPages = !!f.shortPages;
    if (checked.seed !== undefined || this.currentFaults.seed !== undefined) this.random = makeRandom(checked.seed);
    this.currentFaults = checked;
    if (checked.unreachable !== 'hang') this.gate.releaseHung();
  }

  /** Points the shim at a (restarted) cognito-local; `undefined` makes API calls fail as unreachable. */
  setUpstream(url: string | undefined): void {
    this.upstreamUrl = url ? new URL(url) : undefined;
    this.agent.destroy(); // pooled sockets to a stopped cognito-local are dead
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  }

  /** Adds a listener of successful mutating calls; returns its remover. */
  onCall(listener: CognitoCallListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Clears {@link calls} and {@link throttled}. */
  resetCalls(): void {
    for (const k of Object.keys(this.calls)) delete this.calls[k];
    for (const k of Object.keys(this.throttled)) delete this.throttled[k];
  }

  /** Sum of {@link calls} over the mutating operations (for "zero writes" assertions). */
  writeCalls(): number {
    return Object.entries(this.calls)
      .filter(([op]) => isMutatingOperation(op))
      .reduce((n, [, c]) => n + c, 0);
  }

  /** Invalidates every pagination token handed out so far. */
  expirePaginationTokens(): void {
    this.pager.expireAll();
  }

  /** Codes the emulated Cognito "sent" (sign-up, reset, forgot password...). */
  async outbox(opts: { clear?: boolean } = {}): Promise<OutboxEntry[]> {
    const r = await this.callUpstream('ShimOutbox', { Clear: !!opts.clear });
    if (!r.ok) throw new Error(`outbox: ${r.error.code}`);
    return r.body.Messages as OutboxEntry[];
  }

  /** Forces a user's `UserStatus` (e.g. `RESET_REQUIRED`, `EXTERNAL_PROVIDER`). */
  async setUserStatus(userPoolId: string, username: string, status: string): Promise<void> {
    const r = await this.callUpstream('ShimSetUserStatus', {
      UserPoolId: userPoolId,
      Username: username,
      UserStatus: status,
    });
    if (!r.ok) throw new Error(`setUserStatus: ${r.error.code}: ${r.error.message}`);
  }

  /**
   * Writes a user record directly (federated users, TOTP users, fast bulk seeding). `sub` is
   * generated when absent. No trigger runs, no call is counted.
   */
  async putUser(
    userPoolId: string,
    user: {
      Username: string;
      Attributes?: { Name: string; Value: string }[];
      UserStatus?: string;
      Enabled?: boolean;
      UserMFASettingList?: string[];
      PreferredMfaSetting?: string;
    },
  ): Promise<void> {
    const r = await this.callUpstream('ShimPutUser', { UserPoolId: userPoolId, User: user });
    if (!r.ok) throw new Error(`putUser: ${r.error.code}: ${r.error.message}`);
  }

  /** Starts listening (again, on the same port when possible). */
  async start(): Promise<void> {
    if (this.listening) return;
    this.tracked = createTrackedServer((req, res) => void this.handle(req, res));
    this.port = await listenPreferring(this.tracked.server, this.port);
  }

  /** Stops listening and drops every connection. Import jobs in progress are waited for. */
  async stop(): Promise<void> {
    this.gate.releaseHung();
    if (this.tracked) await closeHard(this.tracked);
    await this.imports.idle();
  }

  /** Sends one API call to cognito-local (no faults, not counted). */
  async callUpstream(operation: string, body: Record<string, unknown>): Promise<UpstreamResult> {
    const res = await this.rawUpstream(
      'POST',
      '/',
      { 'content-type': AMZ_JSON, 'x-amz-target': TARGET_PREFIX + operation },
      Buffer.from(JSON.stringify(body)),
    );
    const json = (tryParseJson(res.body) ?? {}) as Record<string, any>;
    if (res.status >= 200 && res.status < 300) return { ok: true, body: json };
    return {
      ok: false,
      error: { code: String(json.__type ?? `HTTP${res.status}`), message: String(json.message ?? '') },
    };
  }

  private rawUpstream(
    method: string,
    path: string,
    headers: http.OutgoingHttpHeaders,
    body: Buffer,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    const url = this.upstreamUrl;
    if (!url) return Promise.reject(Object.assign(new Error('cognito-local is not running'), { code: 'ECONNREFUSED' }));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent: this.agent,
          headers: { ...headers, host: url.host, 'content-length': body.length },
        },
        (res) => {
          readBody(res).then((b) => resolve({ status: res.statusCode ?? 500, headers: res.headers, body: b }), reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  private sendError(res: http.ServerResponse, e: ApiError, status = 400): void {
    sendJson(res, status, { __type: e.code, message: e.message }, { 'x-amzn-errortype': e.code }, AMZ_JSON);
  }

  private emit(
    operation: string,
    request: Record<string, unknown>,
    response: Record<string, unknown>,
    extra: Pick<CognitoCallEvent, 'accessKeyId' | 'subject'> = {},
  ): void {
    if (!isMutatingOperation(operation) || this.listeners.size === 0) return;
    const event: CognitoCallEvent = { operation, region: this.region, request, response, at: new Date(), ...extra };
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        /* listeners must not break the emulator */
      }
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname.startsWith('/_shim/')) {
        await this.control(req, res, url);
        return;
      }
      const body = await readBody(req);
      const target = req.headers['x-amz-target'];
      const operation =
        typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
      if (operation) this.calls[operation] = (this.calls[operation] ?? 0) + 1;
      if (await this.gate.apply(this.currentFaults, req)) return;
      if (!operation) {
        await this.forward(req, res, body, undefined);
        return;
      }
      const f = this.currentFaults;
      if (f.throttleShare && (!f.throttleOps || f.throttleOps.includes(operation)) && this.random() < f.throttleShare) {
        this.throttled[operation] = (this.throttled[operation] ?? 0) + 1;
        this.sendError(res, { code: 'TooManyRequestsException', message: 'Too many requests' });
        return;
      }
      if (operation.startsWith('Shim')) {
        this.sendError(res, { code: 'UnknownOperationException', message: `Unknown operation ${operation}` });
        return;
      }
      const request = (tryParseJson(body) ?? {}) as Record<string, any>;
      const spec = PAGED_OPERATIONS[operation];
      if (spec) {
        const invalid = this.pager.validate(spec, request);
        if (invalid) return this.sendError(res, invalid);
        const full = await this.callUpstream(operation, this.pager.upstreamBody(spec, request));
        if (!full.ok) return this.sendError(res, full.error);
        const short = f.shortPages ? this.random() : undefined;
        sendJson(res, 200, this.pager.page(spec, request, full.body, short), {}, AMZ_JSON);
        return;
      }
      if (ImportJobs.OPERATIONS.has(operation)) {
        const out = await this.imports.handle(operation, request);
        if ('error' in out) return this.sendError(res, out.error);
        sendJson(res, 200, out.body, {}, AMZ_JSON);
        this.emit(operation, request, out.body);
        return;
      }
      await this.forward(req, res, body, operation, request);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ECONNREFUSED' || (e as NodeJS.ErrnoException).code === 'ECONNRESET') {
        req.socket.destroy(); // cognito-local is down: look unreachable
        return;
      }
      if (!res.headersSent) this.sendError(res, { code: 'InternalErrorException', message: (e as Error).message }, 500);
      else res.destroy();
    }
  }

  private async forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
    operation: string | undefined,
    request?: Record<string, unknown>,
  ): Promise<void> {
    const headers: http.OutgoingHttpHeaders = { ...req.headers };
    delete headers['content-length'];
    const reported = operation && this.listeners.size > 0 && isMutatingOperation(operation);
    const subject = reported ? await this.resolveSubject(request ?? {}) : undefined;
    const up = await this.rawUpstream(req.method ?? 'POST', req.url ?? '/', headers, body);
    const outHeaders: http.OutgoingHttpHeaders = { ...up.headers, 'content-length': up.body.length };
    delete outHeaders['transfer-encoding'];
    delete outHeaders.connection;
    delete outHeaders['keep-alive'];
    res.writeHead(up.status, outHeaders);
    res.end(up.body);
    if (operation && up.status >= 200 && up.status < 300) {
      const accessKeyId = /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
      this.emit(operation, request ?? {}, (tryParseJson(up.body) ?? {}) as Record<string, unknown>, {
        accessKeyId,
        subject,
      });
    }
  }

  /** The user a mutating call is about (see {@link CognitoCallEvent.subject}); `undefined` when it names none. */
  private async resolveSubject(request: Record<string, unknown>): Promise<CognitoCallEvent['subject']> {
    try {
      if (typeof request.UserPoolId === 'string' && typeof request.Username === 'string') {
        const r = await this.callUpstream('AdminGetUser', {
          UserPoolId: request.UserPoolId,
          Username: request.Username,
        });
        if (!r.ok) return { userPoolId: request.UserPoolId, username: request.Username };
        const attrs = (r.body.UserAttributes ?? []) as { Name?: string; Value?: string }[];
        return {
          userPoolId: request.UserPoolId,
          username: String(r.body.Username ?? request.Username),
          sub: attrs.find((a) => a.Name === 'sub')?.Value,
        };
      }
      if (typeof request.AccessToken === 'string') {
        const claims = JSON.parse(
          Buffer.from(request.AccessToken.split('.')[1] ?? '', 'base64url').toString('utf8'),
        ) as Record<string, unknown>;
        const iss = typeof claims.iss === 'string' ? claims.iss : '';
        return {
          userPoolId: iss.slice(iss.lastIndexOf('/') + 1) || undefined,
          username: claims.username as string | undefined,
          sub: claims.sub as string | undefined,
        };
      }
    } catch {
      /* not resolvable: the event goes out without a subject */
    }
    return undefined;
  }

  private async control(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const route = `${req.method} ${url.pathname}`;
    const body = await readBody(req);
    const json = () => (tryParseJson(body) ?? {}) as Record<string, any>;
    const importMatch = /^\/_shim\/import\/([\w-]+)(\/log)?$/.exec(url.pathname);
    try {
      if (importMatch && req.method === 'PUT' && !importMatch[2]) {
        const status = this.imports.upload(importMatch[1], body);
        res.writeHead(status, { 'content-length': 0, etag: `"${importMatch[1]}"` });
        res.end();
        return;
      }
      if (importMatch && req.method === 'GET' && importMatch[2]) {
        const log = this.imports.log(importMatch[1]);
        sendJson(res, log ? 200 : 404, log ?? { message: 'no such job' });
        return;
      }
      switch (route) {
        case 'GET /_shim/health':
          return sendJson(res, 200, { ok: true, upstream: !!this.upstreamUrl });
        case 'GET /_shim/faults':
          return sendJson(res, 200, this.faults);
        case 'POST /_shim/faults':
          this.faults = json();
          return sendJson(res, 200, this.faults);
        case 'GET /_shim/calls':
          return sendJson(res, 200, {
            ...this.calls,
            ...(url.searchParams.has('throttled') ? { throttled: this.throttled } : {}),
          });
        case 'DELETE /_shim/calls':
          this.resetCalls();
          return sendJson(res, 200, {});
        case 'GET /_shim/outbox':
          return sendJson(res, 200, await this.outbox({ clear: url.searchParams.get('clear') === '1' }));
        case 'DELETE /_shim/outbox':
          await this.outbox({ clear: true });
          return sendJson(res, 200, {});
        case 'POST /_shim/user-status': {
          const b = json();
          await this.setUserStatus(b.UserPoolId, b.Username, b.UserStatus);
          return sendJson(res, 200, {});
        }
        case 'POST /_shim/users': {
          const b = json();
          await this.putUser(b.UserPoolId, b.User);
          return sendJson(res, 200, {});
        }
        case 'POST /_shim/pagination/expire':
          this.expirePaginationTokens();
          return sendJson(res, 200, {});
        default:
          return sendJson(res, 404, { message: `no route ${route}` });
      }
    } catch (e) {
      sendJson(res, 400, { message: (e as Error).message });
    }
  }
}

/** Starts a shim on loopback in front of `opts.upstream`. */
export async function startCognitoShim(opts: CognitoShimOptions): Promise<CognitoShim> {
  const shim = new CognitoShim(opts);
  await shim.start();
  return shim;
}
