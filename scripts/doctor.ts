/**
 * npm run doctor -- --source-region R --source-pool ID --target-region R --target-pool ID
 *                   [--source-endpoint URL] [--target-endpoint URL] [--json]
 *
 * Compares the two pools and prints, per finding, what will break and the exact fix.
 * Exit 1 when something blocks replication or failover.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { comparePools, hasBlockers } from '../src/doctor/compare';
import { readPoolSnapshot } from '../src/doctor/read';
import { renderFindings } from '../src/doctor/render';
import { doctorFindingsRecord, doctorRecordName } from '../src/report';
import {
  buildGateway,
  EXIT,
  optPoolId,
  optRegion,
  optUrl,
  parseArgs,
  runMain,
  replicaAttributeOptions,
} from './cli/common';

const program = new Command('doctor')
  .description(
    'Compare the source and target pools (the primary and the standby, or the other way for a failback): what will break, and the exact fix. Exit 1 on blockers.',
  )
  .requiredOption('--source-region <region>', 'Region of the source pool (replicated from)', optRegion)
  .requiredOption('--source-pool <id>', 'the source user pool id', optPoolId)
  .requiredOption('--target-region <region>', 'Region of the target pool (replicated to)', optRegion)
  .requiredOption('--target-pool <id>', 'the target user pool id', optPoolId)
  .option('--source-endpoint <url>', 'Cognito endpoint override for the source', optUrl)
  .option('--target-endpoint <url>', 'Cognito endpoint override for the target', optUrl)
  .option('--json', 'print the findings as JSON', false)
  .option(
    '--report-dir <folder>',
    'also write the findings into this reports folder (doctor-<time>.json), where `npm run report` links them into the readiness page',
  );

replicaAttributeOptions(program);

async function main(): Promise<number> {
  parseArgs(program);
  const f = program.opts<{
    sourceRegion: string;
    sourcePool: string;
    targetRegion: string;
    targetPool: string;
    sourceEndpoint?: string;
    targetEndpoint?: string;
    sourceSubAttribute: string;
    mfaMarkerAttribute: string;
    json: boolean;
    reportDir?: string;
  }>();
  const [source, target] = await Promise.all([
    readPoolSnapshot(buildGateway({ region: f.sourceRegion, poolId: f.sourcePool, endpoint: f.sourceEndpoint })),
    readPoolSnapshot(buildGateway({ region: f.targetRegion, poolId: f.targetPool, endpoint: f.targetEndpoint })),
  ]);
  const findings = comparePools(source, target, {
    sourceSubAttribute: f.sourceSubAttribute,
    mfaMarkerAttribute: f.mfaMarkerAttribute,
  });
  const blocked = hasBlockers(findings);
  if (f.reportDir) {
    const record = doctorFindingsRecord(source.config, target.config, findings, new Date());
    await mkdir(f.reportDir, { recursive: true });
    await writeFile(join(f.reportDir, doctorRecordName(record)), `${JSON.stringify(record, null, 2)}\n`);
  }
  if (f.json) {
    const brief = (s: typeof source) => ({
      region: s.config.region,
      poolId: s.config.poolId,
      name: s.config.name,
      featurePlan: s.config.featurePlan,
      allowedFirstAuthFactors: s.config.allowedFirstAuthFactors,
    });
    process.stdout.write(
      `${JSON.stringify({ ok: !blocked, source: brief(source), target: brief(target), findings }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(`${renderFindings(source.config, target.config, findings).join('\n')}\n`);
  }
  return blocked ? EXIT.PROBLEMS : EXIT.OK;
}

void runMain(main);
