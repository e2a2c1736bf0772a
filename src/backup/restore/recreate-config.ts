/**
 * `--create-pool`, once CreateUserPool has made the pool: recreates the rest of the backed-up
 * configuration through the new pool's port, in dependency order: the MFA factors, resource
 * servers (clients name their scopes), identity providers (clients name them), app clients, then
 * the domains. A piece that fails is reported and the rest goes on (the pool exists by then).
 * Run again on the same pool (`--recreate-config`, after a `--create-pool` run stopped before the
 * end), it skips the pieces the pool already has, so nothing is made twice.
 * @packageDocumentation
 */
import type { CognitoPool } from '../../cognito/pool';
import {
  appClientRequest,
  type BackedUpConfiguration,
  domainRequests,
  type IdpSecrets,
  identityProviderRequest,
  mfaRequest,
  resourceServerRequest,
} from './config-requests';

/** What {@link recreateConfiguration} did. */
export interface RecreateOutcome {
  /** One line per piece recreated (`resource server orders`, `app client web: ...`). */
  recreated: string[];
  /** One line per piece not recreated, or recreated only in part, with the reason. */
  notRecreated: string[];
  /** Old app client id -> new one (every app configured with a client id must change). */
  clientIds: Record<string, string>;
  /** Custom domains and the CloudFront target their DNS must now point to. */
  dnsTargets: { domain: string; target: string }[];
  /** With `skipPresent`: one line per piece the pool already had (not made again). */
  alreadyPresent: string[];
}

/** Options of {@link recreateConfiguration}. */
export interface RecreateOptions {
  /** The new pool. */
  pool: CognitoPool;
  config: BackedUpConfiguration;
  /** Secrets of the identity providers that had one (`--idp-secrets`), by provider name. */
  idpSecrets?: IdpSecrets;
  /**
   * Read the pool's present configuration first and make only what it lacks: resource servers by
   * identifier, identity providers by name, app clients by name (the n-th backed-up client of a
   * name matches the n-th present one, and keeps its id in `clientIds`), domains by name. The MFA
   * settings are set again (the same request twice leaves the same settings).
   */
  skipPresent?: boolean;
}

/** What a pool already has, by the names {@link recreateConfiguration} matches on. */
interface PresentConfiguration {
  resourceServers: Map<string, string[]>;
  providers: Set<string>;
  /** Client ids by client name, in the order listed (taken one by one as they are matched). */
  clients: Map<string, string[]>;
  domains: Set<string>;
}

async function presentConfiguration(pool: CognitoPool): Promise<PresentConfiguration> {
  const [settings, servers, providers, clients] = await Promise.all([
    pool.describePoolSettings(),
    pool.listResourceServers(),
    pool.listIdentityProviders(),
    pool.listAppClients(),
  ]);
  const byName = new Map<string, string[]>();
  for (const c of clients)
    byName.set(c.ClientName ?? '', [...(byName.get(c.ClientName ?? '') ?? []), c.ClientId ?? '']);
  return {
    resourceServers: new Map(servers.map((s) => [s.Identifier ?? '', (s.Scopes ?? []).map((x) => x.ScopeName ?? '')])),
    providers: new Set(providers.map((p) => p.ProviderName ?? '')),
    clients: byName,
    domains: new Set([settings.Domain, settings.CustomDomain].filter((d): d is string => !!d)),
  };
}

const reason = (err: unknown): string => {
  const e = err as { code?: string; name?: string; message?: string };
  return `${e.code ?? e.name ?? 'Error'}: ${e.message ?? String(err)}`;
};

/**
 * Recreates the MFA factors, resource servers, identity providers, app clients and domains of a
 * backed-up configuration in `pool`. No secret is ever in the outcome.
 *
 * @example
 * ```ts
 * const outcome = await recreateConfiguration({ pool: newPool, config, idpSecrets });
 * for (const line of outcome.notRecreated) console.error(`not recreated: ${line}`);
 * ```
 */
export async function recreateConfiguration(options: RecreateOptions): Promise<RecreateOutcome> {
  const { pool, config } = options;
  const out: RecreateOutcome = { recreated: [], notRecreated: [], clientIds: {}, dnsTargets: [], alreadyPresent: [] };
  const present = options.skipPresent ? await presentConfiguration(pool) : undefined;
  const attempt = async (what: string, work: () => Promise<string | undefined>) => {
    try {
      const done = await work();
      out.recreated.push(done ? `${what}: ${done}` : what);
      return true;
    } catch (err) {
      out.notRecreated.push(`${what}: ${reason(err)}`);
      return false;
    }
  };

  const mfa = mfaRequest(config.mfa);
  if (mfa.problem) out.notRecreated.push(mfa.problem);
  if (mfa.request) {
    const request = mfa.request;
    await attempt(`MFA ${request.MfaConfiguration ?? 'factors'}`, async () => {
      await pool.setMfaSettings(request);
      return undefined;
    });
  }

  const scopes = new Set<string>();
  for (const server of config.resourceServers ?? []) {
    const request = resourceServerRequest(server);
    const name = `resource server ${request.Identifier}`;
    const have = present?.resourceServers.get(request.Identifier ?? '');
    if (have) {
      out.alreadyPresent.push(name);
      for (const s of have) scopes.add(`${request.Identifier}/${s}`);
      continue;
    }
    const ok = await attempt(name, async () => {
      await pool.createResourceServer(request);
      return undefined;
    });
    if (ok) for (const s of request.Scopes ?? []) scopes.add(`${request.Identifier}/${s.ScopeName}`);
  }

  const providers = new Set<string>();
  for (const backed of config.identityProviders ?? []) {
    const { request, missing } = identityProviderRequest(backed, options.idpSecrets);
    const name = `identity provider ${request.ProviderName} (${request.ProviderType})`;
    if (present?.providers.has(request.ProviderName ?? '')) {
      out.alreadyPresent.push(name);
      providers.add(request.ProviderName ?? '');
      continue;
    }
    if (missing.length) {
      out.notRecreated.push(`${name}: its ${missing.join(', ')} is not in a backup; give it with --idp-secrets`);
      continue;
    }
    if (
      await attempt(name, async () => {
        await pool.createIdentityProvider(request);
        return undefined;
      })
    )
      providers.add(request.ProviderName ?? '');
  }

  for (const backed of config.clients ?? []) {
    const { request, dropped } = appClientRequest(backed, { providers, scopes });
    const oldId = String(backed.client.ClientId ?? '');
    const name = `app client ${request.ClientName} (was ${oldId})`;
    const presentId = present?.clients.get(request.ClientName ?? '')?.shift();
    if (presentId) {
      out.alreadyPresent.push(`${name}: now ${presentId}`);
      out.clientIds[oldId] = presentId;
      continue;
    }
    await attempt(name, async () => {
      const made = await pool.createAppClient(request);
      if (made.ClientId) out.clientIds[oldId] = made.ClientId;
      return `now ${made.ClientId}${backed.hadSecret ? ', with a NEW secret (read it from the console or DescribeUserPoolClient)' : ''}`;
    });
    if (dropped.length) out.notRecreated.push(`${name}: without ${dropped.join(', ')} (not recreated)`);
  }

  const domains = domainRequests(config.domain);
  out.notRecreated.push(...domains.problems);
  for (const request of domains.requests) {
    const custom = !!request.CustomDomainConfig;
    const name = `${custom ? 'custom' : 'prefix'} domain ${request.Domain}`;
    if (present?.domains.has(request.Domain ?? '')) {
      out.alreadyPresent.push(name);
      continue;
    }
    await attempt(name, async () => {
      const { cloudFrontDomain } = await pool.createDomain(request);
      if (!custom) return undefined;
      if (cloudFrontDomain) out.dnsTargets.push({ domain: request.Domain ?? '', target: cloudFrontDomain });
      return `point its DNS (alias/CNAME) at ${cloudFrontDomain ?? 'the CloudFront target DescribeUserPoolDomain names'}`;
    });
  }
  return out;
}
