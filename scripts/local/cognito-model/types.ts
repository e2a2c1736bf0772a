/**
 * The shapes the Cognito model keeps. Attributes are a record (one value per name); answers are
 * built from these in Cognito's JSON shapes (dates in epoch seconds, as the JSON protocol sends).
 * @packageDocumentation
 */
import type { QuotaCategory } from '../../../src/cognito/quotas';

/** A JSON request or answer body. */
export type Json = Record<string, any>;

/** One user of a pool. */
export interface ModelUser {
  Username: string;
  Attributes: Record<string, string>;
  Enabled: boolean;
  UserStatus: string;
  /** Enabled MFA factors (`UserMFASettingList`). */
  Mfa: string[];
  PreferredMfa?: string;
  Created: Date;
  Modified?: Date;
  Password?: string;
  /** The last code "sent" to the user (sign-up, reset). */
  Code?: string;
}

/** One group of a pool; `members` holds usernames. */
export interface ModelGroup {
  GroupName: string;
  Description?: string;
  Precedence?: number;
  RoleArn?: string;
  members: Set<string>;
}

/** A schema attribute as DescribeUserPool answers it. */
export interface SchemaAttribute {
  Name: string;
  AttributeDataType?: string;
  DeveloperOnlyAttribute?: boolean;
  Mutable?: boolean;
  Required?: boolean;
  StringAttributeConstraints?: { MinLength?: string; MaxLength?: string };
  NumberAttributeConstraints?: { MinValue?: string; MaxValue?: string };
}

/** Settings of a pool added by seeding (`model.addPool`); CreateUserPool takes the API's fields. */
export interface PoolOptions {
  id: string;
  usernameAttributes?: ('email' | 'phone_number')[];
  customAttributes?: string[];
  lambdaConfig?: Record<string, string>;
  /** The pool's MFA setting (DescribeUserPool `MfaConfiguration`). Default OFF. */
  mfaConfiguration?: 'OFF' | 'ON' | 'OPTIONAL';
  /** DescribeUserPool `AutoVerifiedAttributes`. Default `['email']`. */
  autoVerifiedAttributes?: string[];
}

/** One user import job. */
export interface ImportJob {
  status: string;
  csv?: string;
  roleArn: string;
  name: string;
  createdAt: number;
  startedAt?: number;
  completedAt?: number;
  imported: number;
  failed: number;
  skipped: number;
  message?: string;
  /** Per-row outcome, like the job's CloudWatch log (`[FAILED] Line Number 3 - ...`). */
  log: string[];
}

/** A call the model answered (or refused). */
export interface ModelCall {
  t: number;
  op: string;
  category: QuotaCategory;
  result: 'ok' | 'throttled' | 'error';
  username?: string;
  /** The group, for group calls; the changed attribute names, for attribute calls. */
  detail?: string;
}
