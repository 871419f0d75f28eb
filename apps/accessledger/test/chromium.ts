import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Test support for suites that drive a real browser: Debian's `chromium` package, driven by
 * playwright-core through `executablePath` (nothing downloads a browser). Outside CI a missing
 * Chromium skips those suites with the reason in their title; with `CI=true` it fails them, so CI
 * cannot pass without having run them (`.ci/run` installs the package).
 */

/** `CHROMIUM_PATH` when set (and then only it), else where Debian's and Ubuntu's packages put it. */
const CANDIDATES: readonly string[] = process.env['CHROMIUM_PATH']
  ? [process.env['CHROMIUM_PATH']]
  : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

function findChromium(): string | undefined {
  for (const candidate of CANDIDATES) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next one
    }
  }
  return undefined;
}

export const chromiumPath: string | undefined = findChromium();

const inCi = process.env['CI'] === 'true';

/** Skip browser suites only outside CI. */
export const skipBrowser: boolean = chromiumPath === undefined && !inCi;

/** A suite title that says why it was skipped, when it is. */
export function browserSuiteTitle(title: string): string {
  return skipBrowser
    ? `${title} (skipped: no Chromium at ${CANDIDATES.join(', ')}; apt-get install -y chromium, or set CHROMIUM_PATH)`
    : title;
}

/** Headless Chromium; throws a clear error when there is none (under CI=true the suite is not skipped). */
export async function launchChromium(): Promise<Browser> {
  if (chromiumPath === undefined) {
    throw new Error(
      `No Chromium at ${CANDIDATES.join(', ')}; CI=true requires it. Install it with \`apt-get install -y chromium\`.`,
    );
  }
  return chromium.launch({ executablePath: chromiumPath, headless: true });
}
