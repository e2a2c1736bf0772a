/** A pool of the Cognito model and its gateway, for the backup and restore tests of pool configuration. */
import { CognitoModel } from '../../../scripts/local/cognito-model';
import { cognitoGateway } from '../../../src/config/wiring';
import { uniquePoolId, VirtualClock } from '../helpers';

/** A new model with one pool in us-east-1, and the pool's gateway (no headroom), on virtual time. */
export function modelPool() {
  const clock = new VirtualClock();
  const model = new CognitoModel({ clock });
  const pool = model.addPool({ id: uniquePoolId('us-east-1') });
  const gateway = cognitoGateway(
    { region: 'us-east-1', poolId: pool.options.id },
    { client: model.client, clock, headroom: 0 },
  );
  return { clock, model, pool, gateway };
}
