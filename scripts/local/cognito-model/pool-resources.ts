/**
 * A pool's identity providers, resource servers and domains: CreateIdentityProvider,
 * DescribeIdentityProvider, ListIdentityProviders, CreateResourceServer, ListResourceServers,
 * CreateUserPoolDomain, DescribeUserPoolDomain. Rules (API reference and SDK model): a provider
 * name already in the pool is DuplicateProviderException; an unknown provider is
 * ResourceNotFoundException; Sign in with Apple's `private_key` is taken but never described
 * (CreateIdentityProvider's ProviderDetails, "Describe response"); a domain is unique in the
 * Region; a custom domain (`CustomDomainConfig.CertificateArn`) answers the CloudFront
 * distribution its DNS must point to; DescribeUserPool names the pool's `Domain` and
 * `CustomDomain`. An unknown domain is described as `{}` *(unconfirmed)*.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { type OpContext, poolOf, seconds } from './context';
import { fail, invalid } from './errors';
import { page } from './listing-pages';
import type { ModelPool } from './pool';
import type { Json } from './types';

/** ProviderDetails keys a describe never answers (Sign in with Apple's key). */
const WRITE_ONLY_DETAILS = ['private_key'];

const describeProvider = (p: Json): Json => {
  const details = { ...p.ProviderDetails };
  for (const k of WRITE_ONLY_DETAILS) delete details[k];
  return { ...p, ProviderDetails: details };
};

function createIdentityProvider(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const { ProviderName, ProviderType, ProviderDetails, AttributeMapping, IdpIdentifiers } = ctx.input;
  if (!ProviderName || !ProviderType || !ProviderDetails)
    invalid('ProviderName, ProviderType and ProviderDetails are required');
  if (pool.identityProviders.has(ProviderName))
    fail('DuplicateProviderException', 'A provider with the name already exists.');
  const now = seconds(ctx.clock.now());
  const provider: Json = {
    UserPoolId: pool.options.id,
    ProviderName,
    ProviderType,
    ProviderDetails: { ...ProviderDetails },
    AttributeMapping: AttributeMapping ?? {},
    IdpIdentifiers: IdpIdentifiers ?? [],
    CreationDate: now,
    LastModifiedDate: now,
  };
  pool.identityProviders.set(ProviderName, provider);
  return { IdentityProvider: describeProvider(provider) };
}

function describeIdentityProvider(ctx: OpContext): Json {
  const provider = poolOf(ctx).identityProviders.get(ctx.input.ProviderName);
  if (!provider)
    fail('ResourceNotFoundException', `Identity provider ${String(ctx.input.ProviderName)} does not exist.`);
  return { IdentityProvider: describeProvider(provider) };
}

function listIdentityProviders(ctx: OpContext): Json {
  const all = [...poolOf(ctx).identityProviders.values()].map((p) => ({
    ProviderName: p.ProviderName,
    ProviderType: p.ProviderType,
    CreationDate: p.CreationDate,
    LastModifiedDate: p.LastModifiedDate,
  }));
  const { items, next } = page(all, ctx.input.MaxResults, ctx.input.NextToken, 60);
  return { Providers: items, ...(next ? { NextToken: next } : {}) };
}

function createResourceServer(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const { Identifier, Name, Scopes } = ctx.input;
  if (!Identifier || !Name) invalid('Identifier and Name are required');
  if (pool.resourceServers.has(Identifier)) invalid(`${Identifier} already exists in user pool ${pool.options.id}.`);
  const server: Json = { UserPoolId: pool.options.id, Identifier, Name, Scopes: Scopes ?? [] };
  pool.resourceServers.set(Identifier, server);
  return { ResourceServer: server };
}

function listResourceServers(ctx: OpContext): Json {
  const { items, next } = page(
    [...poolOf(ctx).resourceServers.values()],
    ctx.input.MaxResults,
    ctx.input.NextToken,
    50,
  );
  return { ResourceServers: items, ...(next ? { NextToken: next } : {}) };
}

function domainOwner(ctx: OpContext, domain: string): ModelPool | undefined {
  for (const pool of ctx.pools.values()) if (pool.domains.has(domain)) return pool;
  return undefined;
}

function createUserPoolDomain(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const { Domain, CustomDomainConfig, ManagedLoginVersion } = ctx.input;
  if (!Domain) invalid("1 validation error detected: Value at 'domain' failed to satisfy constraint");
  if (domainOwner(ctx, Domain)) invalid('Domain already associated with another user pool.');
  const custom = !!CustomDomainConfig?.CertificateArn;
  if (!custom && !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(Domain)) invalid(`Invalid domain prefix ${Domain}`);
  const cloudFront = `d${randomBytes(7).toString('hex').slice(0, 13)}.cloudfront.net`;
  pool.domains.set(Domain, {
    UserPoolId: pool.options.id,
    AWSAccountId: ctx.accountId,
    Domain,
    CloudFrontDistribution: cloudFront,
    Version: String(seconds(ctx.clock.now())),
    Status: 'ACTIVE',
    ...(custom ? { CustomDomainConfig } : {}),
    ManagedLoginVersion: ManagedLoginVersion ?? 1,
  });
  if (custom) pool.config.CustomDomain = Domain;
  else pool.config.Domain = Domain;
  return { ManagedLoginVersion: ManagedLoginVersion ?? 1, ...(custom ? { CloudFrontDomain: cloudFront } : {}) };
}

function describeUserPoolDomain(ctx: OpContext): Json {
  const domain = String(ctx.input.Domain ?? '');
  return { DomainDescription: domainOwner(ctx, domain)?.domains.get(domain) ?? {} };
}

export const POOL_RESOURCE_OPERATIONS = {
  CreateIdentityProvider: createIdentityProvider,
  DescribeIdentityProvider: describeIdentityProvider,
  ListIdentityProviders: listIdentityProviders,
  CreateResourceServer: createResourceServer,
  ListResourceServers: listResourceServers,
  CreateUserPoolDomain: createUserPoolDomain,
  DescribeUserPoolDomain: describeUserPoolDomain,
};
