import { z } from 'zod';
import { SuiteError } from './errors';

/** The current version of {@link SyncMessage}. */
export const SYNC_MESSAGE_VERSION = 1;

/**
 * The queue message that asks the worker to replicate one user. It only *locates* the user:
 * the worker always re-reads the user from the source pool, so the body is never trusted as
 * user data and carries no personal data beyond the username (which may be an e-mail in pools
 * that use e-mail as username: still needed to find the user).
 */
export const SyncMessageSchema = z
  .object({
    v: z.literal(SYNC_MESSAGE_VERSION),
    sourceRegion: z.string().min(1).max(64),
    sourcePoolId: z
      .string()
      .max(55)
      .regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'a user pool id like us-east-1_AbCdEf123'),
    username: z.string().min(1).max(128).optional(),
    sub: z.string().min(1).max(128).optional(),
    /** What caused the message: a trigger source or a CloudTrail event name. */
    reason: z.string().min(1).max(128),
    /** When the change happened in the source (ISO 8601), for lag metrics. */
    at: z.iso.datetime(),
    /** Change capture: the role that made the call (CloudTrail `sessionIssuer.arn`), for the echo check. */
    actor: z.string().min(1).max(2048).optional(),
    /** Change capture: the pool the event itself named; absent for self-service calls, which name none. */
    eventPoolId: z.string().min(1).max(55).optional(),
  })
  .refine((m) => m.username !== undefined || m.sub !== undefined, { message: 'needs a username or a sub' });

/** A parsed, valid sync message. */
export type SyncMessage = z.infer<typeof SyncMessageSchema>;

/** Thrown for a message the worker can never process; it goes to the DLQ with this reason. */
export class MalformedMessageError extends SuiteError {
  override readonly name = 'MalformedMessageError';
}

/** Parses a queue message body; throws {@link MalformedMessageError} naming what is wrong. */
export function parseSyncMessage(body: string): SyncMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedMessageError('message body is not JSON');
  }
  return checkSyncMessage(json);
}

/**
 * Validates a candidate message (absent, empty, masked and placeholder values of the locating
 * fields read as absent, see {@link presentValue}); throws {@link MalformedMessageError} naming
 * what is wrong. `what` names the input in that message.
 */
export function checkSyncMessage(json: unknown, what = `a v${SYNC_MESSAGE_VERSION} sync message`): SyncMessage {
  const result = SyncMessageSchema.safeParse(withoutAbsentFields(json));
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ');
    throw new MalformedMessageError(`message is not ${what} (${problems})`);
  }
  return result.data;
}

/**
 * How CloudTrail masks a sensitive value: recorded Cognito events show
 * `HIDDEN_DUE_TO_SECURITY_REASONS`, an AWS documentation page spells it
 * `HIDDEN_FOR_SECURITY_REASONS`; any value with this prefix is taken for a mask.
 */
export const MASKED_VALUE_PREFIX = 'HIDDEN_';

/** Whether a value is a CloudTrail mask (see {@link MASKED_VALUE_PREFIX}). */
export function isMaskedValue(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith(MASKED_VALUE_PREFIX);
}

/** An input-transformer placeholder left unfilled (`<sub>`), as messages of the old rule may hold. */
const PLACEHOLDER = /^<[\w.-]+>$/;

/**
 * The value when it can locate something: a non-blank string that is neither a CloudTrail mask
 * nor an unfilled placeholder; otherwise `undefined` (absent). Used for every username, sub,
 * caller and pool taken from an event or a message.
 */
export function presentValue(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '' || isMaskedValue(value) || PLACEHOLDER.test(value))
    return undefined;
  return value;
}

/**
 * Locating fields that carry no usable value are absent: messages of the earlier change-capture
 * rule were filled in by an input transformer (a missing path arrived empty or as its
 * placeholder, the username masked). Other types are left for the schema to reject.
 */
function withoutAbsentFields(json: unknown): unknown {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return json;
  const out = { ...(json as Record<string, unknown>) };
  for (const key of ['username', 'sub', 'actor', 'eventPoolId']) {
    const v = out[key];
    if (v === null || v === undefined || (typeof v === 'string' && presentValue(v) === undefined)) delete out[key];
  }
  return out;
}

/** Builds a sync message; `at` defaults to now. */
export function buildSyncMessage(fields: Omit<SyncMessage, 'v' | 'at'> & { at?: Date | string }): SyncMessage {
  const at = fields.at instanceof Date ? fields.at.toISOString() : (fields.at ?? new Date().toISOString());
  return { v: SYNC_MESSAGE_VERSION, ...fields, at };
}
