/**
 * Deployment checks (issues 2, 6 and 16): packages serverless.yml with osls for both Regions, offline,
 * and checks the CloudFormation template and the function zips against what docs/DEPLOY.md
 * promises: one least-privilege role per function, the queues' retry and retention settings,
 * encryption, the alarms, the trigger attachment, the runtime and the schedule. Every template
 * must also pass cfn-lint (issue 16), in each of four parameter combinations in both Regions.
 *
 * The expected IAM action sets below are written out from the design, on purpose not read from
 * serverless.yml: a change to a role must change this test too.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { loadChangeCaptureConfig, loadTriggerConfig, loadWorkerConfig } from '../../src/config';
import { loadBackupConfig } from '../../src/config/backup';
import { loadFailoverConfig } from '../../src/config/failover';
import { loadReconcileConfig } from '../../src/config/reconcile';
import { DEFAULT_BACKOFF, totalRetryWindowSeconds } from '../../src/core/backoff';
import { changeCapturePattern, defaultEchoRoleArns, TARGET_INPUT_PROPERTIES } from '../../src/change-capture/rule';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const OSLS = join(ROOT, 'node_modules/osls/bin/serverless.js');
const ACCOUNT = '123456789012';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

// ----------------------------------------------------------------------------- the cases

interface Case {
  name: string;
  /** The parameter combination, for the cfn-lint tests' titles. */
  combination: string;
  region: string;
  peerRegion: string;
  localPoolId: string;
  peerPoolId: string;
  params: Record<string, string>;
}

const GROUP_ROLE_MAP = '{"arn:aws:iam::123456789012:role/a":"arn:aws:iam::123456789012:role/b"}';
const EAST: Case = {
  name: 'east',
  combination: 'alarm e-mail',
  region: 'us-east-1',
  peerRegion: 'us-west-2',
  localPoolId: 'us-east-1_AAAA1111',
  peerPoolId: 'us-west-2_BBBB2222',
  params: { alarmEmail: 'ops@example.com', groupRoleMap: GROUP_ROLE_MAP },
};
const WEST: Case = {
  name: 'west',
  combination: 'defaults',
  region: 'us-west-2',
  peerRegion: 'us-east-1',
  localPoolId: 'us-west-2_BBBB2222',
  peerPoolId: 'us-east-1_AAAA1111',
  params: {},
};
/** The backup bucket of the cross-account case: in a separate backup account (docs/BACKUP.md). */
const BACKUP_ACCOUNT_BUCKET = {
  backupBucketArn: 'arn:aws:s3:::org-cognito-backups',
  backupKmsKeyArn: 'arn:aws:kms:eu-west-1:555566667777:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  backupBucketRegion: 'eu-west-1',
};
/**
 * Cross-account standby, group role map, existing alarm topic, custom schedule, import logs role,
 * dashboard, and the backup bucket in a backup account.
 */
const XACCT: Case = {
  name: 'xacct',
  combination: 'cross-account',
  region: 'us-west-2',
  peerRegion: 'us-east-1',
  localPoolId: 'us-west-2_BBBB2222',
  peerPoolId: 'us-east-1_CCCC3333',
  params: {
    standbyRoleArn: 'arn:aws:iam::210987654321:role/standby-writer',
    groupRoleMap: '{"arn:aws:iam::123456789012:role/a":"arn:aws:iam::210987654321:role/b"}',
    importLogsRoleArn: 'arn:aws:iam::210987654321:role/import-logs',
    alarmTopicArn: 'arn:aws:sns:us-west-2:123456789012:ops-alarms',
    reconcileSchedule: 'cron(0 3 * * ? *)',
    reconcileMode: 'apply',
    dashboard: 'true',
    // The peer writes into this pool through a role of this account: its changes are echoes too.
    echoRoleArns: 'arn:aws:iam::123456789012:role/standby-writer-from-peer',
    ...BACKUP_ACCOUNT_BUCKET,
    backupPrefix: 'team-a/cognito',
  },
};
/**
 * The rest of the cfn-lint matrix (issue 16): each of the four combinations (defaults, alarm e-mail,
 * existing alarm topic, cross-account standby with group role map, import logs role and dashboard)
 * in both Regions. Every check below runs on these too.
 */
const EAST_DEFAULTS: Case = { ...EAST, name: 'east-defaults', combination: 'defaults', params: {} };
const WEST_EMAIL: Case = {
  ...WEST,
  name: 'west-email',
  combination: 'alarm e-mail',
  params: { alarmEmail: 'ops@example.com' },
};
const EAST_TOPIC: Case = {
  ...EAST,
  name: 'east-topic',
  combination: 'existing alarm topic',
  params: { alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops-alarms', alarmEmail: 'ignored@example.com' },
};
const WEST_TOPIC: Case = {
  ...WEST,
  name: 'west-topic',
  combination: 'existing alarm topic',
  // The dashboard turned off (it is on by default, issue 14), and backups off (no worker journal).
  params: {
    alarmTopicArn: 'arn:aws:sns:us-west-2:123456789012:ops-alarms',
    dashboard: 'false',
    backupEnabled: 'false',
  },
};
/** Cross-account from us-east-1, with the alarm topic and e-mail subscription of its own. */
const EAST_XACCT: Case = {
  name: 'east-xacct',
  combination: 'cross-account',
  region: 'us-east-1',
  peerRegion: 'us-west-2',
  localPoolId: 'us-east-1_AAAA1111',
  peerPoolId: 'us-west-2_DDDD4444',
  params: {
    standbyRoleArn: 'arn:aws:iam::210987654321:role/standby-writer',
    groupRoleMap: GROUP_ROLE_MAP,
    importLogsRoleArn: 'arn:aws:iam::210987654321:role/import-logs',
    alarmEmail: 'ops@example.com',
    dashboard: 'true',
  },
};
const CASES = [EAST, WEST, XACCT, EAST_DEFAULTS, WEST_EMAIL, EAST_TOPIC, WEST_TOPIC, EAST_XACCT];

// ----------------------------------------------------------------------------- expected permissions

const WORKER_LOCAL = [
  'AdminGetUser',
  'AdminListGroupsForUser',
  'ListGroups',
  'GetGroup',
  'DescribeUserPool',
  'ListUsers',
];
const WORKER_PEER = [
  'DescribeUserPool',
  'ListUsers',
  'AdminGetUser',
  'AdminCreateUser',
  'AdminSetUserPassword',
  'AdminUpdateUserAttributes',
  'AdminDeleteUserAttributes',
  'AdminEnableUser',
  'AdminDisableUser',
  'AdminAddUserToGroup',
  'AdminRemoveUserFromGroup',
  'AdminListGroupsForUser',
  'ListGroups',
  'GetGroup',
  'CreateGroup',
  'AdminSetUserMFAPreference',
  'AdminDeleteUser',
  'AdminLinkProviderForUser',
];
const RECONCILE_LOCAL = [...WORKER_LOCAL, 'ListUsersInGroup'];
const RECONCILE_PEER = [
  ...WORKER_PEER,
  'ListUsersInGroup',
  'GetCSVHeader',
  'CreateUserImportJob',
  'StartUserImportJob',
  'DescribeUserImportJob',
];
const cognito = (actions: string[]) => [...new Set(actions.map((a) => `cognito-idp:${a}`))].sort();

// ----------------------------------------------------------------------------- packaging

interface Packaged {
  c: Case;
  dir: string;
  template: Json;
  seconds: number;
}

const packaged = new Map<string, Packaged>();
let workDir = '';

function oslsEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_SDK_LOAD_CONFIG: '0',
    AWS_EC2_METADATA_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    FORCE_COLOR: '0',
  };
}

async function osls(
  c: Case,
  extra: Record<string, string>,
  outDir: string,
): Promise<{ stdout: string; stderr: string }> {
  const params = {
    localPoolId: c.localPoolId,
    peerPoolId: c.peerPoolId,
    peerRegion: c.peerRegion,
    ...c.params,
    ...extra,
  };
  const args = [OSLS, 'package', '--stage', 'test', '--region', c.region, '--package', outDir];
  for (const [k, v] of Object.entries(params)) args.push(`--param=${k}=${v}`);
  return run(process.execPath, args, { cwd: ROOT, env: oslsEnv(), timeout: 240_000, maxBuffer: 16 * 1024 * 1024 });
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'css-package-'));
  // One at a time: serverless-esbuild builds in <root>/.esbuild, shared by every run.
  for (const c of CASES) {
    const dir = join(workDir, c.name);
    const started = Date.now();
    try {
      await osls(c, {}, dir);
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`osls package (${c.name}) failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    }
    const seconds = (Date.now() - started) / 1000;
    const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
    packaged.set(c.name, { c, dir, template, seconds });
  }
  const timings = [...packaged.values()].map((p) => `${p.c.name} (${p.c.region}) ${p.seconds.toFixed(1)} s`);
  console.log(`osls package: ${timings.join(', ')}`);
}, 600_000);

afterAll(() => {
  if (workDir && !process.env.KEEP_PACKAGES) rmSync(workDir, { recursive: true, force: true });
});

function get(name: string): Packaged {
  const p = packaged.get(name);
  if (!p) throw new Error(`case ${name} was not packaged`);
  return p;
}

// ----------------------------------------------------------------------------- template helpers

/**
 * Where a template holds something that only a condition would decide, or an empty value: none
 * is expected (issue 16), so the checks below read the template as it is.
 */
function undecided(node: Json, path = ''): string[] {
  if (node === '' || node === null) return [`${path}: empty`];
  if (Array.isArray(node)) return node.flatMap((n, i) => undecided(n, `${path}/${i}`));
  if (node && typeof node === 'object') {
    return Object.entries(node).flatMap(([k, v]) => {
      const here = `${path}/${k}`;
      if (k === 'Condition' && typeof v === 'string') return [`${here}: condition ${v}`];
      if (['Fn::If', 'Fn::Equals', 'Fn::Not', 'Fn::And', 'Fn::Or'].includes(k)) return [`${here}: ${k}`];
      if (k === 'Ref' && v === 'AWS::NoValue') return [`${here}: AWS::NoValue`];
      if (k === 'Fn::Join') return undecided((v as Json[])[1], `${here}/1`); // an empty separator is fine
      return undecided(v, here);
    });
  }
  return [];
}

/** A resource reference or ARN as a comparable string. */
function render(value: Json, region: string): string {
  if (typeof value === 'string') return value;
  if (value?.Ref) return value.Ref.startsWith('AWS::') ? pseudo(value.Ref, region) : `Ref:${value.Ref}`;
  if (value?.['Fn::GetAtt']) return `GetAtt:${value['Fn::GetAtt'].join('.')}`;
  if (value?.['Fn::Sub'] && typeof value['Fn::Sub'] === 'string') {
    return value['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_: string, name: string) =>
      name.startsWith('AWS::') ? pseudo(name, region) : name.includes('.') ? `GetAtt:${name}` : `Ref:${name}`,
    );
  }
  if (value?.['Fn::Join']) {
    const [sep, parts] = value['Fn::Join'];
    return (parts as Json[]).map((part) => render(part, region)).join(sep);
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** A template value with Fn::Sub / Fn::Split evaluated (pseudo parameters replaced), as CloudFormation would. */
function resolveIntrinsics(node: Json, region: string): Json {
  if (Array.isArray(node)) return node.map((n) => resolveIntrinsics(n, region));
  if (node && typeof node === 'object') {
    if (node['Fn::Sub'] !== undefined) return render(node, region);
    if (node['Fn::Split']) {
      const [sep, value] = node['Fn::Split'];
      return String(resolveIntrinsics(value, region)).split(sep);
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveIntrinsics(v, region)]));
  }
  return node;
}

function pseudo(name: string, region: string): string {
  const values: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': region, 'AWS::AccountId': ACCOUNT };
  if (!(name in values)) throw new Error(`unexpected pseudo parameter ${name}`);
  return values[name];
}

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const poolArn = (region: string, id: string) => `arn:aws:cognito-idp:${region}:${ACCOUNT}:userpool/${id}`;

interface Statement {
  Effect: string;
  Action: string[];
  Resource: string[];
  Condition?: Json;
  where: string;
}

/** Every policy statement of the template (identity and resource policies); a role's inline policies as `<role id>/<policy name>`. */
function statements(p: Packaged): Statement[] {
  const out: Statement[] = [];
  const docs: { doc: Json; where: string }[] = [];
  for (const [id, r] of Object.entries<Json>(p.template.Resources)) {
    if (r.Type === 'AWS::IAM::Role') {
      for (const pol of asList<Json>(r.Properties.Policies))
        docs.push({ doc: pol.PolicyDocument, where: `${id}/${pol.PolicyName}` });
    }
    if (r.Type === 'AWS::IAM::RolePolicy') {
      const role = r.Properties.RoleName?.Ref;
      if (!role) throw new Error(`${id}: RoleName must reference a role of this template`);
      docs.push({ doc: r.Properties.PolicyDocument, where: `${role}/${r.Properties.PolicyName}` });
    }
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      docs.push({ doc: r.Properties.PolicyDocument, where: id });
    if (/^AWS::(S3::BucketPolicy|SQS::QueuePolicy|SNS::TopicPolicy)$/.test(r.Type))
      docs.push({ doc: r.Properties.PolicyDocument, where: id });
  }
  for (const { doc, where } of docs) {
    for (const s of asList<Json>(doc.Statement)) {
      out.push({
        Effect: s.Effect,
        Action: asList<string>(s.Action),
        Resource: asList<Json>(s.Resource).map((v) => render(v, p.c.region)),
        Condition: s.Condition,
        where,
      });
    }
  }
  return out;
}

function roleStatements(p: Packaged, roleId: string): Statement[] {
  return statements(p).filter((s) => s.where.startsWith(`${roleId}/`));
}

/** cognito-idp actions of a role, by resource. */
function cognitoByResource(p: Packaged, roleId: string): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const s of roleStatements(p, roleId)) {
    const actions = s.Action.filter((a) => a.startsWith('cognito-idp:'));
    if (!actions.length) continue;
    for (const r of s.Resource) for (const a of actions) (out[r] ??= new Set()).add(a);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]));
}

function functions(p: Packaged): Record<string, Json> {
  return Object.fromEntries(
    Object.entries<Json>(p.template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function'),
  );
}

/** A function's environment as Lambda would see it (references replaced by plausible values). */
function environment(p: Packaged, fnId: string): Record<string, string> {
  const fn = p.template.Resources[fnId];
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries<Json>(fn.Properties.Environment?.Variables ?? {})) {
    if (typeof v === 'string') out[k] = v;
    else if (v?.Ref === 'ReplicaIndexTable')
      out[k] = 'cognito-standby-sync-test-replica-index'; // a table name
    else if (v?.Ref === 'BackupBucket')
      out[k] = 'cognito-standby-sync-test-backupbucket-1a2b3c'; // a bucket name
    else if (v?.Ref)
      out[k] = `https://sqs.${p.c.region}.amazonaws.com/${ACCOUNT}/${v.Ref}`; // queue URLs (and the bucket name)
    else if (v?.['Fn::Sub']) out[k] = render(v, p.c.region);
    else if (v?.['Fn::GetAtt']?.[1] === 'QueueName')
      out[k] = p.template.Resources[v['Fn::GetAtt'][0]].Properties.QueueName; // a queue name
    else if (v?.['Fn::GetAtt']) out[k] = `arn:aws:lambda:${p.c.region}:${ACCOUNT}:function:${v['Fn::GetAtt'][0]}`;
    else throw new Error(`${fnId} ${k}: unexpected value ${JSON.stringify(v)}`);
  }
  return { AWS_REGION: p.c.region, ...out };
}

// ----------------------------------------------------------------------------- zip helpers

/** The files of a zip archive (stored or deflated entries), read with node:zlib only. */
function readZip(file: string): Map<string, Buffer> {
  const buf = readFileSync(file);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${file}: not a zip`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory`);
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataAt, dataAt + size);
    if (!name.endsWith('/')) files.set(name, method === 0 ? Buffer.from(raw) : inflateRawSync(raw));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

// ----------------------------------------------------------------------------- tests

describe.each(CASES.map((c) => [c.name, c] as const))('osls package (%s)', (name, c) => {
  const p = () => get(name);
  const localArn = poolArn(c.region, c.localPoolId);
  const peerArn = poolArn(c.peerRegion, c.peerPoolId);
  const crossAccount = Boolean(c.params.standbyRoleArn);

  test('every function has its own role; no framework default role or custom resource', () => {
    const fns = functions(p());
    expect(Object.keys(fns).sort()).toEqual([
      'BackupSnapshotLambdaFunction',
      'BackupVerifyLambdaFunction',
      'FailoverLambdaFunction',
      'ReconcileLambdaFunction',
      'TriggerLambdaFunction',
      'WorkerLambdaFunction',
    ]);
    const roles = Object.entries(fns).map(([id, fn]) => {
      const role = id.replace('LambdaFunction', 'Role');
      expect(render(fn.Properties.Role, c.region)).toBe(`GetAtt:${role}.Arn`);
      return role;
    });
    expect(new Set(roles).size).toBe(6);
    for (const role of roles) {
      expect(p().template.Resources[role].Type).toBe('AWS::IAM::Role');
      const name = p().template.Resources[role].Properties.RoleName as string;
      expect(name).toContain(c.region);
      expect(name.length).toBeLessThanOrEqual(64);
    }
    const types = Object.values<Json>(p().template.Resources).map((r) => r.Type as string);
    expect(p().template.Resources.IamRoleLambdaExecution).toBeUndefined();
    expect(types.filter((t) => t.startsWith('Custom::'))).toEqual([]);
  });

  test('no wildcard action; no wildcard resource for cognito-idp, sqs, s3 or kms', () => {
    const all = statements(p());
    expect(all.length).toBeGreaterThan(10);
    for (const s of all.filter((x) => x.Effect === 'Allow')) {
      for (const a of s.Action)
        expect({ where: s.where, action: a, wildcard: a === '*' || a.endsWith(':*') || a.includes('*') }).toMatchObject(
          { wildcard: false },
        );
      const services = new Set(s.Action.map((a) => a.split(':')[0]));
      for (const r of s.Resource) {
        const star = r === '*' || /^arn:aws:[^:]*:[^:]*:[^:]*:\*$/.test(r);
        const sensitive = ['cognito-idp', 'sqs', 's3', 'kms'].some((svc) => services.has(svc));
        expect({ where: s.where, resource: r, star: star && sensitive }).toMatchObject({ star: false });
      }
    }
    // Function roles name exact resources only; the exceptions: the key prefixes they write (the
    // state bucket's, and the worker's backup journal and erasure ledger, exactly those two), and
    // the reconciler's cloudwatch:GetMetricData, which has no resource-level permissions (its own
    // test below).
    const bucket = c.params.backupBucketArn ?? 'GetAtt:BackupBucket.Arn';
    const pool = `${bucket}/${c.params.backupPrefix ?? 'cognito-backup'}/${c.localPoolId}`;
    const journalPrefixes = [`${pool}/journal/*`, `${pool}/erasures/*`];
    const getMetricDataOnly = (s: Statement) => s.Action.length === 1 && s.Action[0] === 'cloudwatch:GetMetricData';
    for (const role of ['TriggerRole', 'WorkerRole', 'ReconcileRole', 'FailoverRole']) {
      for (const s of roleStatements(p(), role).filter((x) => role !== 'ReconcileRole' || !getMetricDataOnly(x)))
        expect(
          s.Resource.filter(
            (r) =>
              r.includes('*') &&
              !r.startsWith('GetAtt:StateBucket.Arn/') &&
              !(role === 'WorkerRole' && journalPrefixes.includes(r)),
          ),
        ).toEqual([]);
      if (role !== 'ReconcileRole')
        expect(roleStatements(p(), role).filter((s) => s.Action.some((a) => a.startsWith('cloudwatch:')))).toEqual([]);
    }
  });

  test('the trigger may only send to the sync queue (and write its own logs)', () => {
    const st = roleStatements(p(), 'TriggerRole');
    const nonLog = st.filter((s) => !s.Action.every((a) => a.startsWith('logs:')));
    expect(nonLog.map((s) => [s.Action, s.Resource])).toEqual([[['sqs:SendMessage'], ['GetAtt:SyncQueue.Arn']]]);
    expect(cognitoByResource(p(), 'TriggerRole')).toEqual({});
  });

  test('each role writes only its own log group', () => {
    for (const [role, group] of [
      ['TriggerRole', 'TriggerLogGroup'],
      ['WorkerRole', 'WorkerLogGroup'],
      ['ReconcileRole', 'ReconcileLogGroup'],
      ['FailoverRole', 'FailoverLogGroup'],
      ['BackupSnapshotRole', 'BackupSnapshotLogGroup'],
      ['BackupVerifyRole', 'BackupVerifyLogGroup'],
    ]) {
      const logs = roleStatements(p(), role).filter((s) => s.Action.some((a) => a.startsWith('logs:')));
      expect(logs.map((s) => [s.Action.sort(), s.Resource])).toEqual([
        [['logs:CreateLogStream', 'logs:PutLogEvents'], [`GetAtt:${group}.Arn`]],
      ]);
    }
  });

  test('worker: exact Cognito actions on the local pool (own Region) and the peer pool (peer Region)', () => {
    const expected: Record<string, string[]> = { [localArn]: cognito(WORKER_LOCAL) };
    if (!crossAccount) expected[peerArn] = cognito(WORKER_PEER);
    expect(cognitoByResource(p(), 'WorkerRole')).toEqual(expected);
    const sqs = roleStatements(p(), 'WorkerRole').filter((s) => s.Action.some((a) => a.startsWith('sqs:')));
    expect(sqs.map((s) => [s.Action.sort(), s.Resource])).toEqual([
      [
        ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
        ['GetAtt:SyncQueue.Arn'],
      ],
      [['sqs:SendMessage'], ['GetAtt:SyncDeadLetterQueue.Arn']],
    ]);
  });

  test('reconcile: exact Cognito actions, its state bucket, import logs role only when configured', () => {
    const expected: Record<string, string[]> = { [localArn]: cognito(RECONCILE_LOCAL) };
    if (!crossAccount) expected[peerArn] = cognito(RECONCILE_PEER);
    expect(cognitoByResource(p(), 'ReconcileRole')).toEqual(expected);
    const st = roleStatements(p(), 'ReconcileRole');
    const s3 = st.filter((s) => s.Action.some((a) => a.startsWith('s3:')));
    expect(s3.map((s) => [s.Action.sort(), s.Resource])).toEqual([
      [['s3:ListBucket'], ['GetAtt:StateBucket.Arn']],
      [['s3:GetObject', 's3:PutObject'], ['GetAtt:StateBucket.Arn/*']],
      [['s3:DeleteObject'], ['GetAtt:StateBucket.Arn/checkpoints/*']],
    ]);
    // The queue observation on the readiness page: GetMetricData only, on "*" (it has no
    // resource-level permissions: Service Authorization Reference, Amazon CloudWatch).
    const cw = st.filter((s) => s.Action.some((a) => a.startsWith('cloudwatch:')));
    expect(cw.map((s) => [s.Effect, s.Action, s.Resource, s.Condition])).toEqual([
      ['Allow', ['cloudwatch:GetMetricData'], ['*'], undefined],
    ]);
    const pass = st.filter((s) => s.Action.includes('iam:PassRole'));
    if (c.params.importLogsRoleArn) {
      expect(pass.map((s) => [s.Resource, s.Condition])).toEqual([
        [[c.params.importLogsRoleArn], { StringEquals: { 'iam:PassedToService': 'cognito-idp.amazonaws.com' } }],
      ]);
    } else {
      expect(pass).toEqual([]);
    }
  });

  test('failover job: the local pool only (its own Region), its table, failover/* of the state bucket, itself', () => {
    expect(cognitoByResource(p(), 'FailoverRole')).toEqual({
      [localArn]: cognito(['AdminGetUser', 'AdminResetUserPassword', 'DescribeUserPool', 'ListUsers']),
    });
    const st = roleStatements(p(), 'FailoverRole');
    const other = st.filter((s) => !s.Action.every((a) => a.startsWith('logs:') || a.startsWith('cognito-idp:')));
    expect(other.map((s) => [s.Action.sort(), s.Resource])).toEqual([
      [
        ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        ['GetAtt:FailoverTable.Arn'],
      ],
      [['s3:GetObject', 's3:PutObject'], ['GetAtt:StateBucket.Arn/failover/*']],
      [
        ['lambda:InvokeFunction'],
        [`arn:aws:lambda:${c.region}:123456789012:function:cognito-standby-sync-test-failover`],
      ],
    ]);
    // Nothing names the peer Region.
    expect(JSON.stringify(p().template.Resources.FailoverRole)).not.toContain(c.peerRegion);
    const fn = p().template.Resources.FailoverLambdaFunction.Properties;
    expect(fn.Timeout).toBe(900);
    expect(fn.ReservedConcurrentExecutions).toBe(1);
    expect(p().template.Resources.FailoverLambdaFunction.Properties.Events).toBeUndefined();
    expect(
      Object.values<Json>(p().template.Resources).filter(
        (r) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r).includes('FailoverLambdaFunction'),
      ),
    ).toEqual([]);
    expect(fn.Environment.Variables).toMatchObject({
      FAILOVER_TABLE: { Ref: 'FailoverTable' },
      STATE_BUCKET: { Ref: 'StateBucket' },
    });
    const config = loadFailoverConfig({
      ...environment(p(), 'FailoverLambdaFunction'),
      FAILOVER_TABLE: 'cognito-standby-sync-test-failover',
      STATE_BUCKET: 'cognito-standby-sync-test-state',
    });
    expect(config).toMatchObject({ poolId: c.localPoolId, region: c.region });
    const table = p().template.Resources.FailoverTable;
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).toEqual({
      TableName: 'cognito-standby-sync-test-failover',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  test('cross-account standby: sts:AssumeRole on exactly the standby role, only when configured', () => {
    for (const role of ['TriggerRole', 'WorkerRole', 'ReconcileRole', 'FailoverRole']) {
      const assume = roleStatements(p(), role).filter((s) => s.Action.some((a) => a.startsWith('sts:')));
      const expected =
        crossAccount && role !== 'TriggerRole' && role !== 'FailoverRole'
          ? [[['sts:AssumeRole'], [c.params.standbyRoleArn]]]
          : [];
      expect(assume.map((s) => [s.Action, s.Resource])).toEqual(expected);
    }
  });

  test('sync queue: redrive to the DLQ after more receives than MAX_ATTEMPTS, retention and visibility fit the back-off', () => {
    const q = p().template.Resources.SyncQueue.Properties;
    const dlq = p().template.Resources.SyncDeadLetterQueue.Properties;
    const worker = p().template.Resources.WorkerLambdaFunction.Properties;
    const maxAttempts = Number(worker.Environment.Variables.MAX_ATTEMPTS);
    expect(maxAttempts).toBe(DEFAULT_BACKOFF.maxAttempts);
    expect(q.RedrivePolicy.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': ['SyncDeadLetterQueue', 'Arn'] });
    expect(q.RedrivePolicy.maxReceiveCount).toBe(35);
    expect(q.RedrivePolicy.maxReceiveCount).toBeGreaterThan(maxAttempts);
    expect(dlq.MessageRetentionPeriod).toBe(1209600);
    // The whole back-off schedule (about 24 h) plus a margin fits in the retention period.
    expect(q.MessageRetentionPeriod).toBe(345600);
    expect(q.MessageRetentionPeriod).toBeGreaterThan(totalRetryWindowSeconds() * 2);
    expect(q.VisibilityTimeout).toBeGreaterThanOrEqual(6 * worker.Timeout);
  });

  test('queues and bucket are encrypted; the bucket is private and expires old reports', () => {
    for (const id of ['SyncQueue', 'SyncDeadLetterQueue']) {
      const props = p().template.Resources[id].Properties;
      expect(props.SqsManagedSseEnabled === true || Boolean(props.KmsMasterKeyId)).toBe(true);
    }
    const b = p().template.Resources.StateBucket.Properties;
    expect(b.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toMatch(
      /AES256|aws:kms/,
    );
    expect(b.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(b.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Prefix: 'reports/', ExpirationInDays: 90, Status: 'Enabled' }),
      ]),
    );
  });

  test('the worker consumes the sync queue with ReportBatchItemFailures', () => {
    const maps = Object.values<Json>(p().template.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::EventSourceMapping',
    );
    expect(maps).toHaveLength(1);
    expect(maps[0].Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['SyncQueue', 'Arn'] },
      FunctionName: { 'Fn::GetAtt': ['WorkerLambdaFunction', 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      Enabled: true,
    });
  });

  test('alarms exist and notify the alarm topic', () => {
    const alarms = Object.entries<Json>(p().template.Resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
    const byMetric = Object.fromEntries(
      alarms.map(([id, r]) => [id, `${r.Properties.Namespace}/${r.Properties.MetricName}`]),
    );
    expect(byMetric).toEqual({
      DlqNotEmptyAlarm: 'AWS/SQS/ApproximateNumberOfMessagesVisible',
      SyncQueueAgeAlarm: 'AWS/SQS/ApproximateAgeOfOldestMessage',
      WorkerErrorsAlarm: 'AWS/Lambda/Errors',
      TriggerErrorsAlarm: 'AWS/Lambda/Errors',
      TriggerSendFailuresAlarm: 'CognitoStandbySync/TriggerSendFailures',
      ReplicationLagAlarm: 'CognitoStandbySync/ReplicationLagMs',
      ChangeCaptureDeliveryAlarm: 'AWS/Events/FailedInvocations',
      DriftAlarm: 'CognitoStandbySync/DriftUsers',
      ReconcileErrorsAlarm: 'AWS/Lambda/Errors',
      BackupSnapshotErrorsAlarm: 'AWS/Lambda/Errors',
      BackupVerifyErrorsAlarm: 'AWS/Lambda/Errors',
    });
    const resources = p().template.Resources;
    const topic = c.params.alarmTopicArn ?? 'Ref:AlarmTopic';
    expect(resources.AlarmTopic?.Type).toBe(c.params.alarmTopicArn ? undefined : 'AWS::SNS::Topic');
    expect(render(p().template.Outputs.AlarmTopicArn.Value, c.region)).toBe(topic);
    const serviceName = resources.WorkerLambdaFunction.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME;
    for (const [id, { Properties: a }] of alarms) {
      expect({ id, actions: a.AlarmActions.map((x: Json) => render(x, c.region)) }).toEqual({ id, actions: [topic] });
      for (const x of a.OKActions ?? []) expect({ id, ok: render(x, c.region) }).toEqual({ id, ok: topic });
      // Custom metrics carry only Powertools' default `service` dimension, which is the functions' service name.
      if (a.Namespace === 'CognitoStandbySync') expect(a.Dimensions).toEqual([{ Name: 'service', Value: serviceName }]);
    }
    const dlqAlarm = p().template.Resources.DlqNotEmptyAlarm.Properties;
    expect(dlqAlarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(dlqAlarm.Dimensions).toEqual([
      { Name: 'QueueName', Value: { 'Fn::GetAtt': ['SyncDeadLetterQueue', 'QueueName'] } },
    ]);
    // alarmEmail subscribes to the topic this stack creates; with alarmTopicArn it is ignored.
    const subscribed = Boolean(c.params.alarmEmail) && !c.params.alarmTopicArn;
    expect(Boolean(resources.AlarmEmailSubscription)).toBe(subscribed);
    if (subscribed) {
      expect(resources.AlarmEmailSubscription.Properties).toEqual({
        TopicArn: { Ref: 'AlarmTopic' },
        Protocol: 'email',
        Endpoint: c.params.alarmEmail,
      });
    }
    // On by default (issue 14); dashboard=false leaves it out.
    expect(Boolean(resources.Dashboard)).toBe(c.params.dashboard !== 'false');
  });

  test('issue 14: the dashboard shows lag, queue age, DLQ depth, drift after the last run and throttles per quota category', () => {
    const dashboard = p().template.Resources.Dashboard;
    if (c.params.dashboard === 'false') {
      expect(dashboard).toBeUndefined();
      return;
    }
    expect(dashboard).toBeDefined();
    const [body, values] = dashboard.Properties.DashboardBody['Fn::Sub'] as [string, Record<string, unknown>];
    const json = JSON.parse(body.replace(/\$\{[^}]+\}/g, 'X')) as { widgets: { properties: Json }[] };
    const metricNames = json.widgets.flatMap((w) =>
      (w.properties.metrics as Json[][]).flatMap((m) => m.filter((x) => typeof x === 'string')),
    );
    for (const name of [
      'ReplicationLagMs',
      'ApproximateAgeOfOldestMessage',
      'ApproximateNumberOfMessagesVisible',
      'DriftUsers',
      'RemainingDriftUsers',
      'ReadinessPercent',
    ])
      expect(metricNames).toContain(name);
    const expressions = json.widgets.flatMap((w) =>
      (w.properties.metrics as Json[][]).flatMap((m) => m.filter((x) => x && typeof x === 'object' && x.expression)),
    );
    expect(expressions.map((e: Json) => e.expression)).toEqual([
      expect.stringMatching(/SEARCH\('Namespace="AWS\/Usage" MetricName="ThrottleCount" Cognito'/),
    ]);
    // Every ${Name} of the body is given a value (or is a pseudo parameter).
    const names = [...body.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]).filter((n) => !n.startsWith('AWS::'));
    for (const n of names) expect(Object.keys(values)).toContain(n);
  });

  test('issue 16: the template holds only what the configuration uses: no condition, no Fn::If, no empty value', () => {
    const t = p().template;
    expect(t.Conditions).toBeUndefined();
    expect([...undecided(t.Resources, 'Resources'), ...undecided(t.Outputs, 'Outputs')]).toEqual([]);
    const env = (fn: string) => Object.keys(t.Resources[fn].Properties.Environment.Variables);
    for (const fn of ['WorkerLambdaFunction', 'ReconcileLambdaFunction']) {
      expect({ fn, standbyRole: env(fn).includes('STANDBY_ROLE_ARN') }).toEqual({ fn, standbyRole: crossAccount });
      expect({ fn, groupRoleMap: env(fn).includes('GROUP_ROLE_MAP') }).toEqual({
        fn,
        groupRoleMap: Boolean(c.params.groupRoleMap),
      });
    }
    expect(env('ReconcileLambdaFunction').includes('IMPORT_LOGS_ROLE_ARN')).toBe(Boolean(c.params.importLogsRoleArn));
    // The import logs permission is an inline policy of its own: the reconciler starts only once it is attached.
    const importPolicy = t.Resources.ReconcileImportLogsPolicy;
    expect(importPolicy?.Type).toBe(c.params.importLogsRoleArn ? 'AWS::IAM::RolePolicy' : undefined);
    if (importPolicy) expect(t.Resources.ReconcileLambdaFunction.DependsOn).toContain('ReconcileImportLogsPolicy');
  });

  test('the trigger attachment names the configured local pool and nothing else', () => {
    const perms = Object.values<Json>(p().template.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Permission' && r.Properties.Principal === 'cognito-idp.amazonaws.com',
    );
    expect(perms).toHaveLength(1);
    expect(perms[0].Properties.FunctionName).toEqual({ 'Fn::GetAtt': ['TriggerLambdaFunction', 'Arn'] });
    expect(render(perms[0].Properties.SourceArn, c.region)).toBe(localArn);
    expect(perms[0].Properties.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
    expect(p().template.Outputs.TriggerFunctionArn.Value).toEqual({ 'Fn::GetAtt': ['TriggerLambdaFunction', 'Arn'] });
    expect(p().template.Outputs.LocalPoolId.Value).toBe(c.localPoolId);
  });

  test("runtime nodejs22.x on arm64; the trigger fits in Cognito's 5 s", () => {
    for (const [id, fn] of Object.entries(functions(p()))) {
      expect({ id, runtime: fn.Properties.Runtime, arch: fn.Properties.Architectures }).toEqual({
        id,
        runtime: 'nodejs22.x',
        arch: ['arm64'],
      });
    }
    expect(p().template.Resources.TriggerLambdaFunction.Properties.Timeout).toBeLessThan(5);
  });

  // Backup (issue 13, docs/BACKUP.md): the bucket's name, ARN and key as this case has them.
  const backupAccount = Boolean(c.params.backupBucketArn);
  const backupPrefix = c.params.backupPrefix ?? 'cognito-backup';
  const backupBucketArn = backupAccount ? c.params.backupBucketArn : 'GetAtt:BackupBucket.Arn';
  const backupObjects = `${backupBucketArn}/${backupPrefix}/${c.localPoolId}/*`;
  const backupKey = backupAccount ? c.params.backupKmsKeyArn : 'GetAtt:BackupKey.Arn';
  const actionsOf = (role: string) =>
    roleStatements(p(), role)
      .filter((s) => !s.Action.every((a) => a.startsWith('logs:')))
      .map((s) => [s.Action.sort(), s.Resource, s.Condition]);

  test('backup snapshot: list calls on the local pool, put-new objects under <prefix>/<pool>/ only, its own checkpoints read, itself invoked', () => {
    expect(cognitoByResource(p(), 'BackupSnapshotRole')).toEqual({
      [localArn]: cognito([
        'DescribeUserPool',
        'GetUserPoolMfaConfig',
        'ListUsers',
        'ListGroups',
        'ListUsersInGroup',
        // The configuration: app clients, identity providers (secrets left out), resource servers.
        'ListUserPoolClients',
        'DescribeUserPoolClient',
        'ListIdentityProviders',
        'DescribeIdentityProvider',
        'ListResourceServers',
      ]),
    });
    expect(actionsOf('BackupSnapshotRole').filter(([a]) => !(a as string[])[0].startsWith('cognito-idp:'))).toEqual([
      [['s3:PutObject'], [backupObjects], undefined],
      [['kms:GenerateDataKey'], [backupKey], undefined],
      // A snapshot continued across invocations: its own snapshots/ listed, only checkpoints read.
      [
        ['s3:ListBucket'],
        [backupBucketArn],
        { StringLike: { 's3:prefix': `${backupPrefix}/${c.localPoolId}/snapshots/*` } },
      ],
      [['s3:GetObject'], [`${backupBucketArn}/${backupPrefix}/${c.localPoolId}/snapshots/*/progress/*`], undefined],
      [['kms:Decrypt'], [backupKey], undefined],
      [
        ['lambda:InvokeFunction'],
        [`arn:aws:lambda:${c.region}:123456789012:function:cognito-standby-sync-test-backupSnapshot`],
        undefined,
      ],
    ]);
    // No per-user read: a snapshot bills nobody as an active user.
    expect(JSON.stringify(p().template.Resources.BackupSnapshotRole)).not.toMatch(
      /AdminGetUser|AdminListGroupsForUser/,
    );
  });

  test('backup verify: lists the local pool, lists and reads its own prefix only, Decrypt only', () => {
    expect(cognitoByResource(p(), 'BackupVerifyRole')).toEqual({ [localArn]: cognito(['ListUsers', 'ListGroups']) });
    expect(actionsOf('BackupVerifyRole').filter(([a]) => !(a as string[])[0].startsWith('cognito-idp:'))).toEqual([
      [['s3:ListBucket'], [backupBucketArn], { StringLike: { 's3:prefix': `${backupPrefix}/${c.localPoolId}/*` } }],
      [['s3:GetObject'], [backupObjects], undefined],
      [['kms:Decrypt'], [backupKey], undefined],
    ]);
  });

  test("worker's backup journal: put-new objects in the pool's journal and erasure ledger only, GenerateDataKey only; no journal when backups are off", () => {
    const backupStatements = roleStatements(p(), 'WorkerRole').filter((s) =>
      s.Action.some((a) => a.startsWith('s3:') || a.startsWith('kms:')),
    );
    expect(backupStatements.map((s) => [s.Action.sort(), s.Resource, s.Condition])).toEqual([
      [
        ['s3:PutObject'],
        [
          `${backupBucketArn}/${backupPrefix}/${c.localPoolId}/journal/*`,
          `${backupBucketArn}/${backupPrefix}/${c.localPoolId}/erasures/*`,
        ],
        undefined,
      ],
      [['kms:GenerateDataKey'], [backupKey], undefined],
    ]);
    const env = environment(p(), 'WorkerLambdaFunction');
    const journal = loadWorkerConfig(env).backup;
    if (c.params.backupEnabled === 'false') {
      expect(Object.keys(env)).not.toContain('BACKUP_BUCKET');
      expect(journal).toBeUndefined();
      return;
    }
    // The same bucket, prefix and Region as the snapshot's.
    const snapshot = loadBackupConfig(environment(p(), 'BackupSnapshotLambdaFunction'));
    expect(journal).toEqual({
      bucket: snapshot.bucket,
      prefix: snapshot.prefix,
      region: snapshot.bucketRegion,
      s3Endpoint: undefined,
    });
    expect(journal?.prefix).toBe(backupPrefix);
  });

  test('backup: no other role touches the backup bucket or its key; schedules; the environment passes loadBackupConfig', () => {
    for (const role of ['TriggerRole', 'ReconcileRole', 'FailoverRole']) {
      const text = JSON.stringify(p().template.Resources[role]);
      expect({ role, backup: /BackupBucket|BackupKey|backups/.test(text) }).toEqual({ role, backup: false });
    }
    const rules = Object.values<Json>(p().template.Resources).filter(
      (r) => r.Type === 'AWS::Events::Rule' && r.Properties.ScheduleExpression,
    );
    const scheduleOf = (fn: string) =>
      rules
        .filter((r) => r.Properties.Targets[0].Arn['Fn::GetAtt']?.[0] === fn)
        .map((r) => r.Properties.ScheduleExpression);
    expect(scheduleOf('BackupSnapshotLambdaFunction')).toEqual(['rate(1 day)']);
    expect(scheduleOf('BackupVerifyLambdaFunction')).toEqual(['rate(1 day)']);
    for (const fn of ['BackupSnapshotLambdaFunction', 'BackupVerifyLambdaFunction']) {
      const config = loadBackupConfig(environment(p(), fn));
      expect(config).toMatchObject({
        sourcePoolId: c.localPoolId,
        sourceRegion: c.region,
        prefix: backupPrefix,
        bucketRegion: c.params.backupBucketRegion ?? c.region,
        quotaHeadroom: 0.5,
      });
      expect(config.bucket).toBe(
        backupAccount ? 'org-cognito-backups' : 'cognito-standby-sync-test-backupbucket-1a2b3c',
      );
      expect(p().template.Resources[fn].Properties.ReservedConcurrentExecutions).toBe(1);
    }
  });

  test('backup bucket: created here only without backupBucketArn; KMS, versioned, Object Lock, private, TLS-only, put-new only, writers never delete or unlock', () => {
    const res = p().template.Resources;
    if (backupAccount) {
      for (const id of ['BackupBucket', 'BackupBucketPolicy', 'BackupKey', 'BackupKeyAlias'])
        expect({ id, type: res[id]?.Type }).toEqual({ id, type: undefined });
      return;
    }
    const b = res.BackupBucket;
    expect(b.DeletionPolicy).toBe('Retain');
    expect(b.Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 35 } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': ['BackupKey', 'Arn'] },
            },
            BucketKeyEnabled: true,
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    // Retention bounded: every backup expires (after its lock), expired versions a day later.
    expect(b.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          ExpirationInDays: 90,
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
          Status: 'Enabled',
        }),
      ]),
    );
    expect(res.BackupKey.Properties.EnableKeyRotation).toBe(true);
    const policy = statements(p()).filter((s) => s.where === 'BackupBucketPolicy');
    expect(policy.every((s) => s.Effect === 'Deny')).toBe(true);
    const bySid = Object.fromEntries(
      res.BackupBucketPolicy.Properties.PolicyDocument.Statement.map((s: Json) => [s.Sid, s]),
    );
    expect(Object.keys(bySid)).toEqual(['DenyInsecureTransport', 'DenyOverwrite', 'DenyWritersDeleteOrUnlock']);
    expect(bySid.DenyInsecureTransport.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
    expect(bySid.DenyOverwrite).toMatchObject({
      Principal: '*',
      Action: 's3:PutObject',
      Condition: { Null: { 's3:if-none-match': 'true' } },
    });
    expect(bySid.DenyWritersDeleteOrUnlock.Action).toEqual(
      expect.arrayContaining([
        's3:DeleteObject',
        's3:DeleteObjectVersion',
        's3:BypassGovernanceRetention',
        's3:PutObjectRetention',
      ]),
    );
    const writers = resolveIntrinsics(bySid.DenyWritersDeleteOrUnlock.Condition, c.region).ArnEquals[
      'aws:PrincipalArn'
    ];
    expect(writers).toEqual([
      `arn:aws:iam::${ACCOUNT}:role/${res.BackupSnapshotRole.Properties.RoleName}`,
      `arn:aws:iam::${ACCOUNT}:role/${res.WorkerRole.Properties.RoleName}`,
    ]);
  });

  test('the reconcile schedule and mode', () => {
    const rules = Object.values<Json>(p().template.Resources).filter(
      (r) =>
        r.Type === 'AWS::Events::Rule' &&
        r.Properties.ScheduleExpression &&
        r.Properties.Targets[0].Arn['Fn::GetAtt']?.[0] === 'ReconcileLambdaFunction',
    );
    expect(rules).toHaveLength(1);
    expect(rules[0].Properties.ScheduleExpression).toBe(c.params.reconcileSchedule ?? 'rate(1 day)');
    expect(rules[0].Properties.State).toBe('ENABLED');
    expect(rules[0].Properties.Targets[0].Arn).toEqual({ 'Fn::GetAtt': ['ReconcileLambdaFunction', 'Arn'] });
    const env = environment(p(), 'ReconcileLambdaFunction');
    expect(env.RECONCILE_MODE).toBe(c.params.reconcileMode ?? 'dry-run');
    expect(env).toMatchObject({
      RECONCILE_DEEP: 'false',
      RECONCILE_DELETE_ORPHANS: 'false',
      RECONCILE_MAX_DELETES: '10',
      RECONCILE_IMPORT_THRESHOLD: '1000',
    });
    expect(p().template.Resources.ReconcileLambdaFunction.Properties.ReservedConcurrentExecutions).toBe(1);
    // The listing spool and its on-disk sort of 40 million users per pool fit in /tmp.
    expect(p().template.Resources.ReconcileLambdaFunction.Properties.EphemeralStorage).toEqual({ Size: 10240 });
    // A long run continues in a new invocation of itself, and of nothing else.
    const statements = JSON.stringify(p().template.Resources.ReconcileRole.Properties.Policies);
    expect(statements).toMatch(/"lambda:InvokeFunction"/);
    expect(statements).toMatch(/function:cognito-standby-sync-test-reconcile"/);
  });

  test('change capture: the rule is the one src/change-capture/rule.ts defines, and the worker drops the same echoes', () => {
    const res = p().template.Resources;
    const patterned = Object.entries<Json>(res).filter(
      ([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern,
    );
    expect(patterned.map(([id]) => id)).toEqual(['ChangeCaptureRule']);
    const rule = res.ChangeCaptureRule.Properties;
    const extra = c.params.echoRoleArns ? c.params.echoRoleArns.split(',') : [];
    const echoRoleArns = [
      ...defaultEchoRoleArns({
        accountId: ACCOUNT,
        service: 'cognito-standby-sync',
        stage: 'test',
        peerRegion: c.peerRegion,
      }),
      ...extra,
    ];
    expect(resolveIntrinsics(rule.EventPattern, c.region)).toEqual(
      changeCapturePattern({ localPoolId: c.localPoolId, echoRoleArns }),
    );
    expect(rule.State).toBe('ENABLED');
    expect(rule.Targets).toHaveLength(1);
    expect(rule.Targets[0].Arn).toEqual({ 'Fn::GetAtt': ['SyncQueue', 'Arn'] });
    // The event is delivered as is (issue 10.7: an input transformer does not escape values).
    for (const k of TARGET_INPUT_PROPERTIES) expect(rule.Targets[0]).not.toHaveProperty(k);
    const env = environment(p(), 'WorkerLambdaFunction');
    expect(loadChangeCaptureConfig(env)).toEqual({
      echoRoleArns,
      replicaIndexTable: 'cognito-standby-sync-test-replica-index',
      dynamodbEndpoint: undefined,
    });
    expect(environment(p(), 'ReconcileLambdaFunction').REPLICA_INDEX_TABLE).toBe(
      'cognito-standby-sync-test-replica-index',
    );
  });

  test('change capture: only that rule may send to the sync queue through EventBridge', () => {
    const policies = Object.values<Json>(p().template.Resources).filter((r) => r.Type === 'AWS::SQS::QueuePolicy');
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.Queues).toEqual([{ Ref: 'SyncQueue' }]);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'ChangeCaptureRuleOnly',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': ['SyncQueue', 'Arn'] },
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['ChangeCaptureRule', 'Arn'] } } },
      },
    ]);
  });

  test('change capture: one on-demand, encrypted replica index table, used by the worker and the reconciler only', () => {
    const t = p().template.Resources.ReplicaIndexTable;
    expect(t.Type).toBe('AWS::DynamoDB::Table');
    expect(t.Properties).toEqual({
      TableName: 'cognito-standby-sync-test-replica-index',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true },
    });
    for (const role of ['TriggerRole', 'WorkerRole', 'ReconcileRole']) {
      const ddb = roleStatements(p(), role).filter((s) => s.Action.some((a) => a.startsWith('dynamodb:')));
      const expected =
        role === 'TriggerRole'
          ? []
          : [[['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'], ['GetAtt:ReplicaIndexTable.Arn']]];
      expect({ role, ddb: ddb.map((s) => [s.Action.sort(), s.Resource]) }).toEqual({ role, ddb: expected });
    }
  });

  test("the environment names the right pools and passes the handlers' own validation", () => {
    const trigger = loadTriggerConfig(environment(p(), 'TriggerLambdaFunction'));
    expect(trigger).toMatchObject({
      sourcePoolId: c.localPoolId,
      sourceRegion: c.region,
      sendBudgetMs: 1500,
      replicateForgotPassword: false,
    });
    expect(trigger.syncQueueUrl).toContain('SyncQueue');
    const worker = loadWorkerConfig(environment(p(), 'WorkerLambdaFunction'));
    expect(worker).toMatchObject({
      sourcePoolId: c.localPoolId,
      sourceRegion: c.region,
      standbyPoolId: c.peerPoolId,
      standbyRegion: c.peerRegion,
      maxAttempts: 30,
      quotaHeadroom: 0.5,
      sourceSubAttribute: 'custom:source_sub',
      mfaMarkerAttribute: 'custom:source_mfa',
      standbyRoleArn: c.params.standbyRoleArn,
      groupRoleMap: c.params.groupRoleMap ? JSON.parse(c.params.groupRoleMap) : undefined,
    });
    expect(worker.dlqUrl).toContain('SyncDeadLetterQueue');
    const reconcile = environment(p(), 'ReconcileLambdaFunction');
    expect(reconcile).toMatchObject({
      SOURCE_POOL_ID: c.localPoolId,
      STANDBY_POOL_ID: c.peerPoolId,
      STANDBY_REGION: c.peerRegion,
    });
    expect(Object.keys(reconcile)).toEqual(expect.arrayContaining(['STATE_BUCKET', 'TRIGGER_FUNCTION_ARN']));
    // The queue observation: the names of the queues (the AWS/SQS QueueName dimension) and the
    // worker's metrics namespace and service dimension.
    const vars = p().template.Resources.ReconcileLambdaFunction.Properties.Environment.Variables;
    expect(vars.SYNC_QUEUE_NAME).toEqual({ 'Fn::GetAtt': ['SyncQueue', 'QueueName'] });
    expect(vars.DLQ_NAME).toEqual({ 'Fn::GetAtt': ['SyncDeadLetterQueue', 'QueueName'] });
    expect(loadReconcileConfig({ ...reconcile, STATE_BUCKET: 'cognito-standby-sync-test-state' }).queueMetrics).toEqual(
      {
        namespace: 'CognitoStandbySync',
        service: 'cognito-standby-sync-test',
        syncQueueName: 'cognito-standby-sync-test-sync',
        dlqName: 'cognito-standby-sync-test-sync-dlq',
      },
    );
  });
});

// ----------------------------------------------------------------------------- cfn-lint (issue 16)

/** The installed cfn-lint's version line, or undefined when it cannot be run. */
function cfnLintVersion(): string | undefined {
  const r = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? `${r.stdout}${r.stderr}`.trim() : undefined;
}

interface LintFinding {
  Filename: string;
  Level: string;
  Message: string;
  Rule: { Id: string };
  Location: { Path?: (string | number)[] };
}

const CFN_LINT = cfnLintVersion();
const CFN_LINT_MISSING =
  'SKIPPED: cfn-lint is not installed or does not run (pip install cfn-lint to run these checks)';
if (!CFN_LINT) console.warn(`issue 16: cfn-lint checks ${CFN_LINT_MISSING}`);

(CFN_LINT ? describe : describe.skip)(`issue 16: cfn-lint (${CFN_LINT ?? CFN_LINT_MISSING})`, () => {
  const findings = new Map<string, LintFinding[]>();

  // One cfn-lint run for every packaged template (its start-up is most of its time), checked
  // against the rules of both Regions.
  beforeAll(async () => {
    const files = CASES.map((c) => join(get(c.name).dir, 'cloudformation-template-update-stack.json'));
    const args = ['--format', 'json', '--regions', 'us-east-1', 'us-west-2', '--', ...files];
    // Exit codes 2, 4 and 8 mean errors, warnings and informational findings: the JSON is on stdout.
    const stdout = await run('cfn-lint', args, { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }).then(
      (r) => r.stdout,
      (err: { stdout?: string; message: string }) => {
        if (!err.stdout) throw new Error(`cfn-lint failed: ${err.message}`);
        return err.stdout;
      },
    );
    const all = JSON.parse(stdout) as LintFinding[];
    for (const c of CASES) findings.set(c.name, []);
    for (const f of all) {
      const c = CASES.find(
        (x) => resolve(f.Filename) === resolve(get(x.name).dir, 'cloudformation-template-update-stack.json'),
      );
      if (!c) throw new Error(`cfn-lint reported on an unknown file ${f.Filename}`);
      findings.get(c.name)!.push(f);
    }
  }, 300_000);

  const show = (fs: LintFinding[]) => fs.map((f) => `${f.Rule.Id} ${(f.Location.Path ?? []).join('/')}: ${f.Message}`);

  test.each(CASES.map((c) => [c.combination, c.region, c.name] as const))(
    'issue 16: cfn-lint passes the packaged template, %s in %s (%s): zero errors, zero W8003, no redundant DependsOn (W3005)',
    (_combination, _region, name) => {
      const fs = findings.get(name) ?? [];
      expect(show(fs.filter((f) => f.Level === 'Error' || ['W8003', 'W3005'].includes(f.Rule.Id)))).toEqual([]);
      const others = show(fs);
      if (others.length) console.log(`cfn-lint ${name}: other findings (not failures):\n${others.join('\n')}`);
    },
  );
});

describe('function artifacts', () => {
  const sizes: Record<string, number> = {};

  test('one bundled, minified handler per function; the trigger carries no Cognito client', () => {
    const p = get('east');
    const HANDLER_FILE: Record<string, string> = { backupSnapshot: 'backup', backupVerify: 'backup' };
    for (const fn of ['trigger', 'worker', 'reconcile', 'failover', 'backupSnapshot', 'backupVerify']) {
      const zip = join(p.dir, `${fn}.zip`);
      sizes[fn] = statSync(zip).size;
      const files = readZip(zip);
      const file = `src/handlers/${HANDLER_FILE[fn] ?? fn}.mjs`;
      expect([...files.keys()]).toEqual([file]);
      const code = files.get(file)!.toString('utf8');
      expect(code).not.toMatch(/from\s*["']@aws-sdk\//); // bundled, not left to the runtime's copy
      if (fn === 'trigger') {
        expect(code).not.toMatch(/CognitoIdentityProvider|cognito-idp/);
        expect(code).toMatch(/SendMessage/);
      }
      if (fn === 'worker') expect(code).toMatch(/CognitoIdentityProvider/); // the check above can see the client
    }
    for (const size of Object.values(sizes)) expect(size).toBeLessThan(5 * 1024 * 1024);
    writeFileSync(join(workDir, 'sizes.json'), JSON.stringify(sizes));
    console.log(`zip sizes (bytes): ${JSON.stringify(sizes)}`);
  });

  test('the bundles load as ES modules; the trigger returns the event when SQS is unreachable', async () => {
    const p = get('east');
    const dir = join(workDir, 'unzipped');
    for (const fn of ['trigger', 'worker', 'reconcile']) {
      for (const [name, data] of readZip(join(p.dir, `${fn}.zip`))) {
        const target = join(dir, fn, name);
        mkdirSync(join(target, '..'), { recursive: true });
        writeFileSync(target, data);
      }
    }
    const event = {
      version: '1',
      triggerSource: 'PostConfirmation_ConfirmSignUp',
      region: p.c.region,
      userPoolId: p.c.localPoolId,
      userName: 'alice',
      callerContext: { awsSdkVersion: 'x', clientId: 'c' },
      request: { userAttributes: { sub: '00000000-0000-4000-8000-000000000001' } },
      response: {},
    };
    const script = `
      const results = {};
      for (const fn of ['trigger', 'worker', 'reconcile']) {
        const m = await import(${JSON.stringify(dir)} + '/' + fn + '/src/handlers/' + fn + '.mjs');
        results[fn] = typeof m.handler;
      }
      const { handler } = await import(${JSON.stringify(dir)} + '/trigger/src/handlers/trigger.mjs');
      const started = Date.now();
      const out = await handler(${JSON.stringify(event)}, { functionName: 'trigger', awsRequestId: 'r', getRemainingTimeInMillis: () => 3000 });
      results.triggerEcho = JSON.stringify(out) === ${JSON.stringify(JSON.stringify(event))};
      results.triggerMs = Date.now() - started;
      process.stdout.write('RESULT ' + JSON.stringify(results) + '\\n');
    `;
    const env = {
      ...environment(p, 'TriggerLambdaFunction'),
      PATH: process.env.PATH,
      SQS_ENDPOINT: 'http://127.0.0.1:9', // nothing listens: the send fails at once
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    };
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env, timeout: 60_000 });
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect(line).toBeDefined();
    const results = JSON.parse(line!.slice('RESULT '.length));
    expect(results).toMatchObject({
      trigger: 'function',
      worker: 'function',
      reconcile: 'function',
      triggerEcho: true,
    });
    expect(results.triggerMs).toBeLessThan(3000);
  });
});

describe('parameter checks', () => {
  // deploy/params.js is plain CommonJS for osls; loaded here the same way.
  const { checkParams } = require('../../deploy/params.js') as {
    checkParams: (raw: Record<string, string>, region: string) => Record<string, unknown>;
  };
  const defaults = {
    groupRoleMap: '',
    standbyRoleArn: '',
    importLogsRoleArn: '',
    alarmEmail: '',
    alarmTopicArn: '',
    reconcileSchedule: 'rate(1 day)',
    reconcileEnabled: 'true',
    reconcileMode: 'dry-run',
    reconcileDeep: 'false',
    reconcileDeleteOrphans: 'false',
    reconcileMaxDeletes: '10',
    reconcileImportThreshold: '1000',
    quotaHeadroom: '0.5',
    replicateForgotPassword: 'false',
    linkFederatedUsers: 'false',
    sourceSubAttribute: 'custom:source_sub',
    mfaMarkerAttribute: 'custom:source_mfa',
    workerMaxConcurrency: '5',
    lagAlarmThresholdMs: '900000',
    queueAgeAlarmSeconds: '3600',
    driftAlarmThreshold: '0',
    reportRetentionDays: '90',
    logRetentionDays: '30',
    dashboard: 'true',
  };
  const good = { ...defaults, localPoolId: 'us-east-1_AAAA', peerPoolId: 'us-west-2_BBBB', peerRegion: 'us-west-2' };

  test('accepts a good set and types it', () => {
    expect(checkParams(good, 'us-east-1')).toMatchObject({
      localPoolId: 'us-east-1_AAAA',
      workerMaxConcurrency: 5,
      reconcileEnabled: true,
    });
  });

  test("issue 16: the template's choices are made at package time, from the parameters", () => {
    const role = 'arn:aws:iam::210987654321:role/standby';
    expect(checkParams(good, 'us-east-1')).toMatchObject({
      choice: {
        alarmTopic: 'created',
        alarmEmail: 'none',
        peerAccess: 'sameAccount',
        importLogsRole: 'none',
        dashboard: 'created',
      },
      ifSet: {},
    });
    // dashboard=false leaves the dashboard out.
    expect(checkParams({ ...good, dashboard: 'false' }, 'us-east-1')).toMatchObject({ choice: { dashboard: 'none' } });
    const all = {
      ...good,
      alarmEmail: 'ops@example.com',
      standbyRoleArn: role,
      importLogsRoleArn: role,
      groupRoleMap: GROUP_ROLE_MAP,
      dashboard: 'true',
    };
    expect(checkParams(all, 'us-east-1')).toMatchObject({
      choice: {
        alarmTopic: 'created',
        alarmEmail: 'subscribed',
        peerAccess: 'standbyRole',
        importLogsRole: 'passed',
        dashboard: 'created',
      },
      ifSet: { standbyRoleArn: role, importLogsRoleArn: role, groupRoleMap: GROUP_ROLE_MAP },
    });
    // An existing topic: none is created and alarmEmail is ignored (docs/DEPLOY.md, parameters).
    // The backup bucket: this stack's by default, or one in a backup account.
    expect(checkParams({ ...good, backupEnabled: 'false' }, 'us-east-1')).toMatchObject({
      choice: { backupJournal: 'none' },
    });
    expect(checkParams(good, 'us-east-1')).toMatchObject({
      choice: { backupBucket: 'created', backupJournal: 'written' },
      backupPrefix: 'cognito-backup',
      backupBucketRegion: 'us-east-1',
      backupLockMode: 'GOVERNANCE',
      backupLockDays: 35,
      backupExpirationDays: 90,
    });
    expect(checkParams({ ...good, ...BACKUP_ACCOUNT_BUCKET }, 'us-east-1')).toMatchObject({
      choice: { backupBucket: 'existing' },
      backupBucketName: 'org-cognito-backups',
      backupBucketRegion: 'eu-west-1',
    });
    const topic = { ...all, alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops' };
    expect(checkParams(topic, 'us-east-1')).toMatchObject({ choice: { alarmTopic: 'existing', alarmEmail: 'none' } });
  });

  test.each([
    [{ localPoolId: 'us-west-2_BBBB', peerPoolId: 'us-east-1_AAAA' }, /localPoolId.*swapped/],
    [{ peerRegion: 'eu-west-1' }, /peerPoolId.*peerRegion/],
    [{ peerRegion: 'us-east-1', peerPoolId: 'us-east-1_CCCC' }, /peerRegion.*another Region/],
    [{ localPoolId: 'AAAA' }, /localPoolId.*user pool id/],
    [{ reconcileMode: 'yes' }, /reconcileMode/],
    [{ quotaHeadroom: '1.5' }, /quotaHeadroom/],
    [{ groupRoleMap: '{"a":1}' }, /groupRoleMap/],
    [{ standbyRoleArn: 'role/x' }, /standbyRoleArn/],
    [{ workerMaxConcurrency: '1' }, /workerMaxConcurrency/],
    [{ logRetentionDays: '31' }, /logRetentionDays/],
    [{ reconcileSchedule: 'daily' }, /reconcileSchedule/],
    [{ echoRoleArns: 'worker-role' }, /echoRoleArns/],
    [{ backupBucketArn: 'my-bucket' }, /backupBucketArn.*S3 bucket ARN/],
    [{ backupBucketArn: 'arn:aws:s3:::my-backups' }, /backupKmsKeyArn.*KMS key/],
    [{ backupKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/abc' }, /backupBucketArn.*must be set/],
    [{ backupLockMode: 'STRICT' }, /backupLockMode/],
    [{ backupLockDays: '100', backupExpirationDays: '30' }, /backupExpirationDays.*backupLockDays/],
    [{ backupPrefix: '/abs' }, /backupPrefix/],
    [{ backupSchedule: 'hourly' }, /backupSchedule/],
  ])('rejects %j', (bad, message) => {
    expect(() => checkParams({ ...good, ...bad }, 'us-east-1')).toThrow(message);
  });

  test('osls package stops on swapped pool ids', async () => {
    const out = join(workDir, 'swapped');
    const failure = await osls({ ...EAST, localPoolId: EAST.peerPoolId, peerPoolId: EAST.localPoolId }, {}, out).then(
      () => 'packaged',
      (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
    );
    expect(failure).toMatch(/localPoolId.*swapped/);
  }, 120_000);
});
