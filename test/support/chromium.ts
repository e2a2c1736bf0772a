/**
 * Opens a page in headless Chromium (Debian's `chromium` package) without any npm dependency:
 * `--dump-dom` for the rendered document, `--screenshot` for a picture, and Chromium's own log
 * (`--enable-logging=stderr`) for the console: the report page runs no script, so every console
 * line is an error (a blocked resource, a CSP violation, a parse problem).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where browser tests keep their screenshots (gitignored). */
export const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

/** The Chromium binary, or why there is none (the browser tests are skipped then). */
export function findChromium(): { path: string } | { missing: string } {
  for (const path of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'])
    if (path && existsSync(path)) return { path };
  return {
    missing:
      'no Chromium found (CHROMIUM_PATH, /usr/bin/chromium): install Debian\'s "chromium" package (apt-get install -y chromium; .ci/run does)',
  };
}

/** What opening a page gave. */
export interface OpenedPage {
  /** The document after rendering (`--dump-dom`). */
  dom: string;
  /** The console messages Chromium logged while loading it. */
  console: string[];
}

function chromium(binary: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      [
        '--headless',
        '--no-sandbox', // root in CI containers
        '--disable-gpu',
        '--no-first-run',
        '--disable-extensions',
        '--enable-logging=stderr',
        '--v=0',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { timeout: 90_000, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => {
        rmSync(profile, { recursive: true, force: true });
        if (err) reject(new Error(`chromium failed: ${err.message}\n${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

const consoleLines = (stderr: string) => stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l));

/** Loads `file` and returns its rendered DOM and console; with `screenshot`, also saves a PNG there. */
export async function openPage(binary: string, file: string, screenshot?: string): Promise<OpenedPage> {
  const url = pathToFileURL(file).href;
  const dump = await chromium(binary, ['--dump-dom', url]);
  const messages = consoleLines(dump.stderr);
  if (screenshot) {
    mkdirSync(join(screenshot, '..'), { recursive: true });
    const shot = await chromium(binary, [
      `--screenshot=${screenshot}`,
      '--window-size=1280,3000',
      '--hide-scrollbars',
      url,
    ]);
    messages.push(...consoleLines(shot.stderr));
  }
  return { dom: dump.stdout, console: messages };
}
