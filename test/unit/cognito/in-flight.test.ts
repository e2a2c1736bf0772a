import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { CognitoGateway, createCognitoClient, DEFAULT_MAX_SOCKETS } from '../../../src/cognito/gateway';
import { QuotaLimiter } from '../../../src/cognito/limiter';
import { DEFAULT_QUOTAS, type QuotaCategory } from '../../../src/cognito/quotas';
import { Semaphore } from '../../../src/core/concurrency';
import { uniquePoolId } from '../helpers';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
/** Quotas high enough that the limiter never holds anything back here: only sockets limit. */
const UNPACED = Object.fromEntries(Object.keys(DEFAULT_QUOTAS).map((k) => [k, 1e6])) as Record<QuotaCategory, number>;
const unpaced = () => new QuotaLimiter({ quotas: UNPACED, perPoolOperationQuota: 1e6 });
const ANSWER = JSON.stringify({ Username: 'u', UserAttributes: [], Enabled: true, UserStatus: 'CONFIRMED' });

/** Waits (event loop turns, not time) until `ready()` holds. */
async function until(ready: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100_000 && !ready(); i++) await new Promise((r) => setImmediate(r));
  if (!ready()) throw new Error(`never happened: ${what}`);
}

/** An SDK request handler that holds every request until the test releases it, counting those in flight. */
class HeldHandler {
  active = 0;
  most = 0;
  private readonly held: (() => void)[] = [];
  metadata = { handlerProtocol: 'http/1.1' };

  async handle(): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Readable } }> {
    this.active++;
    this.most = Math.max(this.most, this.active);
    await new Promise<void>((resolve) => this.held.push(resolve));
    this.active--;
    return {
      response: {
        statusCode: 200,
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        body: Readable.from([Buffer.from(ANSWER)]),
      },
    };
  }

  get waiting(): number {
    return this.held.length;
  }

  releaseOne(): void {
    this.held.shift()?.();
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}

describe('issue 10.14: keep in flight what the sockets can serve', () => {
  test('a gateway never has more requests in flight than its client has sockets; the rest wait in the gateway, then succeed', async () => {
    const handler = new HeldHandler();
    const client = new CognitoIdentityProviderClient({
      region: 'us-east-1',
      credentials: CREDENTIALS,
      maxAttempts: 1,
      requestHandler: handler,
    });
    const gateway = new CognitoGateway({
      region: 'us-east-1',
      poolId: uniquePoolId(),
      client,
      limiter: unpaced(),
      maxInFlight: 3,
    });
    const calls = Array.from({ length: 12 }, (_, i) => gateway.getUser(`u${i}`));
    await until(() => handler.waiting === 3, 'three requests at the endpoint');
    expect(gateway.inFlight).toBe(3);
    expect(gateway.waitingForSocket).toBe(9); // waiting before their request exists, so no connection timer runs
    while (handler.active > 0 || gateway.waitingForSocket > 0) {
      await until(() => handler.waiting > 0, 'a request to answer');
      handler.releaseOne();
      await new Promise((r) => setImmediate(r));
    }
    const users = await Promise.all(calls);
    expect(users.every((u) => u?.username === 'u')).toBe(true);
    expect(handler.most).toBe(3);
    expect(gateway.inFlight).toBe(0);
  });

  test('gateways sharing one client share its sockets', async () => {
    const handler = new HeldHandler();
    const client = new CognitoIdentityProviderClient({
      region: 'us-east-1',
      credentials: CREDENTIALS,
      maxAttempts: 1,
      requestHandler: handler,
    });
    const limiter = unpaced();
    const a = new CognitoGateway({ region: 'us-east-1', poolId: uniquePoolId(), client, limiter, maxInFlight: 2 });
    const b = new CognitoGateway({ region: 'us-east-1', poolId: uniquePoolId(), client, limiter, maxInFlight: 2 });
    const calls = [
      ...Array.from({ length: 5 }, () => a.getUser('x')),
      ...Array.from({ length: 5 }, () => b.getUser('y')),
    ];
    await until(() => handler.waiting === 2, 'two requests at the endpoint');
    expect(a.waitingForSocket).toBe(8);
    for (let done = 0; done < 10; done++) {
      await until(() => handler.waiting > 0, 'a request to answer');
      handler.releaseOne();
    }
    await Promise.all(calls);
    expect(handler.most).toBe(2);
  });

  test('createCognitoClient sets maxSockets on both agents of a NodeHttpHandler, one attempt per call, explicit timeouts', async () => {
    const client = createCognitoClient({
      region: 'us-east-1',
      maxSockets: 7,
      clientConfig: { credentials: CREDENTIALS },
    });
    const handler = client.config.requestHandler as unknown as NodeHttpHandler;
    expect(handler.constructor.name).toBe('NodeHttpHandler');
    const config = (await (handler as unknown as { configProvider: Promise<Record<string, unknown>> })
      .configProvider) as {
      httpsAgent: { maxSockets: number; keepAlive: boolean };
      httpAgentProvider: () => Promise<{ maxSockets: number; keepAlive: boolean }>;
      connectionTimeout: number;
      requestTimeout: number;
    };
    expect(config.httpsAgent).toMatchObject({ maxSockets: 7, keepAlive: true });
    expect(await config.httpAgentProvider()).toMatchObject({ maxSockets: 7, keepAlive: true });
    expect(config).toMatchObject({ connectionTimeout: 3000, requestTimeout: 10_000 });
    expect(await client.config.maxAttempts()).toBe(1);
    const gateway = new CognitoGateway({ region: 'us-east-1', poolId: uniquePoolId(), client });
    expect((gateway as unknown as { gate: Semaphore }).gate.limit).toBe(7); // the client's own limit, not the default
    const own = new CognitoGateway({
      region: 'us-east-1',
      poolId: uniquePoolId(),
      clientConfig: { credentials: CREDENTIALS },
    });
    expect((own as unknown as { gate: Semaphore }).gate.limit).toBe(DEFAULT_MAX_SOCKETS);
    client.destroy();
    own.client.destroy();
  });

  describe('against a slow endpoint (real sockets)', () => {
    let server: Server;
    let held: ServerResponse[] = [];
    let open = 0;
    let most = 0;

    beforeAll(async () => {
      server = createServer((req: IncomingMessage, res: ServerResponse) => {
        open++;
        most = Math.max(most, open);
        req.resume();
        req.on('end', () => held.push(res));
        res.on('finish', () => open--);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    test('calls queued behind a slow endpoint never wait for a socket in the agent, and none fails', async () => {
      held = [];
      const port = (server.address() as AddressInfo).port;
      const gateway = new CognitoGateway({
        region: 'us-east-1',
        poolId: uniquePoolId(),
        endpoint: `http://127.0.0.1:${port}`,
        clientConfig: { credentials: CREDENTIALS },
        limiter: unpaced(),
        maxInFlight: 2,
      });
      const calls = Array.from({ length: 8 }, (_, i) => gateway.getUser(`u${i}`));
      calls.forEach((c) => c.catch(() => undefined)); // asserted below
      await until(() => held.length === 2, 'two requests held by the endpoint');
      const agent = (gateway.client.config.requestHandler as unknown as NodeHttpHandler).httpHandlerConfigs()
        .httpAgent as unknown as {
        maxSockets: number;
        requests: Record<string, unknown[]>;
      };
      const queuedInAgent = () => Object.values(agent.requests ?? {}).reduce((n, q) => n + q.length, 0);
      expect(agent.maxSockets).toBe(2);
      expect(queuedInAgent()).toBe(0); // nobody's connection timer is running while it waits for a socket
      expect(gateway.waitingForSocket).toBe(6);
      for (let answered = 0; answered < 8; answered++) {
        await until(() => held.length > 0, 'a held request');
        expect(queuedInAgent()).toBe(0);
        held.shift()!.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(ANSWER);
      }
      const users = await Promise.all(calls);
      expect(users.map((u) => u?.username)).toEqual(Array(8).fill('u'));
      expect(most).toBeLessThanOrEqual(2);
      gateway.client.destroy();
    });
  });
});

describe('Semaphore', () => {
  test('hands places over in arrival order and never holds more than its limit', async () => {
    const s = new Semaphore(2);
    const order: number[] = [];
    const releases = await Promise.all([s.acquire(), s.acquire()]);
    const later = [3, 4, 5].map((n) => s.acquire().then((release) => (order.push(n), release)));
    expect(s.waiting).toBe(3);
    releases[0]();
    releases[0](); // a second call is ignored
    await later[0];
    expect(s.inUse).toBe(2);
    releases[1]();
    (await later[0])();
    await Promise.all(later).then((rs) => rs.slice(1).forEach((r) => r()));
    expect(order).toEqual([3, 4, 5]);
    expect(s.inUse).toBe(0);
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
