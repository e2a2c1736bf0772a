import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { awsClientConfig, hasAwsCredentials } from '../../../scripts/cli/common';
import { parseQuota } from '../../../src/config/fields';
import { cognitoGateway } from '../../../src/config/wiring';

const ROOT = join(__dirname, '..', '..', '..');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts', 'reconcile.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_PROFILE: '' } },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const POOLS = [
  '--source-region',
  'us-east-1',
  '--source-pool',
  'us-east-1_AAAA',
  '--target-region',
  'us-west-2',
  '--target-pool',
  'us-west-2_BBBB',
];

describe('reconcile CLI', () => {
  test('--help names every flag and what --deep costs; bad usage exits 2', async () => {
    const [help, badRegion, missing, importNoRole, badQuota] = await Promise.all([
      cli(['--help']),
      cli([...POOLS.slice(0, 1), 'US-EAST', ...POOLS.slice(2)]),
      cli(['--source-region', 'us-east-1']),
      cli([...POOLS, '--import']),
      cli([...POOLS, '--quota', 'Nonsense=3']),
    ]);
    expect(help.code).toBe(0);
    for (const flag of [
      '--source-region',
      '--source-pool',
      '--target-region',
      '--target-pool',
      '--source-endpoint',
      '--target-endpoint',
      '--apply',
      '--deep',
      '--import',
      '--delete-orphans',
      '--max-deletes',
      '--report',
      '--json',
      '--headroom',
      '--quota',
      '--checkpoint',
      '--import-role-arn',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toMatch(/--deep: one AdminGetUser per source user, and EVERY source user becomes a billed MAU/);
    expect(badRegion.code).toBe(2);
    expect(badRegion.stderr).toMatch(/AWS Region/);
    expect(missing.code).toBe(2);
    expect(importNoRole.code).toBe(2);
    expect(importNoRole.stderr).toMatch(/--import-role-arn/);
    expect(badQuota.code).toBe(2);
    expect(badQuota.stderr).toMatch(/unknown category Nonsense/);
  }, 60_000);
});

describe('CLI set-up', () => {
  test('--quota values', () => {
    expect(parseQuota('UserCreation=100', parseQuota('UserUpdate=12.5'))).toEqual({
      UserCreation: 100,
      UserUpdate: 12.5,
    });
    expect(() => parseQuota('UserUpdate')).toThrow(/Category=requests-per-second/);
    expect(() => parseQuota('UserUpdate=0')).toThrow(/above 0/);
  });

  test('with an endpoint and no credentials in the environment, local dummy credentials; otherwise the default chain', async () => {
    // The CLI decides the credentials (as every CLI does); the gateway signs with them.
    const credentialsFor = (endpoint: string | undefined, env: NodeJS.ProcessEnv) =>
      awsClientConfig('us-east-1', endpoint, env).credentials;
    expect(hasAwsCredentials({ HOME: '/nonexistent' })).toBe(false);
    expect(hasAwsCredentials({ AWS_PROFILE: 'ops', HOME: '/nonexistent' })).toBe(true);
    const local = cognitoGateway(
      {
        region: 'us-east-1',
        poolId: 'us-east-1_A',
        endpoint: 'http://127.0.0.1:1',
        credentials: credentialsFor('http://127.0.0.1:1', { HOME: '/nonexistent' }),
      },
      { headroom: 0.2 },
    );
    expect(await local.client.config.credentials()).toMatchObject({ accessKeyId: 'local', secretAccessKey: 'local' });
    const real = cognitoGateway(
      { region: 'us-east-1', poolId: 'us-east-1_A', credentials: credentialsFor(undefined, { HOME: '/nonexistent' }) },
      { headroom: 0.5, quotas: { UserUpdate: 50 } },
    );
    expect(real.limiter.rate('UserUpdate')).toBe(25);
    expect(credentialsFor('http://127.0.0.1:1', { AWS_ACCESS_KEY_ID: 'AKIA', HOME: '/nonexistent' })).toBeUndefined();
  });
});
