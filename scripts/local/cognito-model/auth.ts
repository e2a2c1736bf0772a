/**
 * The user (public) API the suite drives: SignUp, ConfirmSignUp, AdminConfirmSignUp,
 * InitiateAuth (USER_PASSWORD_AUTH) and UpdateUserAttributes. Rules from the API reference:
 * - SignUp creates an UNCONFIRMED user (named by its sub in a pool with e-mail or phone as
 *   username) and sends a code to the auto-verified channel;
 * - ConfirmSignUp checks the code, confirms, and marks the channel the code went to verified
 *   in the same call (so the PostConfirmation event already carries the flag); AdminConfirmSignUp
 *   confirms without verifying anything;
 * - both run the PostConfirmation trigger; a failing trigger fails the call with
 *   UserLambdaValidationException, and the user stays confirmed;
 * - InitiateAuth answers NotAuthorizedException for a wrong password, an unknown user (the
 *   default "prevent user existence errors") or a disabled one, UserNotConfirmedException,
 *   PasswordResetRequiredException, and NEW_PASSWORD_REQUIRED for FORCE_CHANGE_PASSWORD.
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { applyAttributes, writableAttributes } from './attributes';
import { type OpContext, poolOf, poolOfClient, userOf } from './context';
import { fail, invalid } from './errors';
import { checkPassword } from './passwords';
import type { ModelPool } from './pool';
import { issueToken, verifyToken } from './tokens';
import type { Json, ModelUser } from './types';

function channelOf(pool: ModelPool, u: ModelUser): 'email' | 'phone_number' | undefined {
  return (['email', 'phone_number'] as const).find((a) => pool.autoVerified.includes(a) && u.Attributes[a]);
}

function codeDelivery(channel: 'email' | 'phone_number', u: ModelUser): Json {
  const value = u.Attributes[channel];
  const masked =
    channel === 'email' ? `${value[0]}***@${value.split('@')[1]?.[0] ?? ''}***` : `+*******${value.slice(-4)}`;
  return { AttributeName: channel, DeliveryMedium: channel === 'email' ? 'EMAIL' : 'SMS', Destination: masked };
}

function signUp(ctx: OpContext): Json {
  const pool = poolOfClient(ctx);
  const attrs = writableAttributes(ctx.input.UserAttributes, pool.schema);
  checkPassword(ctx.input.Password, pool);
  const name = String(ctx.input.Username ?? '');
  const alias = pool.usernameAttributes.find((a) => (a === 'email' ? name.includes('@') : name.startsWith('+')));
  if (pool.usernameAttributes.length && !alias) invalid('Username should be an email.');
  if (alias) attrs[alias] ??= name;
  if (pool.resolve(name)) fail('UsernameExistsException', 'An account with the given email already exists.');
  const u = pool.put({
    Username: name,
    Attributes: { ...attrs, sub: randomUUID() },
    UserStatus: 'UNCONFIRMED',
    Password: ctx.input.Password,
    Created: new Date(ctx.clock.now()),
  });
  const channel = channelOf(pool, u);
  if (channel) ctx.deliver(pool, u, 'signup', channel === 'email' ? 'EMAIL' : 'SMS');
  return {
    UserConfirmed: false,
    UserSub: u.Attributes.sub,
    ...(channel ? { CodeDeliveryDetails: codeDelivery(channel, u) } : {}),
  };
}

async function postConfirmation(ctx: OpContext, pool: ModelPool, u: ModelUser, source: string, clientId?: string) {
  await ctx.trigger?.(pool, 'PostConfirmation', {
    version: '1',
    triggerSource: source,
    region: ctx.region,
    userPoolId: pool.options.id,
    userName: u.Username,
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: clientId ?? 'CLIENT_ID_NOT_APPLICABLE' },
    request: {
      userAttributes: { ...u.Attributes, 'cognito:user_status': u.UserStatus },
      ...(ctx.input.ClientMetadata ? { clientMetadata: ctx.input.ClientMetadata } : {}),
    },
    response: {},
  });
}

function confirmable(u: ModelUser): void {
  if (u.UserStatus !== 'UNCONFIRMED')
    fail('NotAuthorizedException', `User cannot be confirmed. Current status is ${u.UserStatus}`);
}

async function confirmSignUp(ctx: OpContext): Promise<Json> {
  const pool = poolOfClient(ctx);
  const u = userOf(pool, ctx.input.Username);
  confirmable(u);
  if (!u.Code || u.Code !== ctx.input.ConfirmationCode)
    fail('CodeMismatchException', 'Invalid verification code provided, please try again.');
  const channel = channelOf(pool, u);
  if (channel) u.Attributes[`${channel}_verified`] = 'true';
  u.UserStatus = 'CONFIRMED';
  u.Code = undefined;
  await postConfirmation(ctx, pool, u, 'PostConfirmation_ConfirmSignUp', ctx.input.ClientId);
  return {};
}

async function adminConfirmSignUp(ctx: OpContext): Promise<Json> {
  const pool = poolOf(ctx);
  const u = userOf(pool, ctx.input.Username);
  confirmable(u);
  u.UserStatus = 'CONFIRMED';
  await postConfirmation(ctx, pool, u, 'PostConfirmation_ConfirmSignUp');
  return {};
}

function initiateAuth(ctx: OpContext): Json {
  const pool = poolOfClient(ctx);
  if (ctx.input.AuthFlow !== 'USER_PASSWORD_AUTH')
    invalid(`Unsupported AuthFlow ${ctx.input.AuthFlow} (the model has USER_PASSWORD_AUTH)`);
  const { USERNAME, PASSWORD } = ctx.input.AuthParameters ?? {};
  const u = pool.resolve(String(USERNAME ?? ''));
  if (!u || u.Password !== PASSWORD) fail('NotAuthorizedException', 'Incorrect username or password.');
  if (!u!.Enabled) fail('NotAuthorizedException', 'User is disabled.');
  if (u!.UserStatus === 'UNCONFIRMED') fail('UserNotConfirmedException', 'User is not confirmed.');
  if (u!.UserStatus === 'RESET_REQUIRED')
    fail('PasswordResetRequiredException', 'Password reset required for the user');
  const user = u!;
  if (user.UserStatus === 'FORCE_CHANGE_PASSWORD')
    return {
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      Session: randomUUID(),
      ChallengeParameters: { USER_ID_FOR_SRP: user.Username },
    };
  const iat = Math.floor(ctx.clock.now() / 1000);
  const claims = {
    sub: user.Attributes.sub,
    iss: `https://cognito-idp.${ctx.region}.amazonaws.com/${pool.options.id}`,
    client_id: ctx.input.ClientId,
    username: user.Username,
    auth_time: iat,
    iat,
    exp: iat + 3600,
  };
  return {
    ChallengeParameters: {},
    AuthenticationResult: {
      AccessToken: issueToken({ ...claims, token_use: 'access', scope: 'aws.cognito.signin.user.admin' }),
      IdToken: issueToken({ ...claims, token_use: 'id', aud: ctx.input.ClientId, 'cognito:username': user.Username }),
      RefreshToken: randomUUID(),
      ExpiresIn: 3600,
      TokenType: 'Bearer',
    },
  };
}

/** UpdateUserAttributes: the access token's user edits its own attributes. */
function updateUserAttributes(ctx: OpContext): Json {
  const claims = verifyToken(ctx.input.AccessToken, ctx.clock.now());
  const poolId = String(claims.iss).slice(String(claims.iss).lastIndexOf('/') + 1);
  const pool = ctx.pools.get(poolId) ?? fail('NotAuthorizedException', 'Invalid Access Token');
  const u = pool.users.get(claims.username) ?? fail('NotAuthorizedException', 'User does not exist.');
  applyAttributes(u, writableAttributes(ctx.input.UserAttributes, pool.schema));
  u.Modified = new Date(ctx.clock.now());
  return { CodeDeliveryDetailsList: [] };
}

export const AUTH_OPERATIONS = {
  SignUp: signUp,
  ConfirmSignUp: confirmSignUp,
  AdminConfirmSignUp: adminConfirmSignUp,
  InitiateAuth: initiateAuth,
  UpdateUserAttributes: updateUserAttributes,
};
