/**
 * Tokens of the user API: JWTs shaped like Cognito's (`iss` = the pool's issuer URL, `sub`,
 * `username`, `client_id`, `token_use`), signed with a per-Region HMAC key so the model can
 * tell its own tokens. Nothing outside the model verifies them (no JWKS).
 * @packageDocumentation
 */
import { createHmac, randomBytes } from 'node:crypto';
import { fail } from './errors';
import type { Json } from './types';

const KEY = randomBytes(32);
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const sign = (text: string) => createHmac('sha256', KEY).update(text).digest('base64url');

/** A signed token with `claims`. */
export function issueToken(claims: Json): string {
  const body = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'model' })}.${b64(claims)}`;
  return `${body}.${sign(body)}`;
}

/** The claims of a token the model issued and that has not expired; NotAuthorizedException otherwise. */
export function verifyToken(token: unknown, nowMs: number): Json {
  const [header, payload, signature] = String(token ?? '').split('.');
  if (!payload || sign(`${header}.${payload}`) !== signature) fail('NotAuthorizedException', 'Invalid Access Token');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Json;
  if (claims.exp * 1000 < nowMs) fail('NotAuthorizedException', 'Access Token has expired');
  return claims;
}

/** The claims of any JWT, unverified (to name a call's subject); `undefined` when unreadable. */
export function peekClaims(token: unknown): Json | undefined {
  try {
    return JSON.parse(Buffer.from(String(token).split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
