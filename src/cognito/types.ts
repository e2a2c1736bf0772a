/**
 * The domain types of the Cognito port ({@link CognitoPool}): what the features see of Cognito,
 * with no SDK command in sight.
 * @packageDocumentation
 */
import type {
  CreateIdentityProviderCommandInput,
  CreateResourceServerCommandInput,
  CreateUserPoolClientCommandInput,
  CreateUserPoolDomainCommandInput,
  DomainDescriptionType,
  GetUserPoolMfaConfigCommandOutput,
  IdentityProviderType,
  ResourceServerType,
  SetUserPoolMfaConfigCommandInput,
  UpdateUserPoolCommandInput,
  UserPoolClientType,
  UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { UserRecord } from '../core/types';
import type { QuotaCategory } from './quotas';

/** A user import job, as the port reports it. */
export interface ImportJob {
  jobId: string;
  /** `Created`, `Pending`, `InProgress`, `Stopping`, `Expired`, `Stopped`, `Failed`, `Succeeded`. */
  status: string;
  /** Where to PUT the CSV (valid for a limited time). */
  preSignedUrl?: string;
  imported?: number;
  skipped?: number;
  failed?: number;
  message?: string;
}

/** One page of a user listing. */
export interface UserPage {
  users: UserRecord[];
  nextToken?: string;
}

/** Options of one ListUsers page. */
export interface ListUsersOptions {
  filter?: string;
  nextToken?: string;
  limit?: number;
}

/**
 * A pool's whole configuration as DescribeUserPool reports it: only the trigger attachment works
 * on it (a read-modify-write must send back every field it does not change).
 */
export type PoolSettings = UserPoolType;

/** The pool's MFA settings as GetUserPoolMfaConfig reports them (no secret in them): the backup keeps them whole. */
export type MfaSettings = Omit<GetUserPoolMfaConfigCommandOutput, '$metadata'>;

/** An UpdateUserPool request: every setting of the pool (UpdateUserPool resets what it is not given). */
export type PoolSettingsUpdate = UpdateUserPoolCommandInput;

/** A SetUserPoolMfaConfig request without the pool id (the port's pool). */
export type MfaSettingsUpdate = Omit<SetUserPoolMfaConfigCommandInput, 'UserPoolId'>;

/** An app client as DescribeUserPoolClient reports it (its `ClientSecret` included: never store it). */
export type AppClientSettings = UserPoolClientType;
/** A CreateUserPoolClient request without the pool id. */
export type AppClientRequest = Omit<CreateUserPoolClientCommandInput, 'UserPoolId'>;

/** An identity provider as DescribeIdentityProvider reports it (`ProviderDetails` may hold its secret). */
export type IdentityProviderSettings = IdentityProviderType;
/** A CreateIdentityProvider request without the pool id. */
export type IdentityProviderRequest = Omit<CreateIdentityProviderCommandInput, 'UserPoolId'>;

/** A resource server and its scopes (ListResourceServers). */
export type ResourceServerSettings = ResourceServerType;
/** A CreateResourceServer request without the pool id. */
export type ResourceServerRequest = Omit<CreateResourceServerCommandInput, 'UserPoolId'>;

/** A domain as DescribeUserPoolDomain reports it. */
export type DomainSettings = DomainDescriptionType;
/** A CreateUserPoolDomain request without the pool id. */
export type DomainRequest = Omit<CreateUserPoolDomainCommandInput, 'UserPoolId'>;

/** One call through the port, as interceptors see it. */
export interface CallInfo {
  /** The Cognito operation (`AdminGetUser`, ...). */
  operation: string;
  /** Its quota category (the limiter's schedule it waits on). */
  category: QuotaCategory;
  poolId: string;
}

/**
 * Hooks run around every call of a view made with `CognitoPool.intercept`. A hook that throws
 * fails the call with that error, and nothing is sent.
 */
export interface CallInterceptor {
  /** When the call is made, before it waits for the limiter (once per call, retries not included). */
  onCall?(call: CallInfo): void;
  /**
   * Each time an attempt has been admitted by the limiter and has a socket, right before the
   * request leaves: the last moment a stop signal can keep it from being sent.
   */
  beforeSend?(call: CallInfo): void;
  /** After each attempt that {@link beforeSend} let go has answered or failed. */
  afterSend?(call: CallInfo): void;
}

/** Options of `CognitoPool.intercept`. */
export interface InterceptOptions {
  /**
   * The view counts the calls made through it in its own `calls` (each call once, retries not
   * included), so that `writeCalls` is this view's alone. Default: the view shares the counters of
   * the pool it was made from.
   */
  ownCalls?: boolean;
}
