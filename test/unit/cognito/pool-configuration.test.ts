/**
 * The pool-configuration operations of the Cognito port (app clients, identity providers,
 * resource servers, domains, MFA factors) through the gateway, against the Cognito model over the
 * SDK's own serialisation (directClient), with the documented errors.
 */
import { CognitoModel, directClient } from '../../../scripts/local/cognito-model';
import { cognitoGateway } from '../../../src/config/wiring';
import { uniquePoolId, VirtualClock } from '../helpers';

function fixture() {
  const clock = new VirtualClock();
  const model = new CognitoModel({ clock, quotas: false });
  const pool = model.addPool({ id: uniquePoolId('us-east-1') });
  const gateway = cognitoGateway(
    { region: 'us-east-1', poolId: pool.options.id },
    { client: directClient(model), clock, headroom: 0 },
  );
  return { clock, model, pool, gateway };
}

describe('pool configuration through the gateway', () => {
  it('creates and lists resource servers, identity providers and app clients; a secret is made only when asked', async () => {
    const { clock, gateway } = fixture();
    await clock.run(
      gateway.createResourceServer({
        Identifier: 'https://api.example.com',
        Name: 'api',
        Scopes: [{ ScopeName: 'read', ScopeDescription: 'read' }],
      }),
    );
    await clock.run(
      gateway.createIdentityProvider({
        ProviderName: 'Corp',
        ProviderType: 'OIDC',
        ProviderDetails: {
          client_id: 'cid',
          client_secret: 'shh',
          oidc_issuer: 'https://idp.example.com',
          authorize_scopes: 'openid',
        },
      }),
    );
    const confidential = await clock.run(
      gateway.createAppClient({
        ClientName: 'backend',
        GenerateSecret: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthScopes: ['https://api.example.com/read'],
        AllowedOAuthFlowsUserPoolClient: true,
      }),
    );
    const web = await clock.run(
      gateway.createAppClient({ ClientName: 'web', SupportedIdentityProviders: ['COGNITO', 'Corp'] }),
    );
    expect(confidential.ClientSecret).toBeTruthy();
    expect(web.ClientSecret).toBeUndefined();

    const clients = await clock.run(gateway.listAppClients());
    expect(clients.map((c) => c.ClientName).sort()).toEqual(['backend', 'web']);
    expect(clients.find((c) => c.ClientName === 'backend')).toMatchObject({
      AllowedOAuthScopes: ['https://api.example.com/read'],
    });
    const providers = await clock.run(gateway.listIdentityProviders());
    expect(providers).toEqual([expect.objectContaining({ ProviderName: 'Corp', ProviderType: 'OIDC' })]);
    expect(await clock.run(gateway.listResourceServers())).toEqual([
      expect.objectContaining({
        Identifier: 'https://api.example.com',
        Scopes: [{ ScopeName: 'read', ScopeDescription: 'read' }],
      }),
    ]);
    expect(gateway.calls).toMatchObject({
      ListUserPoolClients: 1,
      DescribeUserPoolClient: 2,
      DescribeIdentityProvider: 1,
    });
  });

  it('answers the documented errors: unknown scope, duplicate provider, unknown provider, a domain taken', async () => {
    const { clock, gateway, model } = fixture();
    await expect(
      clock.run(gateway.createAppClient({ ClientName: 'x', AllowedOAuthScopes: ['https://nowhere/read'] })),
    ).rejects.toMatchObject({ code: 'ScopeDoesNotExistException' });
    const saml = {
      ProviderName: 'Okta',
      ProviderType: 'SAML' as const,
      ProviderDetails: { MetadataURL: 'https://okta.example.com/md' },
    };
    await clock.run(gateway.createIdentityProvider(saml));
    await expect(clock.run(gateway.createIdentityProvider(saml))).rejects.toMatchObject({
      code: 'DuplicateProviderException',
    });
    await expect(
      clock.run(gateway.createAppClient({ ClientName: 'y', SupportedIdentityProviders: ['Nobody'] })),
    ).rejects.toMatchObject({
      code: 'InvalidParameterException',
    });
    await clock.run(gateway.createDomain({ Domain: 'acme-login' }));
    const other = model.addPool({ id: uniquePoolId('us-east-1') });
    const second = cognitoGateway(
      { region: 'us-east-1', poolId: other.options.id },
      { client: directClient(model), clock, headroom: 0 },
    );
    await expect(clock.run(second.createDomain({ Domain: 'acme-login' }))).rejects.toMatchObject({
      code: 'InvalidParameterException',
    });
  });

  it('a custom domain answers its CloudFront target; DescribeUserPool names the domains; an unknown domain is none', async () => {
    const { clock, gateway } = fixture();
    expect(await clock.run(gateway.createDomain({ Domain: 'acme-login' }))).toEqual({ cloudFrontDomain: undefined });
    const custom = await clock.run(
      gateway.createDomain({
        Domain: 'login.acme.example',
        CustomDomainConfig: { CertificateArn: 'arn:aws:acm:us-east-1:1:certificate/c' },
      }),
    );
    expect(custom.cloudFrontDomain).toMatch(/\.cloudfront\.net$/);
    expect(await clock.run(gateway.describePoolSettings())).toMatchObject({
      Domain: 'acme-login',
      CustomDomain: 'login.acme.example',
    });
    expect(await clock.run(gateway.describeDomain('login.acme.example'))).toMatchObject({
      Domain: 'login.acme.example',
      CustomDomainConfig: { CertificateArn: 'arn:aws:acm:us-east-1:1:certificate/c' },
      CloudFrontDistribution: custom.cloudFrontDomain,
    });
    expect(await clock.run(gateway.describeDomain('nothing-here'))).toBeUndefined();
  });

  it('Sign in with Apple: the private key is taken but never described', async () => {
    const { clock, gateway } = fixture();
    await clock.run(
      gateway.createIdentityProvider({
        ProviderName: 'SignInWithApple',
        ProviderType: 'SignInWithApple',
        ProviderDetails: {
          client_id: 'com.example',
          team_id: 'T',
          key_id: 'K',
          private_key: 'PEM',
          authorize_scopes: 'email',
        },
      }),
    );
    const [apple] = await clock.run(gateway.listIdentityProviders());
    expect(apple.ProviderDetails).toEqual({
      client_id: 'com.example',
      team_id: 'T',
      key_id: 'K',
      authorize_scopes: 'email',
    });
  });

  it('SetUserPoolMfaConfig sets the factors GetUserPoolMfaConfig answers; ON without a factor is refused', async () => {
    const { clock, gateway } = fixture();
    await expect(clock.run(gateway.setMfaSettings({ MfaConfiguration: 'ON' }))).rejects.toMatchObject({
      code: 'InvalidParameterException',
    });
    await clock.run(
      gateway.setMfaSettings({ MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } }),
    );
    expect(await clock.run(gateway.describeMfaSettings())).toMatchObject({
      MfaConfiguration: 'OPTIONAL',
      SoftwareTokenMfaConfiguration: { Enabled: true },
    });
  });
});
