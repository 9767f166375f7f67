/**
 * Which Chromium the browser rung launches when the user names none. Debian's `chromium-headless-shell` (the
 * "old" headless Chromium, the one Playwright itself runs for headless pages) renders the same pages as the full
 * browser at about half its memory and two thirds of its CPU (measured: 196 against 361 MB of PSS with one page
 * open; a 27-page rendered demo crawl 3.4 against 4.8 CPU s), so it is preferred where it is installed.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';

export const HEADLESS_SHELL = '/usr/bin/chromium-headless-shell';
export const FULL_CHROMIUM = '/usr/bin/chromium';

/**
 * The first installed of the two, or undefined when neither is. `tlsMinVersion`: only the full browser, since
 * the headless shell ignores `--ssl-version-min` (a switch of the full browser's own settings layer: under it, a
 * TLS 1.2 server still rendered).
 */
export function installedChromium(needs: { tlsMinVersion?: boolean } = {}): string | undefined {
  const candidates = needs.tlsMinVersion ? [FULL_CHROMIUM] : [HEADLESS_SHELL, FULL_CHROMIUM];
  return candidates.find((path) => existsSync(path));
}

/** Whether an executable is a headless shell, by its file name (Debian's, and Playwright's `headless_shell`). */
export function isHeadlessShell(path: string): boolean {
  return /headless[-_]shell/.test(basename(path));
}
