/**
 * `--idp-secrets <file>`: the secrets of identity providers, which no backup holds, given at
 * restore as JSON `{ "<provider name>": { "client_secret": "..." } }` (Sign in with Apple:
 * `private_key`). The file must be readable by its owner only, like every secret file.
 * @packageDocumentation
 */
import { readFile, stat } from 'node:fs/promises';
import { ConfigError } from '../../core/errors';
import type { IdpSecrets } from './config-requests';

/**
 * The secrets in `path`, checked: mode 0600 or narrower (not readable by group or others), a JSON
 * object of objects of strings. Errors never quote a value.
 *
 * @example
 * const secrets = await loadIdpSecrets('idp-secrets.json'); // { Corp: { client_secret: '...' } }
 */
export async function loadIdpSecrets(path: string): Promise<IdpSecrets> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new ConfigError(`--idp-secrets ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0)
    throw new ConfigError(
      `${path} is readable by group or others (mode ${(info.mode & 0o777).toString(8)}): it holds secrets; chmod 600 it`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw new ConfigError(`${path} is not JSON: expected { "<provider name>": { "client_secret": "..." } }`);
  }
  const ok =
    parsed &&
    typeof parsed === 'object' &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every(
      (v) => v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((s) => typeof s === 'string'),
    );
  if (!ok) throw new ConfigError(`${path}: expected { "<provider name>": { "<detail>": "<secret>" } }`);
  return parsed as IdpSecrets;
}
