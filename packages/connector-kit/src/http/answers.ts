import { TransientError } from '@accessledger/core';
import type { AxiosResponse } from 'axios';

/** `application/json`, or a structured `+json` type such as `application/scim+json` (RFC 6839 §3.1). */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json\b/i;

/**
 * A successful answer that should be JSON must be: a proxy's HTML error page,
 * a captive portal, a body cut off mid-way or a wrong content type would
 * otherwise reach the caller as a string or half an object. An empty body is
 * accepted on 204 and any other 2xx but 200; an empty 200 is not.
 */
export function assertJsonAnswer(response: AxiosResponse, service: string, action: string): void {
  if (response.status === 204) return;
  const contentType = String(response.headers['content-type'] ?? '');
  const empty = response.data === '' || response.data === undefined || response.data === null;
  if (empty && response.status !== 200) return;
  if (!JSON_MEDIA_TYPE.test(contentType)) {
    throw new TransientError(
      `${service} answered ${action} with ${contentType || 'no content type'} instead of JSON` +
        `${bodySnippet(response.data)}: a proxy or firewall between accessledger and ${service} may have answered instead. Nothing was stored from it.`,
      { upstreamCode: 'MALFORMED_RESPONSE', httpStatus: response.status },
    );
  }
  // axios leaves a body that does not parse as the text it received.
  if (typeof response.data === 'string') {
    throw new TransientError(
      `${service} answered ${action} with JSON that does not parse (${response.data.length} characters, cut off or malformed)` +
        `${bodySnippet(response.data)}. Nothing was stored from it.`,
      { upstreamCode: 'MALFORMED_RESPONSE', httpStatus: response.status },
    );
  }
}

/** The start of a text body with its markup removed, for the message: what a person would have seen. */
function bodySnippet(data: unknown): string {
  const text = typeof data === 'string' ? data : '';
  const plain = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80);
  return plain ? ` ("${plain}${text.length > 80 ? '…' : ''}")` : '';
}
