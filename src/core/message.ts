import { z } from 'zod';

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
    sourcePoolId: z.string().max(55).regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'a user pool id like us-east-1_AbCdEf123'),
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
export class MalformedMessageError extends Error {
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
  const result = SyncMessageSchema.safeParse(withoutEmptyFields(json));
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ');
    throw new MalformedMessageError(`message is not a v${SYNC_MESSAGE_VERSION} sync message (${problems})`);
  }
  return result.data;
}

/** What CloudTrail writes instead of a sensitive value (usernames, tokens). */
const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';

/**
 * Change-capture messages are filled in by an EventBridge input transformer: a field the event
 * did not have arrives empty, and the username arrives hidden. Both mean "absent".
 */
function withoutEmptyFields(json: unknown): unknown {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return json;
  const out = { ...(json as Record<string, unknown>) };
  for (const key of ['username', 'sub', 'actor', 'eventPoolId']) {
    const v = out[key];
    if (v === '' || v === null || v === HIDDEN) delete out[key];
  }
  return out;
}

/** Builds a sync message; `at` defaults to now. */
export function buildSyncMessage(fields: Omit<SyncMessage, 'v' | 'at'> & { at?: Date | string }): SyncMessage {
  const at = fields.at instanceof Date ? fields.at.toISOString() : (fields.at ?? new Date().toISOString());
  return { v: SYNC_MESSAGE_VERSION, ...fields, at };
}
