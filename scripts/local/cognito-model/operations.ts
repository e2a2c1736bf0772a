/**
 * The operation table: API operation name to implementation. A new Cognito operation goes in the
 * file of its concept and is listed here.
 * @packageDocumentation
 */
import { APP_CLIENT_OPERATIONS } from './app-clients';
import { AUTH_OPERATIONS } from './auth';
import type { OpContext } from './context';
import { GROUP_OPERATIONS } from './groups';
import { IMPORT_OPERATIONS } from './import-jobs';
import { LISTING_OPERATIONS } from './listing';
import { MFA_OPERATIONS } from './mfa';
import { POOL_RESOURCE_OPERATIONS } from './pool-resources';
import { POOL_OPERATIONS } from './pools';
import type { Json } from './types';
import { USER_OPERATIONS } from './users';

/** One operation: answers the request in `ctx.input`, or throws a ModelError. */
export type Operation = (ctx: OpContext) => Json | Promise<Json>;

export const OPERATIONS: Record<string, Operation> = {
  ...POOL_OPERATIONS,
  ...APP_CLIENT_OPERATIONS,
  ...POOL_RESOURCE_OPERATIONS,
  ...USER_OPERATIONS,
  ...LISTING_OPERATIONS,
  ...GROUP_OPERATIONS,
  ...MFA_OPERATIONS,
  ...IMPORT_OPERATIONS,
  ...AUTH_OPERATIONS,
};

const WRITES = new Set([
  'AdminCreateUser',
  'AdminSetUserPassword',
  'AdminUpdateUserAttributes',
  'AdminDeleteUserAttributes',
  'AdminEnableUser',
  'AdminDisableUser',
  'AdminAddUserToGroup',
  'AdminRemoveUserFromGroup',
  'AdminSetUserMFAPreference',
  'AdminDeleteUser',
  'AdminLinkProviderForUser',
  'CreateGroup',
]);

/** Whether `op` is one of the user and group writes the benches count. */
export const isUserWrite = (op: string): boolean => WRITES.has(op);

const NON_MUTATING =
  /^(Get|List|Describe|AdminGet|AdminList)|^(Admin)?(InitiateAuth|RespondToAuthChallenge)$|^RevokeToken$/;

/** Whether `op` changes state (and would be a CloudTrail write event). */
export function isMutatingOperation(op: string): boolean {
  return !NON_MUTATING.test(op);
}
