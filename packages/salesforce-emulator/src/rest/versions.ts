import { SalesforceApiError, notFound } from '../org/errors.js';
import type { EmulatorResponse } from '../http/types.js';
import { json } from './api-call.js';

/** The newest version the emulated org serves. */
export const LATEST_API_VERSION = 66;
/** Versions 31.0 and later are available; 7.0-30.0 are retired ("API End-of-Life Policy"). */
export const OLDEST_API_VERSION = 31;
const OLDEST_RETIRED = 7;

const RELEASES = ['Winter', 'Spring', 'Summer'] as const;

/** Release label of an API version: v63.0 is Spring '25, v62.0 Winter '25, v64.0 Summer '25. */
function releaseLabel(major: number): string {
  // v20.0 was Winter '11; three releases a year since.
  const offset = major - 20;
  const season = RELEASES[((offset % 3) + 3) % 3] ?? 'Winter';
  const year = 11 + Math.floor(offset / 3);
  return `${season} '${String(year).padStart(2, '0')}`;
}

export function versionList(): EmulatorResponse {
  const versions = [];
  for (let major = OLDEST_API_VERSION; major <= LATEST_API_VERSION; major++) {
    versions.push({ label: releaseLabel(major), url: `/services/data/v${major}.0`, version: `${major}.0` });
  }
  return json(200, versions);
}

/**
 * Checks the `vXX.X` segment: a served version passes; a retired one answers
 * 410 as documented; anything else is an unknown resource (404 NOT_FOUND).
 */
export function checkApiVersion(segment: string): string {
  const match = /^v(\d+)\.0$/.exec(segment);
  const major = match === null ? Number.NaN : Number(match[1]);
  if (major >= OLDEST_API_VERSION && major <= LATEST_API_VERSION) return `${major}.0`;
  if (major >= OLDEST_RETIRED && major < OLDEST_API_VERSION) {
    throw new SalesforceApiError(
      410,
      'UNSUPPORTED_API_VERSION',
      `API version ${major}.0 has been retired and is no longer available. Use version ${OLDEST_API_VERSION}.0 or later.`,
    );
  }
  throw notFound();
}

export function resourceList(version: string): EmulatorResponse {
  const base = `/services/data/v${version}`;
  return json(200, {
    composite: `${base}/composite`,
    limits: `${base}/limits`,
    query: `${base}/query`,
    queryAll: `${base}/queryAll`,
    sobjects: `${base}/sobjects`,
  });
}
