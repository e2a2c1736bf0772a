import type { GroupInfo, PoolConfig, PoolMfaConfig, SchemaAttribute } from '../core/types';

/**
 * The doctor: compares a source and a target (standby) pool before anyone relies on them. Pure:
 * two snapshots in, findings out. Each finding says what will break and the exact fix, with an
 * AWS CLI command where one exists.
 */

/** `blocker`: replication or failover fails (exit 1). `warning`: works, but something is lost or differs. `info`: worth knowing. */
export type Severity = 'blocker' | 'warning' | 'info';

export interface Finding {
  /** Stable identifier, e.g. `schema.source-sub.missing`. */
  id: string;
  severity: Severity;
  area:
    | 'username'
    | 'schema'
    | 'required'
    | 'password'
    | 'mfa'
    | 'recovery'
    | 'messaging'
    | 'groups'
    | 'trigger'
    | 'sign-up'
    | 'security'
    | 'plan'
    | 'passwordless'
    | 'users';
  title: string;
  /** What will break. */
  breaks: string;
  /** How to fix it. */
  fix: string;
  /** The exact command, where there is one. */
  command?: string;
}

/** What the doctor reads of one pool. */
export interface PoolSnapshot {
  config: PoolConfig;
  groups: GroupInfo[];
  /** GetUserPoolMfaConfig, when it could be read. */
  mfa?: PoolMfaConfig;
}

export interface DoctorOptions {
  sourceSubAttribute: string;
  mfaMarkerAttribute: string;
}

/** Length of the longest MFA marker (`EMAIL_OTP,SMS_MFA,SOFTWARE_TOKEN_MFA;SOFTWARE_TOKEN_MFA`) and of a `sub`. */
const MARKER_MAX = 53;
const SUB_LENGTH = 36;

const UPDATE_POOL_NOTE =
  'update-user-pool resets every setting it is not given: pass the current ones (describe-user-pool) with this change';

const SEVERITY_ORDER: Record<Severity, number> = { blocker: 0, warning: 1, info: 2 };

/** Compares two pools. Findings come blockers first, then warnings, then notes. */
export function comparePools(source: PoolSnapshot, target: PoolSnapshot, options: DoctorOptions): Finding[] {
  const f: Finding[] = [
    ...checkUsername(source.config, target.config),
    ...checkManagedAttributes(source.config, target.config, options),
    ...checkCustomAttributes(source.config, target.config, options),
    ...checkRequired(source.config, target.config),
    ...checkPasswordPolicy(source.config, target.config),
    ...checkMfa(source, target),
    ...checkRecovery(source.config, target.config),
    ...checkMessaging(source, target),
    ...checkGroups(source, target),
    ...checkTriggers(source.config, target.config),
    ...checkSignUp(source.config, target.config),
    ...checkSecurity(source.config, target.config),
    ...checkPlan(source.config, target.config),
    ...checkPasswordless(target.config),
    ...checkUsers(source.config, target.config),
  ];
  return f.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

/** True when a finding blocks replication or failover. */
export function hasBlockers(findings: Finding[]): boolean {
  return findings.some((x) => x.severity === 'blocker');
}

function cli(verb: string, pool: PoolConfig, rest = ''): string {
  return `aws cognito-idp ${verb} --region ${pool.region ?? '<region>'} --user-pool-id ${pool.poolId}${rest ? ` ${rest}` : ''}`;
}

/** A shell word: as it is when safe, single-quoted otherwise. */
function shellArg(value: string): string {
  return /^[\w.@+:=,/-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

function shellJson(value: unknown): string {
  return shellArg(JSON.stringify(value));
}

// ----------------------------------------------------------------------------- username

/** How users of a pool sign in: `username` (plain), or the username attributes, plus aliases. */
export function signInIdentifiers(pool: PoolConfig): string[] {
  if (pool.usernameAttributes.length) return [...pool.usernameAttributes].sort();
  return ['username', ...pool.aliasAttributes].sort();
}

function checkUsername(s: PoolConfig, t: PoolConfig): Finding[] {
  const out: Finding[] = [];
  const sIds = signInIdentifiers(s);
  const tIds = new Set(signInIdentifiers(t));
  const missing = sIds.filter((id) => !tIds.has(id));
  if (missing.length) {
    out.push({
      id: 'username.sign-in',
      severity: 'blocker',
      area: 'username',
      title: `users sign in to the source with ${sIds.join(' / ')}, the target does not accept ${missing.join(' / ')}`,
      breaks:
        `users who sign in with their ${missing.join(' or ')} cannot sign in to the standby` +
        (t.usernameAttributes.length
          ? '; replicas are named by their e-mail/phone, so users without one are not replicated at all'
          : ''),
      fix:
        "username attributes and aliases cannot be changed after a pool is created: create the standby pool again with the source's settings" +
        (s.usernameAttributes.length || s.aliasAttributes.length
          ? ''
          : ' (plain usernames: neither --username-attributes nor --alias-attributes)'),
      command:
        `aws cognito-idp create-user-pool --region ${t.region ?? '<region>'} --pool-name <name>` +
        (s.usernameAttributes.length
          ? ` --username-attributes ${s.usernameAttributes.join(' ')}`
          : s.aliasAttributes.length
            ? ` --alias-attributes ${s.aliasAttributes.join(' ')}`
            : ''),
    });
  }
  if (
    s.usernameCaseSensitive !== undefined &&
    t.usernameCaseSensitive !== undefined &&
    s.usernameCaseSensitive !== t.usernameCaseSensitive
  ) {
    out.push({
      id: 'username.case',
      severity: 'warning',
      area: 'username',
      title: `usernames are case-${s.usernameCaseSensitive ? 'sensitive' : 'insensitive'} in the source, case-${t.usernameCaseSensitive ? 'sensitive' : 'insensitive'} in the target`,
      breaks: t.usernameCaseSensitive
        ? 'users who type their username in another case than at sign-up are refused by the standby'
        : 'two source users whose usernames differ only by case collide in the standby (one is not replicated)',
      fix: "case sensitivity cannot be changed after creation: create the standby pool again with the source's setting",
      command: `aws cognito-idp create-user-pool --region ${t.region ?? '<region>'} --pool-name <name> --username-configuration CaseSensitive=${s.usernameCaseSensitive}`,
    });
  }
  return out;
}

// ----------------------------------------------------------------------------- schema

function findAttribute(pool: PoolConfig, name: string): SchemaAttribute | undefined {
  const bare = name.replace(/^dev:/, '');
  return pool.schema.find((a) => a.name === bare || a.name === name || a.name === `dev:${bare}`);
}

function addCustomAttributeCommand(pool: PoolConfig, name: string, attr: Partial<SchemaAttribute>): string {
  const bare = name.replace(/^dev:/, '').replace(/^custom:/, '');
  const spec: Record<string, unknown> = {
    Name: bare,
    AttributeDataType: attr.dataType ?? 'String',
    Mutable: attr.mutable ?? true,
  };
  if (attr.developerOnly) spec.DeveloperOnlyAttribute = true;
  if ((attr.dataType ?? 'String') === 'String')
    spec.StringAttributeConstraints = { MinLength: '0', MaxLength: String(attr.maxLength ?? 2048) };
  return cli('add-custom-attributes', pool, `--custom-attributes ${shellJson([spec])}`);
}

function checkManagedAttributes(s: PoolConfig, t: PoolConfig, o: DoctorOptions): Finding[] {
  const out: Finding[] = [];
  const managed = [
    {
      name: o.sourceSubAttribute,
      min: SUB_LENGTH,
      want: 64,
      role: 'the source sub',
      breaks:
        'replicas do not carry the source sub: applications cannot map standby users to their data, and the failover script cannot tell replicas from users who signed up in the standby',
    },
    {
      name: o.mfaMarkerAttribute,
      min: MARKER_MAX,
      want: 128,
      role: 'the source MFA marker',
      breaks:
        'the failover script cannot tell who used a TOTP authenticator (they must re-enroll), and the reconciler must read every replica (AdminGetUser, billed) to compare MFA',
    },
  ];
  for (const m of managed) {
    for (const [pool, side] of [
      [t, 'target'],
      [s, 'source'],
    ] as const) {
      const a = findAttribute(pool, m.name);
      const failback = side === 'source';
      const severity = failback ? 'warning' : 'blocker';
      const prefix = failback
        ? 'after a failover, reverse replication into the primary (failback) breaks the same way: '
        : '';
      const id = `schema.${m.name === o.sourceSubAttribute ? 'source-sub' : 'mfa-marker'}${failback ? '.failback' : ''}`;
      if (!a) {
        out.push({
          id: `${id}.missing`,
          severity,
          area: 'schema',
          title: `${m.name} (${m.role}) is missing in the ${side} pool`,
          breaks: prefix + m.breaks,
          fix: `add the custom attribute (String, mutable) to the ${side} pool`,
          command: addCustomAttributeCommand(pool, m.name, { dataType: 'String', mutable: true, maxLength: m.want }),
        });
        continue;
      }
      const problems: string[] = [];
      if (a.dataType && a.dataType !== 'String') problems.push(`type ${a.dataType}, not String`);
      if (!a.mutable) problems.push('immutable (cannot be corrected once written)');
      if (a.maxLength !== undefined && a.maxLength < m.min) problems.push(`max length ${a.maxLength} < ${m.min}`);
      if (problems.length) {
        out.push({
          id: `${id}.unusable`,
          severity,
          area: 'schema',
          title: `${m.name} in the ${side} pool is unusable: ${problems.join('; ')}`,
          breaks: prefix + m.breaks,
          fix: `custom attributes cannot be changed or removed: add a new one and point the suite at it (SOURCE_SUB_ATTRIBUTE / MFA_MARKER_ATTRIBUTE, and the CLIs' --source-sub-attribute / --mfa-marker-attribute)`,
          command: addCustomAttributeCommand(pool, `${m.name}2`, {
            dataType: 'String',
            mutable: true,
            maxLength: m.want,
          }),
        });
      }
    }
  }
  return out;
}

function isCustom(name: string): boolean {
  return name.startsWith('custom:') || name.startsWith('dev:custom:');
}

function checkCustomAttributes(s: PoolConfig, t: PoolConfig, o: DoctorOptions): Finding[] {
  const out: Finding[] = [];
  for (const a of s.schema) {
    if (!isCustom(a.name) || a.name.endsWith(o.sourceSubAttribute) || a.name.endsWith(o.mfaMarkerAttribute)) continue;
    const b = findAttribute(t, a.name);
    if (!b) {
      out.push({
        id: `schema.custom.missing:${a.name}`,
        severity: 'blocker',
        area: 'schema',
        title: `custom attribute ${a.name} is missing in the target`,
        breaks: `replicas are created without ${a.name}: every application reading it gets nothing in the standby`,
        fix: 'add it to the target with the same type and constraints',
        command: addCustomAttributeCommand(t, a.name, a),
      });
      continue;
    }
    if (a.dataType && b.dataType && a.dataType !== b.dataType) {
      out.push({
        id: `schema.custom.type:${a.name}`,
        severity: 'blocker',
        area: 'schema',
        title: `custom attribute ${a.name} is ${a.dataType} in the source, ${b.dataType} in the target`,
        breaks: 'Cognito refuses the value: users who have it cannot be created or updated in the standby',
        fix: 'custom attributes cannot be changed: add one with the right type under another name and map it, or recreate the standby pool',
      });
    }
    if (a.mutable && !b.mutable) {
      out.push({
        id: `schema.custom.immutable:${a.name}`,
        severity: 'warning',
        area: 'schema',
        title: `custom attribute ${a.name} is mutable in the source, immutable in the target`,
        breaks:
          'its value is written when the replica is created and never updated: changes in the source are lost in the standby',
        fix: 'custom attributes cannot be changed: recreate the attribute under another name, mutable',
      });
    }
    if (a.maxLength !== undefined && b.maxLength !== undefined && b.maxLength < a.maxLength) {
      out.push({
        id: `schema.custom.length:${a.name}`,
        severity: 'warning',
        area: 'schema',
        title: `custom attribute ${a.name} allows ${a.maxLength} characters in the source, ${b.maxLength} in the target`,
        breaks: 'longer values are left out of the replica (reported as an attribute gap)',
        fix: "custom attributes cannot be changed: recreate the attribute with the source's length under another name",
      });
    }
    if (!!a.developerOnly !== !!b.developerOnly) {
      out.push({
        id: `schema.custom.developer-only:${a.name}`,
        severity: 'warning',
        area: 'schema',
        title: `custom attribute ${a.name} is ${a.developerOnly ? '' : 'not '}developer-only in the source but ${b.developerOnly ? '' : 'not '}in the target`,
        breaks: b.developerOnly
          ? 'users cannot read or write it in the standby with their own tokens'
          : 'users can change it themselves in the standby',
        fix: "recreate the attribute with the source's setting",
      });
    }
  }
  return out;
}

function checkRequired(s: PoolConfig, t: PoolConfig): Finding[] {
  const out: Finding[] = [];
  for (const b of t.schema) {
    if (!b.required) continue;
    const a = findAttribute(s, b.name);
    if (a?.required) continue;
    out.push({
      id: `required:${b.name}`,
      severity: 'blocker',
      area: 'required',
      title: `${b.name} is required in the target but not in the source`,
      breaks: `source users without ${b.name} cannot be created in the standby (AdminCreateUser refuses them)`,
      fix: 'required attributes cannot be changed after creation: create the standby pool again without this requirement',
    });
  }
  return out;
}

// ----------------------------------------------------------------------------- password policy

function checkPasswordPolicy(s: PoolConfig, t: PoolConfig): Finding[] {
  const a = s.passwordPolicy;
  const b = t.passwordPolicy;
  const weaker: string[] = [];
  if (b.minimumLength < a.minimumLength) weaker.push(`minimum length ${b.minimumLength} < ${a.minimumLength}`);
  for (const k of ['requireUppercase', 'requireLowercase', 'requireNumbers', 'requireSymbols'] as const)
    if (a[k] && !b[k]) weaker.push(`${k} off`);
  if ((s.passwordHistorySize ?? 0) > (t.passwordHistorySize ?? 0))
    weaker.push(`password history ${t.passwordHistorySize ?? 0} < ${s.passwordHistorySize}`);
  const out: Finding[] = [];
  const policy = {
    PasswordPolicy: {
      MinimumLength: Math.max(a.minimumLength, b.minimumLength),
      RequireUppercase: a.requireUppercase || b.requireUppercase,
      RequireLowercase: a.requireLowercase || b.requireLowercase,
      RequireNumbers: a.requireNumbers || b.requireNumbers,
      RequireSymbols: a.requireSymbols || b.requireSymbols,
    },
  };
  if (weaker.length) {
    out.push({
      id: 'password.weaker',
      severity: 'warning',
      area: 'password',
      title: `the target's password policy is weaker: ${weaker.join('; ')}`,
      breaks: 'users who reset their password in the standby may choose passwords the source would refuse',
      fix: `align the target's policy (${UPDATE_POOL_NOTE})`,
      command: cli('update-user-pool', t, `--policies ${shellJson(policy)} <every other current setting>`),
    });
  } else if (
    b.minimumLength > a.minimumLength ||
    (['requireUppercase', 'requireLowercase', 'requireNumbers', 'requireSymbols'] as const).some((k) => b[k] && !a[k])
  ) {
    out.push({
      id: 'password.stricter',
      severity: 'info',
      area: 'password',
      title: "the target's password policy is stricter than the source's",
      breaks:
        'nothing breaks (passwords are never copied); users resetting in the standby must meet the stricter rules',
      fix: 'none needed; align the policies if users should see the same rules',
    });
  }
  return out;
}

// ----------------------------------------------------------------------------- MFA

function checkMfa(source: PoolSnapshot, target: PoolSnapshot): Finding[] {
  const out: Finding[] = [];
  const s = source.config.mfaConfiguration ?? source.mfa?.mfaConfiguration ?? 'OFF';
  const t = target.config.mfaConfiguration ?? target.mfa?.mfaConfiguration ?? 'OFF';
  const setMfa = (pool: PoolConfig, value: string, extra = '') =>
    cli('set-user-pool-mfa-config', pool, `--mfa-configuration ${value}${extra}`);
  if (s !== 'OFF' && t === 'OFF') {
    out.push({
      id: 'mfa.off',
      severity: 'blocker',
      area: 'mfa',
      title: `MFA is ${s} in the source and OFF in the target`,
      breaks:
        'SMS/e-mail MFA preferences cannot be replicated: users with MFA sign in to the standby with a password alone',
      fix: 'turn MFA on in the target with the factors the source uses',
      command: setMfa(target.config, s, source.mfa?.totp ? ' --software-token-mfa-configuration Enabled=true' : ''),
    });
  } else if (s !== t) {
    out.push({
      id: 'mfa.differs',
      severity: 'warning',
      area: 'mfa',
      title: `MFA is ${s} in the source and ${t} in the target`,
      breaks:
        t === 'ON'
          ? 'users without MFA in the source must set up MFA at their first sign-in to the standby'
          : 'users the source forces to use MFA may skip it in the standby',
      fix: 'align the target with the source',
      command: setMfa(target.config, s),
    });
  }
  if (source.mfa && target.mfa) {
    const factors: { key: 'sms' | 'totp' | 'email'; name: string; breaks: string; extra: string }[] = [
      {
        key: 'totp',
        name: 'TOTP (authenticator apps)',
        breaks: 'TOTP users cannot re-enroll their authenticator in the standby',
        extra: ' --software-token-mfa-configuration Enabled=true',
      },
      {
        key: 'sms',
        name: 'SMS MFA',
        breaks: 'users with SMS MFA cannot receive their code in the standby: they cannot sign in',
        extra: ' --sms-mfa-configuration <SmsConfiguration with an SNS role in the target Region>',
      },
      {
        key: 'email',
        name: 'e-mail MFA',
        breaks: 'users with e-mail MFA cannot receive their code in the standby: they cannot sign in',
        extra: ' --email-mfa-configuration <Message/Subject; needs Amazon SES and the Essentials plan>',
      },
    ];
    for (const x of factors) {
      if (source.mfa[x.key] && !target.mfa[x.key]) {
        out.push({
          id: `mfa.factor.${x.key}`,
          severity: 'blocker',
          area: 'mfa',
          title: `${x.name} is enabled in the source but not in the target`,
          breaks: x.breaks,
          fix: `enable ${x.name} in the target (set-user-pool-mfa-config replaces the whole MFA configuration: pass every factor)`,
          command: setMfa(target.config, t === 'OFF' ? s : t, x.extra),
        });
      }
    }
  }
  return out;
}

// ----------------------------------------------------------------------------- account recovery

function recoveryCommand(pool: PoolConfig): string {
  return cli(
    'update-user-pool',
    pool,
    `--account-recovery-setting ${shellJson({
      RecoveryMechanisms: [
        { Name: 'verified_email', Priority: 1 },
        { Name: 'verified_phone_number', Priority: 2 },
      ],
    })} <every other current setting>`,
  );
}

function checkRecovery(s: PoolConfig, t: PoolConfig): Finding[] {
  const out: Finding[] = [];
  const deliverable = t.accountRecovery.filter((m) => m !== 'admin_only');
  if (t.accountRecovery.length && !deliverable.length) {
    out.push({
      id: 'recovery.admin-only',
      severity: 'blocker',
      area: 'recovery',
      title: "the target's account recovery is admin-only",
      breaks:
        'password resets cannot be sent: AdminResetUserPassword and "Forgot password" deliver no code, so no replica can ever sign in (passwords are never copied)',
      fix: `allow recovery by verified e-mail and/or phone (${UPDATE_POOL_NOTE})`,
      command: recoveryCommand(t),
    });
  } else if (!t.accountRecovery.length) {
    out.push({
      id: 'recovery.legacy',
      severity: 'warning',
      area: 'recovery',
      title: 'the target has no account recovery setting (legacy behaviour)',
      breaks:
        "reset codes go by SMS whenever the user has a verified phone (Cognito's legacy order), which costs SMS and needs an SNS set-up in the standby Region",
      fix: `set the recovery order explicitly (${UPDATE_POOL_NOTE})`,
      command: recoveryCommand(t),
    });
  } else if (s.accountRecovery.join() !== t.accountRecovery.join()) {
    out.push({
      id: 'recovery.differs',
      severity: 'warning',
      area: 'recovery',
      title: `account recovery differs: source ${s.accountRecovery.join(' > ') || 'legacy'}, target ${t.accountRecovery.join(' > ')}`,
      breaks:
        'users receive their reset code on another channel than the one they know from the primary (or none, if they verified only the other one)',
      fix: `align the target with the source (${UPDATE_POOL_NOTE})`,
    });
  }
  return out;
}

// ----------------------------------------------------------------------------- messaging

function checkMessaging(source: PoolSnapshot, target: PoolSnapshot): Finding[] {
  const out: Finding[] = [];
  const t = target.config;
  const s = source.config;
  const mechanisms = t.accountRecovery.length ? t.accountRecovery : ['verified_phone_number', 'verified_email'];
  const emailDefault = t.emailSendingAccount === undefined || t.emailSendingAccount === 'COGNITO_DEFAULT';
  if (mechanisms.includes('verified_email') && emailDefault) {
    const many = (s.estimatedUsers ?? 0) > 50 || (t.estimatedUsers ?? 0) > 50;
    out.push({
      id: 'messaging.email-default',
      severity: many ? 'blocker' : 'warning',
      area: 'messaging',
      title: "the target sends e-mail with Cognito's default sender",
      breaks:
        'Cognito\'s built-in e-mail allows only a small number of messages a day per pool (see "Quotas in Amazon Cognito"): in a failover most reset codes would not be sent',
      fix: `configure Amazon SES in the standby Region (verified identity, production access) and use it (${UPDATE_POOL_NOTE})`,
      command: cli(
        'update-user-pool',
        t,
        `--email-configuration EmailSendingAccount=DEVELOPER,SourceArn=arn:aws:ses:${t.region ?? '<region>'}:<account>:identity/<verified identity>,From=<from address> <every other current setting>`,
      ),
    });
  }
  const needsSms = mechanisms.includes('verified_phone_number') || !!source.mfa?.sms;
  if (needsSms && s.smsConfigured && !t.smsConfigured) {
    out.push({
      id: 'messaging.sms',
      severity: 'blocker',
      area: 'messaging',
      title: 'the source can send SMS, the target has no SMS configuration',
      breaks: 'SMS reset codes and SMS MFA codes cannot be sent from the standby',
      fix: `give the target an SNS caller role in its Region (and leave the SNS SMS sandbox there) (${UPDATE_POOL_NOTE})`,
      command: cli(
        'update-user-pool',
        t,
        `--sms-configuration SnsCallerArn=arn:aws:iam::<account>:role/<sns role>,ExternalId=<id>,SnsRegion=${t.region ?? '<region>'} <every other current setting>`,
      ),
    });
  }
  return out;
}

// ----------------------------------------------------------------------------- groups

function checkGroups(source: PoolSnapshot, target: PoolSnapshot): Finding[] {
  const out: Finding[] = [];
  const have = new Map(target.groups.map((g) => [g.name, g]));
  const missing = source.groups.filter((g) => !have.has(g.name)).sort((a, b) => a.name.localeCompare(b.name));
  if (missing.length) {
    const commands = missing.map((g) =>
      cli(
        'create-group',
        target.config,
        `--group-name ${shellArg(g.name)}` +
          (g.precedence !== undefined ? ` --precedence ${g.precedence}` : '') +
          (g.description ? ` --description ${shellArg(g.description)}` : '') +
          (g.roleArn ? ' --role-arn <standby role ARN>' : ''),
      ),
    );
    out.push({
      id: 'groups.missing',
      severity: 'warning',
      area: 'groups',
      title: `${missing.length} source group(s) missing in the target: ${missing
        .slice(0, 20)
        .map((g) => g.name)
        .join(', ')}${missing.length > 20 ? ', …' : ''}`,
      breaks:
        'the worker creates a missing group on first use, but without a role unless GROUP_ROLE_MAP maps it, and CreateGroup is limited to a few calls per second per pool: create them ahead',
      fix: 'create the groups in the target',
      command: commands.join('\n'),
    });
  }
  for (const g of source.groups) {
    const b = have.get(g.name);
    if (!b) continue;
    if (g.roleArn && !b.roleArn) {
      out.push({
        id: `groups.role:${g.name}`,
        severity: 'warning',
        area: 'groups',
        title: `group ${g.name} has a role in the source but none in the target`,
        breaks:
          'tokens from the standby carry no cognito:roles / cognito:preferred_role for its members (identity pools and APIs relying on them deny access)',
        fix: 'give the target group its role',
        command: cli('update-group', target.config, `--group-name ${shellArg(g.name)} --role-arn <standby role ARN>`),
      });
    }
    if (g.precedence !== b.precedence) {
      out.push({
        id: `groups.precedence:${g.name}`,
        severity: 'info',
        area: 'groups',
        title: `group ${g.name} has precedence ${g.precedence ?? 'none'} in the source, ${b.precedence ?? 'none'} in the target`,
        breaks: 'users in several groups may get another preferred role in the standby',
        fix: 'align the precedence',
        command: cli(
          'update-group',
          target.config,
          `--group-name ${shellArg(g.name)}${g.precedence !== undefined ? ` --precedence ${g.precedence}` : ''}`,
        ),
      });
    }
  }
  return out;
}

// ----------------------------------------------------------------------------- triggers

/** LambdaConfig entries that are not triggers (KMS key for the custom sender triggers). */
const NOT_TRIGGERS = new Set(['KMSKeyID']);

function lambdaRegion(arn: string): string | undefined {
  return /^arn:[\w-]+:lambda:([a-z0-9-]+):/.exec(arn)?.[1];
}

function checkTriggers(s: PoolConfig, t: PoolConfig): Finding[] {
  const out: Finding[] = [];
  const lambdaConfig = (pool: PoolConfig, name: string) =>
    cli(
      'update-user-pool',
      pool,
      `--lambda-config ${name}=<function ARN in ${pool.region ?? 'this Region'}>,<every other current trigger> <every other current setting>`,
    );
  if (!s.lambdaTriggers.PostConfirmation) {
    out.push({
      id: 'trigger.source',
      severity: 'blocker',
      area: 'trigger',
      title: 'no post confirmation trigger on the source pool',
      breaks:
        'new sign-ups are not replicated until the reconciler runs: users who sign up between two reconciles do not exist in the standby',
      fix: 'deploy the suite in the source Region and attach its trigger with the checked read-modify-write of attach-trigger (only one function per trigger: chain an existing one, docs/DEPLOY.md)',
      command: attachTrigger(s),
    });
  }
  if (!t.lambdaTriggers.PostConfirmation) {
    out.push({
      id: 'trigger.target',
      severity: 'warning',
      area: 'trigger',
      title: 'no post confirmation trigger on the target pool',
      breaks:
        'sign-ups in the standby during an outage are not queued for the primary: failback relies on a reverse reconcile alone',
      fix: 'deploy the suite in the standby Region too and attach its trigger (docs/DEPLOY.md)',
      command: attachTrigger(t),
    });
  }
  for (const name of Object.keys(s.lambdaTriggers)) {
    if (NOT_TRIGGERS.has(name) || name === 'PostConfirmation') continue;
    if (!t.lambdaTriggers[name]) {
      out.push({
        id: `trigger.missing:${name}`,
        severity: 'warning',
        area: 'trigger',
        title: `the source has a ${name} trigger, the target has none`,
        breaks: `the standby behaves differently: ${TRIGGER_EFFECT[name] ?? 'whatever the function does does not happen'}`,
        fix: `deploy the function in ${t.region ?? 'the standby Region'} and attach it (${UPDATE_POOL_NOTE})`,
        command: lambdaConfig(t, name),
      });
    }
  }
  for (const [name, arn] of Object.entries(t.lambdaTriggers)) {
    const r = lambdaRegion(arn);
    if (r && t.region && s.region && r !== t.region && r === s.region) {
      out.push({
        id: `trigger.cross-region:${name}`,
        severity: 'blocker',
        area: 'trigger',
        title: `the target's ${name} trigger runs in the source Region (${r})`,
        breaks:
          "when the primary Region fails, the standby's trigger fails with it: Cognito refuses the operations it guards",
        fix: `attach a copy of the function deployed in ${t.region}`,
        command: lambdaConfig(t, name),
      });
    }
  }
  return out;
}

function attachTrigger(pool: PoolConfig): string {
  return `npm run attach-trigger -- --region ${pool.region ?? '<region>'} --pool ${pool.poolId} --function-arn <stack output TriggerFunctionArn in ${pool.region ?? 'that Region'}> --apply`;
}

const TRIGGER_EFFECT: Record<string, string> = {
  PreSignUp: 'sign-up validation and auto-confirmation are skipped',
  PreAuthentication: 'sign-in checks are skipped',
  PostAuthentication: 'post sign-in actions are skipped',
  PreTokenGeneration: 'tokens lack the claims the function adds: APIs relying on them deny access',
  CustomMessage: "reset codes and other messages use Cognito's default text",
  DefineAuthChallenge: 'custom authentication flows fail',
  CreateAuthChallenge: 'custom authentication flows fail',
  VerifyAuthChallengeResponse: 'custom authentication flows fail',
  UserMigration: 'users are not migrated on sign-in',
};

// ----------------------------------------------------------------------------- sign-up, security

function checkSignUp(s: PoolConfig, t: PoolConfig): Finding[] {
  const out: Finding[] = [];
  if (t.allowAdminCreateUserOnly && !s.allowAdminCreateUserOnly) {
    out.push({
      id: 'sign-up.disabled',
      severity: 'warning',
      area: 'sign-up',
      title: 'self sign-up is allowed in the source, disabled in the target',
      breaks: 'new users cannot sign up during a failover',
      fix: `allow self sign-up in the target (${UPDATE_POOL_NOTE})`,
      command: cli(
        'update-user-pool',
        t,
        '--admin-create-user-config AllowAdminCreateUserOnly=false <every other current setting>',
      ),
    });
  }
  const missing = (s.autoVerifiedAttributes ?? []).filter((a) => !(t.autoVerifiedAttributes ?? []).includes(a));
  if (s.autoVerifiedAttributes && t.autoVerifiedAttributes !== undefined && missing.length) {
    out.push({
      id: 'sign-up.verification',
      severity: 'warning',
      area: 'sign-up',
      title: `the source verifies ${missing.join(', ')} at sign-up, the target does not`,
      breaks:
        'users who sign up in the standby get no verification code: without a verified contact they cannot recover their password',
      fix: `verify the same attributes in the target (${UPDATE_POOL_NOTE})`,
      command: cli(
        'update-user-pool',
        t,
        `--auto-verified-attributes ${s.autoVerifiedAttributes.join(' ')} <every other current setting>`,
      ),
    });
  }
  return out;
}

function checkSecurity(s: PoolConfig, t: PoolConfig): Finding[] {
  const out: Finding[] = [];
  const on = (m?: string) => m === 'AUDIT' || m === 'ENFORCED';
  if (on(s.advancedSecurityMode) && s.advancedSecurityMode !== t.advancedSecurityMode) {
    out.push({
      id: 'security.threat-protection',
      severity: 'warning',
      area: 'security',
      title: `threat protection is ${s.advancedSecurityMode} in the source, ${t.advancedSecurityMode ?? 'OFF'} in the target`,
      breaks:
        'the standby does not detect or block risky sign-ins and compromised credentials (and takes them during an outage, when attacks are likely)',
      fix: `turn it on in the target (Plus plan) (${UPDATE_POOL_NOTE})`,
      command: cli(
        'update-user-pool',
        t,
        `--user-pool-add-ons AdvancedSecurityMode=${s.advancedSecurityMode} <every other current setting>`,
      ),
    });
  }
  if (t.deletionProtection !== undefined && t.deletionProtection !== 'ACTIVE') {
    out.push({
      id: 'security.deletion-protection',
      severity: 'warning',
      area: 'security',
      title: 'the target pool has no deletion protection',
      breaks: 'the standby (and every replica, which carries no password) can be deleted by one API call',
      fix: `turn deletion protection on (${UPDATE_POOL_NOTE})`,
      command: cli('update-user-pool', t, '--deletion-protection ACTIVE <every other current setting>'),
    });
  }
  if (s.deviceTracking) {
    out.push({
      id: 'security.devices',
      severity: 'info',
      area: 'security',
      title: 'the source remembers devices',
      breaks:
        'remembered devices are never replicated: in the standby every device is new (MFA is asked again where the source skipped it)',
      fix: 'none: tell users to expect it',
    });
  }
  return out;
}

// ----------------------------------------------------------------------------- plan, passwordless, users

const MRR_COVERS =
  'one secondary Region sharing the pool ID, users with their password hashes, so users keep their passwords';
const MRR_MISSES =
  'in the secondary no sign-up or admin user creation, no password reset or profile edit, no TOTP MFA; only one secondary; lockout counters per Region; ' +
  "needs the Essentials or Plus plan (add-on cost), a multi-Region KMS key and a pool on Cognito's newer infrastructure";

function checkPlan(s: PoolConfig, t: PoolConfig): Finding[] {
  const out: Finding[] = [];
  const tier = s.featurePlan;
  if (tier === 'ESSENTIALS' || tier === 'PLUS') {
    const key = s.kmsKeyArn
      ? /:key\/mrk-/.test(s.kmsKeyArn)
        ? 'it has a multi-Region KMS key'
        : 'its KMS key is single-Region: MRR needs a multi-Region (mrk-) key'
      : 'it uses an AWS-owned key: MRR needs a customer managed multi-Region key';
    out.push({
      id: 'plan.mrr-possible',
      severity: 'info',
      area: 'plan',
      title: `the source is on the ${tier} plan: native multi-Region replication (MRR) may be an option (${key})`,
      breaks: `MRR covers ${MRR_COVERS}; it does not cover: ${MRR_MISSES}. This suite covers sign-ups and resets in the standby, TOTP re-enrolment, several standbys and other accounts, but not passwords`,
      fix: 'if users keeping their passwords matters more than a writable standby, evaluate MRR (check eligibility in the console); docs/LIMITATIONS.md compares both',
    });
  } else {
    out.push({
      id: 'plan.mrr-unavailable',
      severity: 'info',
      area: 'plan',
      title: `the source is on the ${tier ?? 'unreported (Lite?)'} plan: native multi-Region replication is not available without upgrading`,
      breaks: `MRR would cover ${MRR_COVERS}; it would not cover: ${MRR_MISSES}`,
      fix: 'none needed: this suite is the standby for pools MRR does not serve',
    });
  }
  const essentialsUsed: string[] = [];
  if ((s.allowedFirstAuthFactors ?? []).some((x) => x !== 'PASSWORD')) essentialsUsed.push('passwordless sign-in');
  if (s.advancedSecurityMode === 'AUDIT' || s.advancedSecurityMode === 'ENFORCED')
    essentialsUsed.push('threat protection (Plus)');
  if (t.featurePlan === 'LITE' && essentialsUsed.length) {
    out.push({
      id: 'plan.target-lite',
      severity: 'warning',
      area: 'plan',
      title: `the target is on the Lite plan but the source uses ${essentialsUsed.join(', ')}`,
      breaks: 'those features are unavailable in the standby',
      fix: "upgrade the standby's plan",
      command: cli(
        'update-user-pool',
        t,
        `--user-pool-tier ${s.featurePlan ?? 'ESSENTIALS'} <every other current setting>`,
      ),
    });
  }
  return out;
}

function checkPasswordless(t: PoolConfig): Finding[] {
  if (t.allowedFirstAuthFactors?.includes('EMAIL_OTP')) {
    return [
      {
        id: 'passwordless.available',
        severity: 'info',
        area: 'passwordless',
        title: 'the target allows e-mail one-time codes as a first factor (EMAIL_OTP)',
        breaks:
          'nothing: during a failover, replicas with a verified e-mail and no MFA can sign in with an e-mailed code instead of resetting their password (the app must use the USER_AUTH flow); the failover manifest marks them (emailOtp)',
        fix: 'none needed; make sure the app client allows ALLOW_USER_AUTH',
      },
    ];
  }
  const essentials = t.featurePlan === 'ESSENTIALS' || t.featurePlan === 'PLUS';
  return [
    {
      id: 'passwordless.unavailable',
      severity: 'info',
      area: 'passwordless',
      title: `the target does not allow e-mail one-time codes as a first factor${t.allowedFirstAuthFactors ? '' : ' (sign-in policy not reported)'}`,
      breaks:
        'during a failover every replica must reset its password (codes are sent at the UserAccountRecovery quota, 30 a second at most); with EMAIL_OTP, users with a verified e-mail and no MFA could sign in at once',
      fix: essentials
        ? `allow EMAIL_OTP in the target's sign-in policy and ALLOW_USER_AUTH on the app client (${UPDATE_POOL_NOTE})`
        : 'needs the Essentials plan on the standby, then EMAIL_OTP in its sign-in policy',
      command: essentials
        ? cli(
            'update-user-pool',
            t,
            `--policies ${shellJson({ SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP'] } })} <every other current setting, PasswordPolicy included>`,
          )
        : cli('update-user-pool', t, '--user-pool-tier ESSENTIALS <every other current setting>'),
    },
  ];
}

function checkUsers(s: PoolConfig, t: PoolConfig): Finding[] {
  if (s.estimatedUsers === undefined || t.estimatedUsers === undefined || t.estimatedUsers >= s.estimatedUsers)
    return [];
  return [
    {
      id: 'users.fewer',
      severity: 'info',
      area: 'users',
      title: `the target has about ${t.estimatedUsers} users, the source about ${s.estimatedUsers} (Cognito's estimates)`,
      breaks: 'users missing from the standby cannot sign in there',
      fix: 'run the reconciler to backfill (npm run reconcile -- --apply)',
    },
  ];
}
