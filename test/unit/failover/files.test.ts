import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  csvField,
  excludedPath,
  serialise,
  writeManifest,
  writePrivateFile,
  writePrivateLines,
} from '../../../src/failover/files';
import type { Manifest } from '../../../src/failover/manifest';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'failover-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const manifest: Manifest = {
  canSend: true,
  rows: [
    {
      username: 'u1',
      sub: 's1',
      sourceSub: 'x1',
      contact: 'a,"b"@example.com',
      channel: 'email',
      action: 'reset-password',
      mfa: 'NONE',
      status: 'CONFIRMED',
      emailOtp: false,
      send: true,
    },
  ],
  excluded: [
    {
      username: 'u2',
      sub: 's2',
      status: 'CONFIRMED',
      enabled: false,
      reason: 'disabled',
      detail: 'disabled in the standby',
    },
  ],
};

test('CSV fields are quoted only when needed', () => {
  expect(csvField('plain')).toBe('plain');
  expect(csvField('a,b')).toBe('"a,b"');
  expect(csvField('say "hi"')).toBe('"say ""hi"""');
  expect(csvField('two\nlines')).toBe('"two\nlines"');
  expect(csvField(undefined)).toBe('');
  expect(csvField(false)).toBe('false');
});

test('CSV has a header and one line per row; JSONL one object per line without empty fields', () => {
  const csv = serialise(manifest.rows, ['username', 'contact', 'locale', 'send'], 'csv');
  expect(csv).toBe('username,contact,locale,send\r\nu1,"a,""b""@example.com",,true\r\n');
  const jsonl = serialise(manifest.rows, ['username', 'contact', 'locale', 'send'], 'jsonl');
  expect(
    jsonl
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
  ).toEqual([{ username: 'u1', contact: 'a,"b"@example.com', send: true }]);
});

test('the excluded list sits next to the manifest', () => {
  expect(excludedPath('/x/users.csv')).toBe('/x/users.excluded.csv');
  expect(excludedPath('out/users.jsonl')).toBe('out/users.excluded.jsonl');
  expect(excludedPath('users')).toBe('users.excluded');
});

test('files are written 0600, also over an existing world-readable file', () => {
  const out = join(dir, 'users.csv');
  writeFileSync(out, 'old');
  chmodSync(out, 0o644);
  const written = writeManifest(manifest, out, 'csv');
  for (const f of [written.manifest, written.excluded]) expect(statSync(f).mode & 0o777).toBe(0o600);
  expect(readFileSync(out, 'utf8')).toContain('u1');
  expect(readFileSync(written.excluded, 'utf8')).toContain('disabled');
});

test('writePrivateFile leaves no temporary file behind', () => {
  const out = join(dir, 'f.txt');
  writePrivateFile(out, 'x');
  writePrivateFile(out, 'y');
  expect(readFileSync(out, 'utf8')).toBe('y');
  expect(require('node:fs').readdirSync(dir)).toEqual(['f.txt']);
});

test('writePrivateLines writes lines as they come, CRLF on request, mode 0600, and only a complete file lands', async () => {
  const out = join(dir, 'map.csv');
  async function* lines(n: number, failAt?: number): AsyncGenerator<string> {
    for (let i = 0; i < n; i++) {
      if (i === failAt) throw new Error('listing failed');
      yield `line-${i}`;
    }
  }
  expect(await writePrivateLines(out, lines(10_000), true)).toBe(10_000);
  const text = readFileSync(out, 'utf8');
  expect(text.split('\r\n')).toHaveLength(10_001); // the last line ends with CRLF too
  expect(text.startsWith('line-0\r\nline-1\r\n')).toBe(true);
  expect(statSync(out).mode & 0o777).toBe(0o600);
  // A source failing half-way leaves the previous complete file, not a torn one.
  await expect(writePrivateLines(out, lines(10_000, 5_000), true)).rejects.toThrow('listing failed');
  expect(readFileSync(out, 'utf8')).toBe(text);
  expect(require('node:fs').readdirSync(dir)).toEqual(['map.csv']);
});
