/** Cognito request-rate quota categories (per account and Region, shared by every pool and live traffic). */
export type QuotaCategory =
  | 'UserCreation'
  | 'UserRead'
  | 'UserList'
  | 'UserUpdate'
  | 'UserAccountRecovery'
  | 'UserResourceRead'
  | 'UserResourceUpdate'
  | 'UserPoolRead'
  | 'UserPoolUpdate'
  | 'UserPoolResourceRead'
  | 'UserPoolResourceUpdate'
  | 'UserPoolClientRead'
  | 'UserPoolClientUpdate';

/**
 * Default requests per second of each category, per account and Region (raise where your account's
 * quota is raised). Verified against: AWS documentation, "Quotas in Amazon Cognito"
 * (amazon-cognito-developer-guide `doc_source/limits.md`, category operations table).
 */
export const DEFAULT_QUOTAS: Readonly<Record<QuotaCategory, number>> = {
  UserCreation: 50,
  UserRead: 120,
  UserList: 30,
  UserUpdate: 25,
  UserAccountRecovery: 30,
  UserResourceRead: 50,
  UserResourceUpdate: 25,
  UserPoolRead: 15,
  // Same table: UserPoolUpdate "create, update, and delete your user pools" 15; UserPoolClientRead
  // "list your user pool clients" 15*; UserPoolClientUpdate "create, update, and delete your user
  // pool clients" 15* (none adjustable).
  UserPoolUpdate: 15,
  UserPoolResourceRead: 20,
  UserPoolResourceUpdate: 15,
  UserPoolClientRead: 15,
  UserPoolClientUpdate: 15,
};

/**
 * Categories where, besides the account-wide quota, "any individual operation ... has a
 * constraint that prevents the operation from being called at a rate higher than 5 RPS for a
 * single user pool" (same page, the note on the categories marked with an asterisk).
 */
export const PER_POOL_CAPPED: ReadonlySet<QuotaCategory> = new Set<QuotaCategory>([
  'UserPoolResourceRead',
  'UserPoolResourceUpdate',
  'UserPoolClientRead',
  'UserPoolClientUpdate',
]);

/** Requests per second of one operation on one pool in the {@link PER_POOL_CAPPED} categories (not adjustable). */
export const PER_POOL_OPERATION_QUOTA = 5;

/** The quota category of each Cognito operation the suite calls. */
export const OPERATION_CATEGORY: Readonly<Record<string, QuotaCategory>> = {
  AdminCreateUser: 'UserCreation',
  AdminConfirmSignUp: 'UserCreation',
  AdminGetUser: 'UserRead',
  ListUsers: 'UserList',
  ListUsersInGroup: 'UserList',
  AdminUpdateUserAttributes: 'UserUpdate',
  AdminDeleteUserAttributes: 'UserUpdate',
  AdminAddUserToGroup: 'UserUpdate',
  AdminRemoveUserFromGroup: 'UserUpdate',
  AdminDisableUser: 'UserUpdate',
  AdminEnableUser: 'UserUpdate',
  AdminDeleteUser: 'UserUpdate',
  AdminLinkProviderForUser: 'UserUpdate',
  AdminSetUserPassword: 'UserAccountRecovery',
  AdminResetUserPassword: 'UserAccountRecovery',
  AdminListGroupsForUser: 'UserResourceRead',
  AdminSetUserMFAPreference: 'UserResourceUpdate',
  DescribeUserPool: 'UserPoolRead',
  GetCSVHeader: 'UserPoolRead',
  GetUserPoolMfaConfig: 'UserPoolRead',
  ListGroups: 'UserPoolResourceRead',
  GetGroup: 'UserPoolResourceRead',
  DescribeUserImportJob: 'UserPoolResourceRead',
  ListIdentityProviders: 'UserPoolResourceRead',
  // The configuration a snapshot keeps and `--create-pool` recreates. The stored copy of the quota
  // table names each category's operations only through its description: an IdP, a resource
  // server and a domain are resources of a pool (UserPoolResource*), an app client has its own
  // categories (UserPoolClient*), the MFA factors are the pool's own settings (UserPoolUpdate).
  DescribeIdentityProvider: 'UserPoolResourceRead',
  ListResourceServers: 'UserPoolResourceRead',
  DescribeUserPoolDomain: 'UserPoolResourceRead',
  ListUserPoolClients: 'UserPoolClientRead',
  DescribeUserPoolClient: 'UserPoolClientRead',
  CreateGroup: 'UserPoolResourceUpdate',
  CreateUserImportJob: 'UserPoolResourceUpdate',
  StartUserImportJob: 'UserPoolResourceUpdate',
  CreateIdentityProvider: 'UserPoolResourceUpdate',
  CreateResourceServer: 'UserPoolResourceUpdate',
  CreateUserPoolDomain: 'UserPoolResourceUpdate',
  CreateUserPoolClient: 'UserPoolClientUpdate',
  CreateUserPool: 'UserPoolUpdate',
  SetUserPoolMfaConfig: 'UserPoolUpdate',
};

/**
 * Operations that notify a person (AdminResetUserPassword sends a code): a failed attempt whose
 * outcome is unknown (timeout, reset, 5xx) is never sent again, only one that certainly did not
 * reach Cognito (throttled, refused, connection never made).
 */
export const AT_MOST_ONCE_OPERATIONS: ReadonlySet<string> = new Set(['AdminResetUserPassword']);

/** Operations that write (and so bill the user as active, where they touch a user). */
export const WRITE_OPERATIONS: ReadonlySet<string> = new Set([
  'AdminCreateUser',
  'AdminConfirmSignUp',
  'AdminUpdateUserAttributes',
  'AdminDeleteUserAttributes',
  'AdminAddUserToGroup',
  'AdminRemoveUserFromGroup',
  'AdminDisableUser',
  'AdminEnableUser',
  'AdminDeleteUser',
  'AdminLinkProviderForUser',
  'AdminSetUserPassword',
  'AdminResetUserPassword',
  'AdminSetUserMFAPreference',
  'CreateGroup',
  'CreateUserImportJob',
  'StartUserImportJob',
  'CreateUserPool',
  'SetUserPoolMfaConfig',
  'CreateUserPoolClient',
  'CreateIdentityProvider',
  'CreateResourceServer',
  'CreateUserPoolDomain',
]);
