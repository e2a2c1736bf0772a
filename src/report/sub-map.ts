/**
 * The old-to-new `sub` map applications need at failover: for each replica in the standby, the
 * source `sub` (kept in `custom:source_sub`) and the replica's own `sub`. Read with ListUsers
 * from the standby alone; written as CSV with mode 0600, beside the page, only on request. It
 * holds no username, e-mail or phone number, but it does link identities across pools.
 * @packageDocumentation
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CognitoPool } from '../cognito/pool';
import { csvField } from '../failover/files';
import { externalSort } from '../reconcile/external-sort';
import { sortedFrames } from '../reconcile/sorted-file';

/** One line of the map. */
export interface SubMapRow {
  sourceSub: string;
  standbySub: string;
}

/**
 * Every replica's pair, page by page in listing order (users without the source-`sub` attribute
 * are not replicas: left out). Nothing is collected.
 */
export async function* subMapRows(standby: CognitoPool, sourceSubAttribute: string): AsyncGenerator<SubMapRow> {
  let token: string | undefined;
  do {
    const page = await standby.listUsersPage({ nextToken: token });
    for (const u of page.users) {
      const sourceSub = u.attributes[sourceSubAttribute];
      const standbySub = u.attributes.sub;
      if (sourceSub && standbySub) yield { sourceSub, standbySub };
    }
    token = page.nextToken;
  } while (token);
}

/**
 * The map's CSV lines (`source_sub,standby_sub` first; RFC 4180 fields, CRLF added by the writer),
 * sorted by source `sub` on disk (the reconciler's external sort, in a temporary folder removed
 * after), so that memory stays the same for any pool size.
 */
export async function* subMapLines(rows: AsyncIterable<SubMapRow>): AsyncGenerator<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sub-map-'));
  try {
    const sorted = await externalSort(
      async function* (skip) {
        let n = 0;
        for await (const r of rows) if (n++ >= skip) yield `${csvField(r.sourceSub)},${csvField(r.standbySub)}`;
      },
      { dir, name: 'sub-map', tag: 'sub-map' },
    );
    yield 'source_sub,standby_sub';
    for await (const frame of sortedFrames(dir, sorted)) yield* frame;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The map as CSV (`source_sub,standby_sub`, CRLF lines as RFC 4180). */
export function subMapCsv(rows: SubMapRow[]): string {
  return `${['source_sub,standby_sub', ...rows.map((r) => `${csvField(r.sourceSub)},${csvField(r.standbySub)}`)].join('\r\n')}\r\n`;
}
