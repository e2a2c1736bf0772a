/**
 * Jest helpers that start the local emulators for one test file (own free ports, own temporary
 * folders) and tear everything down in `afterAll`, even when tests fail.
 *
 * @example
 * const emu = useEmulators({ triggers: { primary: { PostConfirmation: 'trigger' } } });
 * test('...', async () => {
 *   const { primary, primaryClient, pools, sqsClient } = emu();
 * });
 */
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type CognitoEmulator, type CognitoEmulatorOptions, startCognitoEmulator } from '../../scripts/local/cognito';
import { type LambdaEndpoint, type LocalLambdaHandler, startLambdaEndpoint } from '../../scripts/local/lambda-endpoint';
import { type DrillPool, type DrillPoolsOptions, createDrillPools } from '../../scripts/local/pools';
import { type S3Emulator, startS3Emulator } from '../../scripts/local/s3';
import { type SqsEmulator, startSqsEmulator } from '../../scripts/local/sqs';

/** What to start. */
export interface EmulatorSetOptions {
  /** Which Cognito Regions to start. Default both. */
  cognito?: ('primary' | 'standby')[];
  primaryRegion?: string;
  standbyRegion?: string;
  /** Start the SQS emulator. Default true. */
  sqs?: boolean;
  /** Trigger configuration per side, e.g. `{ primary: { PostConfirmation: 'trigger' } }`. */
  triggers?: { primary?: Record<string, string>; standby?: Record<string, string> };
  /** Lambda handlers by function name (more can be registered later on `lambda`). */
  registry?: Record<string, LocalLambdaHandler>;
  /** Create the drill pools (needs both sides). Default true when both sides run; `false` to skip. */
  pools?: boolean | DrillPoolsOptions;
  /** Extra options for both Cognito emulators. */
  cognitoOptions?: Partial<CognitoEmulatorOptions>;
}

/** The started emulators. Accessing a part that was not started throws. */
export interface EmulatorSet {
  readonly lambda: LambdaEndpoint;
  readonly sqs: SqsEmulator;
  readonly sqsClient: SQSClient;
  readonly primary: CognitoEmulator;
  readonly standby: CognitoEmulator;
  readonly primaryClient: CognitoIdentityProviderClient;
  readonly standbyClient: CognitoIdentityProviderClient;
  readonly pools: { primary: DrillPool; standby: DrillPool };
  /** Milliseconds `startEmulators` took. */
  readonly startupMs: number;
  /** Stops everything and deletes the temporary folders. Never rejects. */
  stop(): Promise<void>;
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} was not started (see EmulatorSetOptions)`);
  return value;
}

/** Starts the requested emulators in parallel. On failure, stops what had started and rethrows. */
export async function startEmulators(opts: EmulatorSetOptions = {}): Promise<EmulatorSet> {
  const t0 = Date.now();
  const sides = opts.cognito ?? ['primary', 'standby'];
  const stops: (() => Promise<unknown>)[] = [];
  let lambda: LambdaEndpoint | undefined;
  let sqs: SqsEmulator | undefined;
  let primary: CognitoEmulator | undefined;
  let standby: CognitoEmulator | undefined;
  let pools: { primary: DrillPool; standby: DrillPool } | undefined;
  const stopAll = async () => {
    await Promise.allSettled(stops.splice(0).map((s) => s()));
  };
  try {
    lambda = await startLambdaEndpoint({ registry: opts.registry });
    stops.push(() => lambda!.stop());
    const startSide = async (side: 'primary' | 'standby') => {
      const region = side === 'primary' ? (opts.primaryRegion ?? 'us-east-1') : (opts.standbyRegion ?? 'us-west-2');
      const e = await startCognitoEmulator({
        name: side,
        region,
        lambdaEndpoint: lambda!.endpoint,
        triggers: opts.triggers?.[side],
        ...opts.cognitoOptions,
      });
      stops.push(() => e.destroy());
      return e;
    };
    const [p, s, q] = await Promise.all([
      sides.includes('primary') ? startSide('primary') : undefined,
      sides.includes('standby') ? startSide('standby') : undefined,
      opts.sqs === false
        ? undefined
        : startSqsEmulator({ region: opts.primaryRegion ?? 'us-east-1' }).then((x) => {
            stops.push(() => x.stop());
            return x;
          }),
    ]);
    primary = p;
    standby = s;
    sqs = q;
    if (primary && standby && opts.pools !== false) {
      pools = await createDrillPools(
        primary.client(),
        standby.client(),
        typeof opts.pools === 'object' ? opts.pools : {},
      );
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  const startupMs = Date.now() - t0;
  const primaryClient = primary?.client();
  const standbyClient = standby?.client();
  const sqsClient = sqs?.client();
  return {
    get lambda() {
      return need(lambda, 'lambda');
    },
    get sqs() {
      return need(sqs, 'sqs');
    },
    get sqsClient() {
      return need(sqsClient, 'sqs');
    },
    get primary() {
      return need(primary, 'primary');
    },
    get standby() {
      return need(standby, 'standby');
    },
    get primaryClient() {
      return need(primaryClient, 'primary');
    },
    get standbyClient() {
      return need(standbyClient, 'standby');
    },
    get pools() {
      return need(pools, 'pools');
    },
    startupMs,
    stop: stopAll,
  };
}

/**
 * Registers `beforeAll`/`afterAll` hooks that start and stop an {@link EmulatorSet} for the
 * current test file. Returns an accessor usable inside tests.
 */
export function useEmulators(opts: EmulatorSetOptions = {}, timeoutMs = 90_000): () => EmulatorSet {
  let set: EmulatorSet | undefined;
  beforeAll(async () => {
    set = await startEmulators(opts);
  }, timeoutMs);
  afterAll(async () => {
    await set?.stop();
  }, timeoutMs);
  return () => {
    if (!set) throw new Error('emulators are not started (use inside a test)');
    return set;
  };
}

/**
 * Registers `beforeAll`/`afterAll` hooks that start the local S3 emulator with `bucket` made, and
 * stop it, for the current test file (call it before the file's own `beforeAll` that uses it).
 * Returns an accessor usable inside hooks and tests.
 */
export function useS3Bucket(bucket: string, region?: string): () => S3Emulator {
  let s3: S3Emulator | undefined;
  beforeAll(async () => {
    s3 = await startS3Emulator(region ? { region } : undefined);
    s3.createBucket(bucket);
  });
  afterAll(async () => {
    await s3?.stop();
  });
  return () => {
    if (!s3) throw new Error('the S3 emulator is not started (use inside a hook or a test)');
    return s3;
  };
}
