'use strict';

// Validates and types the deployment parameters of serverless.yml.
//
// serverless.yml gathers the raw values in `custom.params` (CLI --param, params.<stage>,
// params.default, SSM); this function checks them and returns `custom.cfg`, which is all the
// rest of serverless.yml reads. A bad value fails `osls package` / `osls deploy` with a message
// naming the parameter, before anything reaches CloudFormation: above all a local and a peer
// pool id that do not belong to the Regions they are deployed for (swapped parameters would
// replicate the wrong way). It also makes the template's choices (`cfg.choice`, `cfg.ifSet`), so
// that the packaged template holds only what the configuration uses (issue 16).

const POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d)_[0-9A-Za-z]+$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const TOPIC_ARN = /^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const SCHEDULE = /^(rate|cron)\(.+\)$/;
const COGNITO_ATTRIBUTE = /^custom:[\w.-]{1,20}$/;
const BUCKET_ARN = /^arn:aws[\w-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/;
const KMS_KEY_ARN = /^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/;
const BACKUP_PREFIX = /^(?!\/)(?!.*\.\.)[\w!\-.*'()/]{1,512}$/;

const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

class ParameterError extends Error {}

function fail(name, message) {
  throw new ParameterError(`cognito-standby-sync: parameter "${name}" ${message}`);
}

function str(raw, name) {
  const value = raw[name];
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') fail(name, 'must be a string, got an object');
  return String(value).trim();
}

function integer(raw, name, min, max) {
  const text = str(raw, name);
  if (!/^\d+$/.test(text)) fail(name, `must be a whole number, got "${text}"`);
  const n = Number(text);
  if (n < min || n > max) fail(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(raw, name) {
  const text = str(raw, name).toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  fail(name, `must be true or false, got "${text}"`);
}

function optional(raw, name, pattern, what) {
  const text = str(raw, name);
  if (text !== '' && !pattern.test(text)) fail(name, `must be ${what} or empty, got "${text}"`);
  return text;
}

/** A parameter that may be left out (older parameter sets, the tests' minimal ones): `fallback` then. */
function withDefault(raw, name, fallback) {
  return str(raw, name) === '' ? { ...raw, [name]: fallback } : raw;
}

/**
 * The backup's parameters (docs/BACKUP.md, "The bucket"): the bucket this stack creates, or one
 * in a separate backup account (backupBucketArn, with its KMS key and Region).
 */
function backupParams(given, deployRegion) {
  let raw = given;
  for (const [name, fallback] of Object.entries({
    backupEnabled: 'true',
    backupSchedule: 'rate(1 day)',
    backupVerifySchedule: 'rate(1 day)',
    backupPrefix: 'cognito-backup',
    backupLockMode: 'GOVERNANCE',
    backupLockDays: '35',
    backupExpirationDays: '90',
  }))
    raw = withDefault(raw, name, fallback);
  const bucketArn = optional(raw, 'backupBucketArn', BUCKET_ARN, 'an S3 bucket ARN like arn:aws:s3:::my-backups');
  const keyArn = optional(raw, 'backupKmsKeyArn', KMS_KEY_ARN, 'a KMS key ARN');
  const bucketRegion = optional(raw, 'backupBucketRegion', REGION, 'a Region name');
  if (bucketArn !== '' && keyArn === '')
    fail('backupKmsKeyArn', 'must name the KMS key of the bucket given as backupBucketArn (docs/BACKUP.md)');
  if (bucketArn === '' && (keyArn !== '' || bucketRegion !== ''))
    fail('backupBucketArn', 'must be set when backupKmsKeyArn or backupBucketRegion is (they describe that bucket)');
  const prefix = str(raw, 'backupPrefix').replace(/\/+$/, '');
  if (!BACKUP_PREFIX.test(prefix))
    fail('backupPrefix', `must be an S3 key prefix like cognito-backup, got "${prefix}"`);
  const lockMode = str(raw, 'backupLockMode');
  if (!['GOVERNANCE', 'COMPLIANCE'].includes(lockMode))
    fail('backupLockMode', `must be GOVERNANCE or COMPLIANCE, got "${lockMode}"`);
  const lockDays = integer(raw, 'backupLockDays', 1, 36500);
  const expirationDays = integer(raw, 'backupExpirationDays', 1, 36500);
  if (expirationDays < lockDays)
    fail(
      'backupExpirationDays',
      `must be at least backupLockDays (${lockDays}): a locked object cannot expire earlier`,
    );
  const backup = {
    backupEnabled: bool(raw, 'backupEnabled'),
    backupSchedule: str(raw, 'backupSchedule'),
    backupVerifySchedule: str(raw, 'backupVerifySchedule'),
    backupPrefix: prefix,
    backupBucketArn: bucketArn,
    backupBucketName: bucketArn === '' ? '' : BUCKET_ARN.exec(bucketArn)[1],
    backupKmsKeyArn: keyArn,
    backupBucketRegion: bucketRegion === '' ? deployRegion : bucketRegion,
    backupLockMode: lockMode,
    backupLockDays: lockDays,
    backupExpirationDays: expirationDays,
  };
  for (const name of ['backupSchedule', 'backupVerifySchedule'])
    if (!SCHEDULE.test(backup[name]))
      fail(name, `must be an EventBridge rate(...) or cron(...) expression, got "${backup[name]}"`);
  return backup;
}

function poolId(raw, name, region, regionName) {
  const text = str(raw, name);
  const match = POOL_ID.exec(text);
  if (!match) fail(name, `must be a user pool id like us-east-1_AbCdEf123, got "${text}"`);
  if (match[1] !== region) {
    fail(
      name,
      `is a pool of ${match[1]} but must be in ${regionName} (${region}); are localPoolId and peerPoolId swapped?`,
    );
  }
  return text;
}

function echoRoleSuffix(raw) {
  const arns = str(raw, 'echoRoleArns')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  for (const arn of arns)
    if (!ROLE_ARN.test(arn)) fail('echoRoleArns', `must be comma-separated IAM role ARNs, got "${arn}"`);
  return arns.map((a) => `,${a}`).join('');
}

function checkParams(raw, deployRegion) {
  const peerRegion = str(raw, 'peerRegion');
  if (!REGION.test(peerRegion)) fail('peerRegion', `must be a Region name like us-west-2, got "${peerRegion}"`);

  const cfg = {
    peerRegion,
    localPoolId: poolId(raw, 'localPoolId', deployRegion, 'the Region deployed to'),
    peerPoolId: poolId(raw, 'peerPoolId', peerRegion, 'peerRegion'),
    standbyRoleArn: optional(raw, 'standbyRoleArn', ROLE_ARN, 'an IAM role ARN'),
    importLogsRoleArn: optional(raw, 'importLogsRoleArn', ROLE_ARN, 'an IAM role ARN'),
    alarmEmail: optional(raw, 'alarmEmail', EMAIL, 'an e-mail address'),
    alarmTopicArn: optional(raw, 'alarmTopicArn', TOPIC_ARN, 'an SNS topic ARN'),
    groupRoleMap: str(raw, 'groupRoleMap'),
    reconcileSchedule: str(raw, 'reconcileSchedule'),
    reconcileEnabled: bool(raw, 'reconcileEnabled'),
    reconcileMode: str(raw, 'reconcileMode'),
    reconcileDeep: String(bool(raw, 'reconcileDeep')),
    reconcileDeleteOrphans: String(bool(raw, 'reconcileDeleteOrphans')),
    reconcileMaxDeletes: integer(raw, 'reconcileMaxDeletes', 0, 1000000),
    reconcileImportThreshold: integer(raw, 'reconcileImportThreshold', 1, 100000000),
    quotaHeadroom: str(raw, 'quotaHeadroom'),
    replicateForgotPassword: String(bool(raw, 'replicateForgotPassword')),
    linkFederatedUsers: String(bool(raw, 'linkFederatedUsers')),
    sourceSubAttribute: str(raw, 'sourceSubAttribute'),
    mfaMarkerAttribute: str(raw, 'mfaMarkerAttribute'),
    workerMaxConcurrency: integer(raw, 'workerMaxConcurrency', 2, 1000),
    lagAlarmThresholdMs: integer(raw, 'lagAlarmThresholdMs', 1000, 7 * 24 * 3600 * 1000),
    queueAgeAlarmSeconds: integer(raw, 'queueAgeAlarmSeconds', 60, 4 * 24 * 3600),
    driftAlarmThreshold: integer(raw, 'driftAlarmThreshold', 0, 100000000),
    reportRetentionDays: integer(raw, 'reportRetentionDays', 1, 3650),
    dashboard: String(bool(raw, 'dashboard')),
    logRetentionDays: integer(raw, 'logRetentionDays', 1, 3653),
    // Change capture: extra echo roles, as the suffix of the comma-separated list serverless.yml
    // builds after the peer deployment's own two roles ("" or ",arn1,arn2").
    echoRoleArnsSuffix: echoRoleSuffix(raw),
    ...backupParams(raw, deployRegion),
  };

  if (!LOG_RETENTION_DAYS.includes(cfg.logRetentionDays)) {
    fail('logRetentionDays', `must be one of the CloudWatch Logs retention values (${LOG_RETENTION_DAYS.join(', ')})`);
  }
  if (cfg.peerPoolId === cfg.localPoolId) fail('peerPoolId', 'must differ from localPoolId');
  if (peerRegion === deployRegion && cfg.standbyRoleArn === '') {
    fail(
      'peerRegion',
      `is the Region deployed to (${deployRegion}); the standby belongs in another Region (or another account: set standbyRoleArn)`,
    );
  }
  if (!SCHEDULE.test(cfg.reconcileSchedule)) {
    fail(
      'reconcileSchedule',
      `must be an EventBridge rate(...) or cron(...) expression, got "${cfg.reconcileSchedule}"`,
    );
  }
  if (!['dry-run', 'apply'].includes(cfg.reconcileMode)) {
    fail('reconcileMode', `must be dry-run or apply, got "${cfg.reconcileMode}"`);
  }
  const headroom = Number(cfg.quotaHeadroom);
  if (cfg.quotaHeadroom === '' || !Number.isFinite(headroom) || headroom < 0 || headroom > 0.95) {
    fail('quotaHeadroom', `must be a fraction between 0 and 0.95, got "${cfg.quotaHeadroom}"`);
  }
  for (const name of ['sourceSubAttribute', 'mfaMarkerAttribute']) {
    if (!COGNITO_ATTRIBUTE.test(cfg[name]))
      fail(name, `must be a custom attribute name like custom:source_sub, got "${cfg[name]}"`);
  }
  if (cfg.groupRoleMap !== '') {
    let map;
    try {
      map = JSON.parse(cfg.groupRoleMap);
    } catch {
      fail('groupRoleMap', 'must be a JSON object (source role ARN -> standby role ARN)');
    }
    if (map === null || typeof map !== 'object' || Array.isArray(map)) fail('groupRoleMap', 'must be a JSON object');
    for (const [from, to] of Object.entries(map)) {
      if (!ROLE_ARN.test(from) || typeof to !== 'string' || !ROLE_ARN.test(to)) {
        fail('groupRoleMap', `must map role ARNs to role ARNs; bad entry "${from}"`);
      }
    }
    cfg.groupRoleMap = JSON.stringify(map); // canonical, single line
  }
  cfg.choice = templateChoices(cfg);
  cfg.ifSet = ifSet(cfg, ['standbyRoleArn', 'importLogsRoleArn', 'groupRoleMap']);
  return cfg;
}

/**
 * Which variant of each optional part of the template this configuration uses.
 *
 * The choices are made here, at package time, and serverless.yml emits only the variant each one
 * names (`${self:custom.variants.<part>.${self:custom.cfg.choice.<part>}}`): the template holds no
 * CloudFormation condition (each would compare two literals) and no branch with an empty ARN, so
 * cfn-lint passes it (issue 16).
 */
function templateChoices(cfg) {
  const createTopic = cfg.alarmTopicArn === '';
  return {
    // The alarms notify a topic of this stack, or the one given (then alarmEmail is ignored).
    alarmTopic: createTopic ? 'created' : 'existing',
    alarmEmail: createTopic && cfg.alarmEmail !== '' ? 'subscribed' : 'none',
    // Same account: the roles write the peer pool directly; cross-account: they assume the standby role.
    peerAccess: cfg.standbyRoleArn === '' ? 'sameAccount' : 'standbyRole',
    importLogsRole: cfg.importLogsRoleArn === '' ? 'none' : 'passed',
    dashboard: cfg.dashboard === 'true' ? 'created' : 'none',
    // The backup bucket: created by this stack, or one in a separate backup account.
    backupBucket: cfg.backupBucketArn === '' ? 'created' : 'existing',
    // The worker's backup journal: written while backups are on, none when backupEnabled is false.
    backupJournal: cfg.backupEnabled ? 'written' : 'none',
  };
}

/**
 * The optional settings that are set, by name. serverless.yml reads them as
 * `${self:custom.cfg.ifSet.<name>, null}`: an unset one resolves to null, and osls then leaves
 * the environment variable out (an empty value would fail the handlers' validation).
 */
function ifSet(cfg, names) {
  return Object.fromEntries(names.filter((name) => cfg[name] !== '').map((name) => [name, cfg[name]]));
}

module.exports = async ({ options, resolveConfigurationProperty }) => {
  const raw = await resolveConfigurationProperty(['custom', 'params']);
  const region = options.region || (await resolveConfigurationProperty(['provider', 'region'])) || 'us-east-1';
  return checkParams(raw || {}, region);
};
module.exports.checkParams = checkParams;
