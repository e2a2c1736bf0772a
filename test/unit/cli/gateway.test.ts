import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';

// The options the CLI's gateway is built with (through src/config/wiring.ts) are what is checked.
const built: Record<string, any>[] = [];
jest.mock('../../../src/cognito/gateway', () => ({
  ...jest.requireActual('../../../src/cognito/gateway'),
  CognitoGateway: class {
    constructor(options: Record<string, any>) {
      built.push(options);
    }
  },
}));

import { QuotaLimiter } from '../../../src/cognito/limiter';
import { DEFAULT_QUOTAS } from '../../../src/cognito/quotas';
import { buildGateway, DUMMY_CREDENTIALS } from '../../../scripts/cli/common';

const saved = { ...process.env };
beforeEach(() => {
  built.length = 0;
  process.env = { HOME: '/nonexistent-home' }; // no AWS credentials named anywhere
});
afterAll(() => {
  process.env = saved;
});

describe('issue 11.4 the CLI gateway comes from the wiring', () => {
  test('a local endpoint without credentials in reach: dummy ones; its own limiter from --headroom and --quota', () => {
    buildGateway({
      region: 'us-west-2',
      poolId: 'us-west-2_A',
      endpoint: 'http://127.0.0.1:9229',
      headroom: 0.5,
      quotas: { UserUpdate: 50 },
    });
    expect(built[0]).toMatchObject({
      region: 'us-west-2',
      poolId: 'us-west-2_A',
      endpoint: 'http://127.0.0.1:9229',
      clientConfig: { credentials: DUMMY_CREDENTIALS },
    });
    expect((built[0].limiter as QuotaLimiter).rate('UserUpdate')).toBe(25);
  });

  test('AWS: the standard credential chain, the default headroom; a shared limiter and client as given', () => {
    buildGateway({ region: 'us-east-1', poolId: 'us-east-1_A' });
    expect(built[0].clientConfig).toBeUndefined();
    expect((built[0].limiter as QuotaLimiter).rate('UserUpdate')).toBeCloseTo(DEFAULT_QUOTAS.UserUpdate * 0.8);
    const limiter = new QuotaLimiter();
    const client = {} as CognitoIdentityProviderClient;
    buildGateway({ region: 'us-east-1', poolId: 'us-east-1_A', limiter, client });
    expect(built[1].limiter).toBe(limiter);
    expect(built[1].client).toBe(client);
  });
});
