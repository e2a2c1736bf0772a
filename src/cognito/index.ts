/**
 * What the Cognito layer offers: the {@link CognitoPool} port the features depend on, its AWS
 * SDK adapter {@link CognitoGateway} (for wiring), the layer's typed errors, and the quota
 * limiter that paces every call.
 * @packageDocumentation
 */
export * from './errors';
export { CognitoGateway, type GatewayOptions, type PoolTarget } from './gateway';
export { createCognitoClient, DEFAULT_MAX_SOCKETS, type CognitoClientOptions } from './client';
export type { GroupListing, GroupListings } from './group-listings';
export { type Clock, QuotaLimiter, type QuotaLimiterOptions, systemClock } from './limiter';
export type { CognitoPool } from './pool';
export { OPERATION_CATEGORY, type QuotaCategory } from './quotas';
export type * from './types';
