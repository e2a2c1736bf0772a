import { loadFailoverConfig } from '../../../../src/config/failover';

describe('failover function configuration', () => {
  it('reads the deployment’s own pool, Region, table and bucket', () => {
    expect(
      loadFailoverConfig({
        SOURCE_POOL_ID: 'us-west-2_Standby1',
        AWS_REGION: 'us-west-2',
        FAILOVER_TABLE: 'css-prod-failover',
        STATE_BUCKET: 'css-prod-state',
        AWS_LAMBDA_FUNCTION_NAME: 'css-prod-failover',
      }),
    ).toMatchObject({
      poolId: 'us-west-2_Standby1',
      region: 'us-west-2',
      table: 'css-prod-failover',
      stateBucket: 'css-prod-state',
      functionName: 'css-prod-failover',
      headroom: expect.any(Number),
    });
  });

  it('names every missing or bad variable', () => {
    expect(() => loadFailoverConfig({ SOURCE_POOL_ID: 'nope', AWS_REGION: 'us-west-2' })).toThrow(
      /SOURCE_POOL_ID: expected a user pool id.*FAILOVER_TABLE: is not set.*STATE_BUCKET: is not set/,
    );
  });
});
