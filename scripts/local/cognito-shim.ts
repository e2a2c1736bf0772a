/**
 * The HTTP transport of the Cognito model (./cognito-model): a loopback endpoint speaking
 * Cognito's JSON protocol (`X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`), with network
 * faults and test control routes. The API answers come from the model, as in the direct transport.
 *
 * Control routes (answered even while the endpoint is "unreachable" or crashed):
 *
 * | route | what |
 * |---|---|
 * | `GET /_shim/health` | `{ok, upstream}` |
 * | `GET`/`POST /_shim/faults` | read / replace {@link CognitoShimFaults} (`{}` clears) |
 * | `GET`/`DELETE /_shim/calls` | requests received per operation / reset (also `throttled`) |
 * | `GET /_shim/outbox[?clear=1]`, `DELETE /_shim/outbox` | codes "sent" ({@link OutboxEntry}) |
 * | `POST /_shim/user-status` | `{UserPoolId, Username, UserStatus}`: force a status |
 * | `POST /_shim/users` | `{UserPoolId, User: {Username, Attributes, UserStatus?, Enabled?, UserMFASettingList?, PreferredMfaSetting?}}`: write a raw user |
 * | `POST /_shim/pagination/expire` | invalidate every pagination token |
 * | `PUT /_shim/import/{JobId}` | the import job's "pre-signed URL" |
 * | `GET /_shim/import/{JobId}/log` | the job's per-line results |
 * @packageDocumentation
 */
import type http from 'node:http';
import type { CallEvent, CallListener, CognitoModel, OutboxEntry } from './cognito-model';
import { answer } from './cognito-model/direct';
import { type ApiFaults, checkApiFaults } from './cognito-model/faults';
import { isMutatingOperation } from './cognito-model/operations';
import { FaultGate, type NetworkFaults, checkNetworkFaults } from './internal/faults';
import {
  LOOPBACK,
  type TrackedServer,
  closeHard,
  createTrackedServer,
  listenPreferring,
  readBody,
  sendJson,
  tryParseJson,
} from './internal/http';

export type { OutboxEntry } from './cognito-model';
export { isMutatingOperation } from './cognito-model/operations';
/** A successful mutating call (see the model's `CallEvent`). */
export type CognitoCallEvent = CallEvent;
/** Receives each successful mutating call. Must not throw. */
export type CognitoCallListener = CallListener;

/** Faults of the Cognito endpoint, settable at run time (`shim.faults = {...}` or `POST /_shim/faults`). */
export interface CognitoShimFaults extends NetworkFaults, ApiFaults {}

const AMZ_JSON = 'application/x-amz-json-1.1';

/** The HTTP endpoint of one model Region. */
export class CognitoShim {
  private readonly gate = new FaultGate();
  private tracked: TrackedServer | undefined;
  private network: NetworkFaults = {};
  /** While true (a "crash"), API requests have their connection reset; control routes answer. */
  down = false;

  constructor(
    readonly model: CognitoModel,
    private port?: number,
  ) {}

  /** Requests received per API operation (throttled and failed ones included). */
  get calls(): Record<string, number> {
    return this.model.calls;
  }

  /** Requests answered TooManyRequestsException by the throttle fault, per operation. */
  get throttled(): Record<string, number> {
    return this.model.throttledBy;
  }

  /** The URL clients use, e.g. `http://127.0.0.1:41234`. */
  get endpoint(): string {
    if (!this.port) throw new Error('shim not started');
    return `http://${LOOPBACK}:${this.port}`;
  }

  get listening(): boolean {
    return !!this.tracked?.server.listening;
  }

  get faults(): CognitoShimFaults {
    return { ...this.network, ...this.model.faults };
  }

  /** Replaces the faults (`{}` clears them). Throws on an invalid value. */
  set faults(f: CognitoShimFaults) {
    const network = checkNetworkFaults(f as Record<string, unknown>);
    this.model.faults = checkApiFaults(f);
    this.network = network;
    if (network.unreachable !== 'hang') this.gate.releaseHung();
  }

  /** Adds a listener of successful mutating calls; returns its remover. */
  onCall(listener: CognitoCallListener): () => void {
    return this.model.onCall(listener);
  }

  /** Clears {@link calls} and {@link throttled}. */
  resetCalls(): void {
    for (const r of [this.model.calls, this.model.throttledBy]) for (const k of Object.keys(r)) delete r[k];
  }

  /** Sum of {@link calls} over the mutating operations (for "zero writes" assertions). */
  writeCalls(): number {
    return Object.entries(this.calls).reduce((n, [op, c]) => n + (isMutatingOperation(op) ? c : 0), 0);
  }

  /** Invalidates every pagination token handed out so far. */
  expirePaginationTokens(): void {
    this.model.pager.expireAll();
  }

  /** Codes the emulated Cognito "sent" (sign-up, reset...). */
  async outbox(opts: { clear?: boolean } = {}): Promise<OutboxEntry[]> {
    const messages = [...this.model.outbox];
    if (opts.clear) this.model.outbox.length = 0;
    return messages;
  }

  /** Forces a user's `UserStatus` (e.g. `RESET_REQUIRED`, `EXTERNAL_PROVIDER`). */
  async setUserStatus(userPoolId: string, username: string, status: string): Promise<void> {
    await this.model.control('ShimSetUserStatus', { UserPoolId: userPoolId, Username: username, UserStatus: status });
  }

  /** Writes a user record directly (federated users, TOTP users, bulk seeding). No trigger runs, no call is counted. */
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
    await this.model.control('ShimPutUser', { UserPoolId: userPoolId, User: user });
  }

  /** Starts listening (again, on the same port when possible). Tokens of an earlier run are refused. */
  async start(): Promise<void> {
    if (this.listening) return;
    this.model.pager.expireAll();
    this.tracked = createTrackedServer((req, res) => void this.handle(req, res));
    this.port = await listenPreferring(this.tracked.server, this.port);
  }

  /** Stops listening and drops every connection (the data stays in the model). */
  async stop(): Promise<void> {
    this.gate.releaseHung();
    if (this.tracked) await closeHard(this.tracked);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = await readBody(req);
      if (url.pathname.startsWith('/_shim/')) return await this.control(req, res, url, body);
      const target = String(req.headers['x-amz-target'] ?? '');
      if (this.down || (await this.gate.apply(this.network, req))) {
        // Counted like any request received (a test counts the attempts an outage cost).
        const op = target.slice(target.indexOf('.') + 1);
        if (op) this.model.calls[op] = (this.model.calls[op] ?? 0) + 1;
        if (this.down) req.socket.destroy();
        return;
      }
      const accessKeyId = /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
      const out = await answer(this.model, target, (tryParseJson(body) ?? {}) as Record<string, unknown>, accessKeyId);
      const headers: Record<string, string> = out.status >= 300 ? { 'x-amzn-errortype': out.body.__type } : {};
      sendJson(res, out.status, out.body, headers, AMZ_JSON);
    } catch (e) {
      if (!res.headersSent)
        sendJson(res, 500, { __type: 'InternalErrorException', message: (e as Error).message }, {}, AMZ_JSON);
      else res.destroy();
    }
  }

  private async control(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: Buffer): Promise<void> {
    const json = () => (tryParseJson(body) ?? {}) as Record<string, any>;
    const job = /^\/_shim\/import\/([\w-]+)(\/log)?$/.exec(url.pathname);
    try {
      if (job && req.method === 'PUT' && !job[2]) {
        const status = this.model.receiveUpload(job[1], body);
        res.writeHead(status, { 'content-length': 0, etag: `"${job[1]}"` });
        res.end();
        return;
      }
      if (job && req.method === 'GET' && job[2]) {
        const log = [...this.model.pools.values()].find((p) => p.importJobs.has(job[1]))?.importJobs.get(job[1])?.log;
        return sendJson(res, log ? 200 : 404, log ?? { message: 'no such job' });
      }
      switch (`${req.method} ${url.pathname}`) {
        case 'GET /_shim/health':
          return sendJson(res, 200, { ok: true, upstream: !this.down });
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
          return sendJson(res, 404, { message: `no route ${req.method} ${url.pathname}` });
      }
    } catch (e) {
      sendJson(res, 400, { message: (e as Error).message });
    }
  }
}
