/**
 * Fault: a throttling storm on the standby while the failover job lists, reads MFA and sends. A
 * share of every Cognito call answers TooManyRequestsException; the gateway backs off and retries
 * (a throttled reset never went out: its claim stands, no second code). The job finishes across
 * sessions; every user exactly one code, counted at the model. No timing assertions.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminCreateUserCommand, AdminSetUserPasswordCommand } from '@aws-sdk/client-cognito-identity-provider';
import { cognitoGateway } from '../../src/config/wiring';
import { FileJobStore, jobStatus, listingTotals, newJobState, runJobSession } from '../../src/failover/job';
import { useEmulators } from '../support/emulators';
import { fileJobSending } from '../support/failover-job';
import { MemoryManifestStore } from '../unit/failover/job/fakes';

jest.setTimeout(240_000);

const emu = useEmulators({ sqs: false, pools: { usernameMode: 'username' } });
const USERS = 60;

test('throttling storm: the job lists, reads and sends through it; every user exactly one code', async () => {
  const { standby, standbyClient, pools } = emu();
  const poolId = pools.standby.poolId;
  for (let i = 0; i < USERS; i++) {
    const name = `storm${String(i).padStart(2, '0')}`;
    await standbyClient.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: name,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: `${name}@example.com` },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'custom:source_sub', Value: `src-${i}` },
          ...(i % 4 ? [{ Name: 'custom:source_mfa', Value: 'NONE' }] : []),
        ],
      }),
    );
    await standbyClient.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: poolId,
        Username: name,
        Password: 'Local-Passw0rd!x',
        Permanent: true,
      }),
    );
  }
  await standby.shim.outbox({ clear: true });
  standby.shim.resetCalls();
  standby.shim.faults = { throttleShare: 0.3, seed: 7 };

  const store = new FileJobStore();
  const manifests = new MemoryManifestStore();
  const journalPath = join(mkdtempSync(join(tmpdir(), 'failover-storm-')), 'journal.jsonl');
  await store.create(
    newJobState({
      poolId,
      options: { send: true, sourceSubAttribute: 'custom:source_sub', mfaMarkerAttribute: 'custom:source_mfa' },
    }),
  );
  let status = 'stopped';
  for (let i = 0; i < 20 && status !== 'done'; i++) {
    // Each session its own gateway, as each invocation of the function builds one.
    const gateway = cognitoGateway(
      { region: standby.region, poolId },
      { client: standby.client(), quotas: { UserAccountRecovery: 200, UserList: 200, UserRead: 400 } },
    );
    const deps = {
      store,
      manifests,
      standby: gateway,
      ...(await fileJobSending(journalPath, poolId, gateway)),
    };
    status = (await runJobSession(deps, { poolId, owner: `s${i}`, deadline: Date.now() + 120_000 })).status;
  }
  const throttled = Object.values(standby.shim.throttled).reduce((a, b) => a + b, 0);
  standby.shim.faults = {};
  expect(status).toBe('done');
  expect(throttled).toBeGreaterThan(10); // the storm really hit the job
  const end = (await store.get(poolId))!;
  expect(listingTotals(end)).toMatchObject({ listed: USERS, toSend: USERS });
  expect(jobStatus(end, Date.now())).toMatchObject({ left: 0, sent: USERS });
  const codes = new Map<string, number>();
  for (const e of await standby.shim.outbox())
    if (e.kind === 'reset' && e.poolId === poolId) codes.set(e.username, (codes.get(e.username) ?? 0) + 1);
  expect(codes.size).toBe(USERS);
  expect([...codes.values()].every((n) => n === 1)).toBe(true);
});
