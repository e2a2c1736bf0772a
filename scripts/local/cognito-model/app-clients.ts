/**
 * App clients: CreateUserPoolClient, DescribeUserPoolClient, ListUserPoolClients. Rules (API
 * reference and SDK model): `GenerateSecret` makes a client secret, answered by Create and
 * Describe; an unknown client is ResourceNotFoundException; a custom scope
 * (`<resource server>/<scope>`) the pool does not define is ScopeDoesNotExistException; a
 * supported identity provider the pool does not have is refused (InvalidParameterException).
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { type OpContext, poolOf, seconds } from './context';
import { fail, invalid } from './errors';
import { page } from './listing-pages';
import { alnum } from './pools';
import type { Json } from './types';

/** Scopes every pool has (OAuth and Cognito's own). */
const STANDARD_SCOPES = new Set(['openid', 'email', 'phone', 'profile', 'aws.cognito.signin.user.admin']);
/** Providers every pool has. */
const BUILT_IN_PROVIDERS = new Set(['COGNITO']);

function createUserPoolClient(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const { GenerateSecret, UserPoolId: _, ...settings } = ctx.input;
  if (!settings.ClientName) invalid("1 validation error detected: Value at 'clientName' failed to satisfy constraint");
  for (const scope of settings.AllowedOAuthScopes ?? []) {
    if (STANDARD_SCOPES.has(scope)) continue;
    const cut = scope.lastIndexOf('/');
    const server = cut > 0 ? pool.resourceServers.get(scope.slice(0, cut)) : undefined;
    if (!server?.Scopes?.some((s: Json) => s.ScopeName === scope.slice(cut + 1)))
      fail('ScopeDoesNotExistException', `Invalid scope requested: ${scope}`);
  }
  for (const provider of settings.SupportedIdentityProviders ?? [])
    if (!BUILT_IN_PROVIDERS.has(provider) && !pool.identityProviders.has(provider))
      invalid(`The provider ${provider} does not exist for User Pool ${pool.options.id}`);
  const id = alnum(26).toLowerCase();
  const now = seconds(ctx.clock.now());
  const client: Json = {
    ...settings,
    ClientId: id,
    UserPoolId: pool.options.id,
    CreationDate: now,
    LastModifiedDate: now,
    ...(GenerateSecret ? { ClientSecret: randomBytes(38).toString('base64url').slice(0, 51) } : {}),
  };
  pool.clients.set(id, client);
  return { UserPoolClient: client };
}

function describeUserPoolClient(ctx: OpContext): Json {
  const client = poolOf(ctx).clients.get(ctx.input.ClientId);
  if (!client) fail('ResourceNotFoundException', `User pool client ${String(ctx.input.ClientId)} does not exist.`);
  return { UserPoolClient: client };
}

function listUserPoolClients(ctx: OpContext): Json {
  const clients = [...poolOf(ctx).clients.values()].map((c) => ({
    ClientId: c.ClientId,
    ClientName: c.ClientName,
    UserPoolId: c.UserPoolId,
  }));
  const { items, next } = page(clients, ctx.input.MaxResults, ctx.input.NextToken, 60);
  return { UserPoolClients: items, ...(next ? { NextToken: next } : {}) };
}

export const APP_CLIENT_OPERATIONS = {
  CreateUserPoolClient: createUserPoolClient,
  DescribeUserPoolClient: describeUserPoolClient,
  ListUserPoolClients: listUserPoolClients,
};
