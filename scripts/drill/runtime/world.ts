/**
 * The local two-Region world the drill (and the integration tests) run in: per Region, the
 * emulators ({@link startRegion}), a pool configured like a production one, and the suite's
 * deployment ({@link Deployment}) replicating toward the other Region. Plus the population
 * model, the call accounting and a private temporary folder for reports and manifests.
 * @packageDocumentation
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CognitoGateway } from '../../../src/cognito/gateway';
import type { QuotaLimiter } from '../../../src/cognito/limiter';
import { cognitoGateway } from '../../../src/config/wiring';
import { type S3Emulator, startS3Emulator } from '../../local/s3';
import { RegionApp } from './app';
import { GatewayRegistry } from './calls';
import { Deployment } from './deployment';
import { credentialsOf, type FunctionKind, OPERATOR_CREDENTIALS, type Side } from './names';
import { Population } from './population';
import { createRegionPool, type Region, startRegion } from './region';

export interface WorldOptions {
  primaryRegion?: string;
  standbyRegion?: string;
  /** Divide the worker's back-off delays by this (see DeploymentOptions). Default 60. */
  retryTimeScale?: number;
  /** Sync queue visibility timeout, s. Default 6 (production 360, divided by 60). */
  visibilityTimeout?: number;
  /** Start the workers and change capture at once. Default true. */
  autostart?: boolean;
}

/** The backup bucket (the local S3): the workers' journal goes there, snapshots too. */
export interface BackupBucket {
  readonly s3: S3Emulator;
  readonly bucket: string;
  /** The prefix the backup writers are given (the pool's objects are under `<prefix>/<pool id>/`). */
  readonly prefix: string;
}

/** The drill's backup bucket and the prefix its writers use. */
export const BACKUP_BUCKET = 'cognito-drill-backups';
export const BACKUP_PREFIX = 'drill';

export interface World {
  readonly regions: Record<Side, Region>;
  readonly deployments: Record<Side, Deployment>;
  readonly apps: Record<Side, RegionApp>;
  readonly population: Population;
  readonly gateways: GatewayRegistry;
  readonly backup: BackupBucket;
  /** Private (0700) temporary folder: reports, checkpoints, manifests. Removed by stop(). */
  readonly workDir: string;
  readonly startupMs: number;
  /**
   * A gateway on `side`'s pool for one of the suite's tools, signed as `who` (a function role of
   * `asRegion`'s deployment, or the operator), with realistic quotas, counted.
   */
  gateway(side: Side, who: FunctionKind | 'operator', asRegion?: string, limiter?: QuotaLimiter): CognitoGateway;
  /** Stops every process and server and removes the temporary folders. Never rejects; every call waits for the same stop. */
  stop(): Promise<void>;
  readonly stopped: boolean;
}

/** Starts both Regions in parallel, creates the pools, and wires the deployments. */
export async function startWorld(o: WorldOptions = {}): Promise<World> {
  const t0 = Date.now();
  const regionNames: Record<Side, string> = {
    primary: o.primaryRegion ?? 'us-east-1',
    standby: o.standbyRegion ?? 'us-west-2',
  };
  const visibilityTimeout = o.visibilityTimeout ?? 6;
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'cognito-drill-'));
  const gateways = new GatewayRegistry();
  const started: Partial<Record<Side, Region>> = {};
  const deployments: Partial<Record<Side, Deployment>> = {};
  let s3: S3Emulator | undefined;
  // The folder holds manifests with contact data: removed by stop(), or at exit if stop() never ends.
  const removeWorkDir = () => rmSync(workDir, { recursive: true, force: true });
  process.once('exit', removeWorkDir);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.allSettled(Object.values(deployments).map((d) => d!.stop()));
      gateways.destroyAll();
      await Promise.allSettled([...Object.values(started).map((r) => r!.stop()), s3?.stop()]);
      removeWorkDir();
      process.off('exit', removeWorkDir);
    })());
  try {
    const [primary, standby] = await Promise.all(
      (['primary', 'standby'] as Side[]).map((side) =>
        startRegion({ side, region: regionNames[side], visibilityTimeout, maxReceiveCount: 35 }).then(
          (r) => (started[side] = r),
        ),
      ),
    );
    s3 = await startS3Emulator({ region: regionNames.primary });
    s3.createBucket(BACKUP_BUCKET);
    // Each Region's worker journals the users it replicates from its own pool (docs/BACKUP-journal.md).
    const backupEnv = { BACKUP_BUCKET, BACKUP_PREFIX, BACKUP_REGION: regionNames.primary, S3_ENDPOINT: s3.endpoint };
    await Promise.all([createRegionPool(primary, true), createRegionPool(standby, false)]);
    const regions = { primary, standby };
    const scale = o.retryTimeScale ?? 60;
    deployments.primary = new Deployment({
      local: primary,
      peer: standby,
      retryTimeScale: scale,
      onGateway: gateways.add,
      env: backupEnv,
    });
    deployments.standby = new Deployment({
      local: standby,
      peer: primary,
      retryTimeScale: scale,
      onGateway: gateways.add,
      env: backupEnv,
    });
    const d = deployments as Record<Side, Deployment>;
    if (o.autostart !== false) {
      for (const side of ['primary', 'standby'] as Side[]) {
        d[side].startWorker();
        d[side].startCapture();
      }
    }
    const world: World = {
      regions,
      deployments: d,
      apps: { primary: new RegionApp(primary), standby: new RegionApp(standby) },
      population: new Population(),
      gateways,
      backup: { s3, bucket: BACKUP_BUCKET, prefix: BACKUP_PREFIX },
      workDir,
      startupMs: Date.now() - t0,
      gateway(side, who, asRegion, limiter) {
        const r = regions[side];
        const credentials = who === 'operator' ? OPERATOR_CREDENTIALS : credentialsOf(asRegion ?? r.region, who);
        return gateways.add(
          cognitoGateway(
            { region: r.region, poolId: r.pool.poolId, endpoint: r.cognito.endpoint, credentials },
            { limiter },
          ),
          side,
          who,
        );
      },
      stop,
      get stopped() {
        return stopping !== undefined;
      },
    };
    return world;
  } catch (err) {
    await stop();
    throw err;
  }
}
