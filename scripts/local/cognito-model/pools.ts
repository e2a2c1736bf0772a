/**
 * Pool operations: CreateUserPool, DescribeUserPool, UpdateUserPool, DeleteUserPool.
 * A pool id carries its Region (`us-east-1_AbC123xyZ`); options are stored as asked, with the
 * documented defaults (password policy, MFA OFF); `UsernameAttributes` and `AliasAttributes`
 * exclude each other (API reference, CreateUserPool).
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { type OpContext, poolOf, seconds } from './context';
import { invalid } from './errors';
import { DEFAULT_PASSWORD_POLICY, ModelPool } from './pool';
import { buildSchema } from './schema';
import type { Json } from './types';

/** Fields of CreateUserPool (and UpdateUserPool) stored as given. */
const POOL_FIELDS = [
  'AccountRecoverySetting',
  'AdminCreateUserConfig',
  'AliasAttributes',
  'AutoVerifiedAttributes',
  'DeletionProtection',
  'DeviceConfiguration',
  'EmailConfiguration',
  'EmailVerificationMessage',
  'EmailVerificationSubject',
  'LambdaConfig',
  'MfaConfiguration',
  'SmsAuthenticationMessage',
  'SmsConfiguration',
  'SmsVerificationMessage',
  'UserAttributeUpdateSettings',
  'UserPoolAddOns',
  'UserPoolTags',
  'UsernameAttributes',
  'UsernameConfiguration',
  'VerificationMessageTemplate',
  'UserPoolTier',
];

export const alnum = (n: number) =>
  randomBytes(n)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .slice(0, n);

function describe(pool: ModelPool): Json {
  return { UserPool: { ...pool.config, EstimatedNumberOfUsers: pool.users.size } };
}

function createUserPool(ctx: OpContext): Json {
  const req = ctx.input;
  if (!req.PoolName)
    invalid("1 validation error detected: Value at 'poolName' failed to satisfy constraint: Member must not be null");
  if (req.UsernameAttributes?.length && req.AliasAttributes?.length)
    invalid('Only one of AliasAttributes or UsernameAttributes can be set in a User Pool.');
  const id = `${ctx.region}_${alnum(9)}`;
  const now = seconds(ctx.clock.now());
  const config: Json = {
    LambdaConfig: {},
    MfaConfiguration: 'OFF',
    EmailConfiguration: { EmailSendingAccount: 'COGNITO_DEFAULT' },
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: false, UnusedAccountValidityDays: 7 },
    VerificationMessageTemplate: { DefaultEmailOption: 'CONFIRM_WITH_CODE' },
    UserPoolTier: 'ESSENTIALS',
    DeletionProtection: 'INACTIVE',
  };
  for (const f of POOL_FIELDS) if (req[f] !== undefined) config[f] = req[f];
  Object.assign(config, {
    Id: id,
    Name: req.PoolName,
    Arn: `arn:aws:cognito-idp:${ctx.region}:${ctx.accountId}:userpool/${id}`,
    CreationDate: now,
    LastModifiedDate: now,
    Policies: {
      ...req.Policies,
      PasswordPolicy: req.Policies?.PasswordPolicy
        ? { MinimumLength: 8, TemporaryPasswordValidityDays: 7, ...req.Policies.PasswordPolicy }
        : DEFAULT_PASSWORD_POLICY,
    },
    SchemaAttributes: buildSchema(req.Schema),
  });
  const pool = new ModelPool({ id }, config);
  ctx.pools.set(id, pool);
  return describe(pool);
}

/** UpdateUserPool: the fields given replace the pool's; the schema and username settings stay. */
function updateUserPool(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  for (const f of POOL_FIELDS)
    if (ctx.input[f] !== undefined && f !== 'UsernameAttributes' && f !== 'AliasAttributes')
      pool.config[f] = ctx.input[f];
  if (ctx.input.Policies) pool.config.Policies = ctx.input.Policies;
  pool.config.LastModifiedDate = seconds(ctx.clock.now());
  return {};
}

/** DeleteUserPool: the pool, its users, clients, providers and domains are gone (its domains free again). */
function deleteUserPool(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  ctx.pools.delete(pool.options.id);
  return {};
}

export const POOL_OPERATIONS = {
  CreateUserPool: createUserPool,
  DescribeUserPool: (ctx: OpContext) => describe(poolOf(ctx)),
  UpdateUserPool: updateUserPool,
  DeleteUserPool: deleteUserPool,
};
