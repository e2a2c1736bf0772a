/**
 * Re-checks, against plain cognito-local (its own `start.js`, no shim, no host corrections), the
 * gaps listed in docs/EMULATORS.md. Run it after upgrading cognito-local:
 *
 *     npx tsx scripts/local/probe-cognito-local.ts
 *
 * Prints one line per probe: what was sent, the HTTP status and error type. Uses only
 * example.com test data; never prints response bodies.
 * @packageDocumentation
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trackChild } from './internal/cleanup';
import { startLambdaEndpoint } from './lambda-endpoint';

interface Answer {
  status: number;
  json: Record<string, any>;
}

async function main(): Promise<void> {
  const triggerEvents: Record<string, unknown>[] = [];
  let triggerThrows = false;
  const lambda = await startLambdaEndpoint({
    registry: {
      trigger: async (e: Record<string, unknown>) => {
        triggerEvents.push(e);
        if (triggerThrows) throw new Error('boom');
        return e;
      },
    },
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-cognito-local-'));
  mkdirSync(path.join(dir, '.cognito'), { recursive: true });
  writeFileSync(
    path.join(dir, '.cognito', 'config.json'),
    JSON.stringify({
      LambdaClient: {
        endpoint: lambda.endpoint,
        region: 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      },
      TriggerFunctions: { PostConfirmation: 'trigger' },
    }),
  );
  const child = spawn(process.execPath, [require.resolve('cognito-local/lib/bin/start.js')], {
    cwd: dir,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', () => reject(new Error('cognito-local exited')));
    });
    const call = async (op: string, body: unknown): Promise<Answer> => {
      const r = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: {
          'x-amz-target': `AWSCognitoIdentityProviderService.${op}`,
          'content-type': 'application/x-amz-json-1.1',
        },
        body: JSON.stringify(body),
      });
      const text = await r.text();
      return { status: r.status, json: text ? JSON.parse(text) : {} };
    };
    const probe = async (label: string, op: string, body: unknown, note: (a: Answer) => string = () => '') => {
      const a = await call(op, body);
      console.log(`${label.padEnd(52)} ${a.status} ${String(a.json.__type ?? '').padEnd(30)} ${note(a)}`);
      return a;
    };

    const pool = (
      await call('CreateUserPool', {
        PoolName: 'probe',
        Schema: [{ Name: 'tier', AttributeDataType: 'String' }],
        AutoVerifiedAttributes: ['email'],
      })
    ).json.UserPool;
    console.log(
      `CreateUserPool without UsernameAttributes -> id ${pool.Id}, UsernameAttributes ${JSON.stringify(pool.UsernameAttributes)}, UserPoolTier ${pool.UserPoolTier}`,
    );
    const P = pool.Id;
    const clientId = (await call('CreateUserPoolClient', { UserPoolId: P, ClientName: 'probe' })).json.UserPoolClient
      .ClientId;
    await probe('GetGroup in a pool without groups', 'GetGroup', { UserPoolId: P, GroupName: 'g' });
    await probe('CreateGroup', 'CreateGroup', { UserPoolId: P, GroupName: 'g' });
    await probe('CreateGroup again (Cognito: GroupExistsException)', 'CreateGroup', { UserPoolId: P, GroupName: 'g' });
    await probe('AdminCreateUser plain username', 'AdminCreateUser', {
      UserPoolId: P,
      Username: 'plain',
      MessageAction: 'SUPPRESS',
    });
    const created = await probe('AdminCreateUser with custom:nope (not in schema)', 'AdminCreateUser', {
      UserPoolId: P,
      Username: 'a@example.com',
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'custom:nope', Value: '1' },
        { Name: 'email', Value: 'a@example.com' },
        { Name: 'email_verified', Value: 'true' },
      ],
    });
    const username = created.json.User?.Username;
    await probe('AdminSetUserPassword "x" (breaks the policy)', 'AdminSetUserPassword', {
      UserPoolId: P,
      Username: username,
      Password: 'x',
      Permanent: true,
    });
    await probe('AdminUpdateUserAttributes email_verified alone', 'AdminUpdateUserAttributes', {
      UserPoolId: P,
      Username: username,
      UserAttributes: [{ Name: 'email_verified', Value: 'true' }],
    });
    await probe('AdminUpdateUserAttributes unknown user', 'AdminUpdateUserAttributes', {
      UserPoolId: P,
      Username: 'ghost@example.com',
      UserAttributes: [{ Name: 'name', Value: 'n' }],
    });
    await probe('AdminAddUserToGroup by e-mail', 'AdminAddUserToGroup', {
      UserPoolId: P,
      Username: 'a@example.com',
      GroupName: 'g',
    });
    await probe(
      'AdminListGroupsForUser by e-mail',
      'AdminListGroupsForUser',
      { UserPoolId: P, Username: 'a@example.com' },
      (a) => `groups: ${a.json.Groups?.length}`,
    );
    await probe(
      'ListUsers Limit 100 (Cognito: max 60)',
      'ListUsers',
      { UserPoolId: P, Limit: 100 },
      (a) => `users: ${a.json.Users?.length}`,
    );
    await probe(
      'ListUsers Filter status = "Enabled"',
      'ListUsers',
      { UserPoolId: P, Filter: 'status = "Enabled"' },
      (a) => `users: ${a.json.Users?.length}`,
    );
    await probe('ListUsers Filter email="..." (no spaces)', 'ListUsers', {
      UserPoolId: P,
      Filter: 'email="a@example.com"',
    });
    await probe(
      'DescribeUserPool',
      'DescribeUserPool',
      { UserPoolId: P },
      (a) => `EstimatedNumberOfUsers: ${a.json.UserPool?.EstimatedNumberOfUsers}`,
    );
    for (const op of [
      'AdminResetUserPassword',
      'AdminSetUserMFAPreference',
      'GetCSVHeader',
      'CreateUserImportJob',
      'AdminLinkProviderForUser',
    ]) {
      await probe(op, op, { UserPoolId: P, Username: username });
    }
    await probe('ForgotPassword of a FORCE_CHANGE_PASSWORD user', 'ForgotPassword', {
      ClientId: clientId,
      Username: 'a@example.com',
    });
    await probe('SignUp with password "x"', 'SignUp', {
      ClientId: clientId,
      Username: 'b@example.com',
      Password: 'x',
      UserAttributes: [{ Name: 'email', Value: 'b@example.com' }],
    });
    await probe('AdminConfirmSignUp (trigger answers)', 'AdminConfirmSignUp', {
      UserPoolId: P,
      Username: 'b@example.com',
    });
    const e = triggerEvents[0] as
      | { version?: string; region?: string; callerContext?: { clientId?: unknown } }
      | undefined;
    console.log(
      `PostConfirmation event: version ${e?.version}, region ${e?.region}, callerContext.clientId ${JSON.stringify(e?.callerContext?.clientId)}`,
    );
    await call('SignUp', {
      ClientId: clientId,
      Username: 'c@example.com',
      Password: 'x',
      UserAttributes: [{ Name: 'email', Value: 'c@example.com' }],
    });
    triggerThrows = true;
    await probe('AdminConfirmSignUp (trigger throws)', 'AdminConfirmSignUp', {
      UserPoolId: P,
      Username: 'c@example.com',
    });
    await probe('AdminConfirmSignUp unknown user', 'AdminConfirmSignUp', {
      UserPoolId: P,
      Username: 'ghost@example.com',
    });
  } finally {
    child.kill('SIGKILL');
    await lambda.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
