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
  | 'UserPoolResourceRead'
  | 'UserPoolResourceUpdate';

/** Default requests per second of each category (AWS defaults; raise where your account's quota is raised). */
export const DEFAULT_QUOTAS: Readonly<Record<QuotaCategory, number>> = {
  UserCreation: 50,
  UserRead: 120,
  UserList: 30,
  UserUpdate: 25,
  UserAccountRecovery: 30,
  UserResourceRead: 50,
  UserResourceUpdate: 25,
  UserPoolRead: 5,
  UserPoolResourceRead: 5,
  UserPoolResourceUpdate: 5,
};

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
  CreateGroup: 'UserPoolResourceUpdate',
  CreateUserImportJob: 'UserPoolResourceUpdate',
  StartUserImportJob: 'UserPoolResourceUpdate',
};

/** Operations that write (and so bill the user as active, where they touch a user). */
export const WRITE_OPERATIONS: ReadonlySet<string> = new Set([
  'AdminCreateUser', 'AdminConfirmSignUp', 'AdminUpdateUserAttributes', 'AdminDeleteUserAttributes', 'AdminAddUserToGroup',
  'AdminRemoveUserFromGroup', 'AdminDisableUser', 'AdminEnableUser', 'AdminDeleteUser', 'AdminLinkProviderForUser',
  'AdminSetUserPassword', 'AdminResetUserPassword', 'AdminSetUserMFAPreference', 'CreateGroup', 'CreateUserImportJob', 'StartUserImportJob',
]);
