import { TransientError } from '@accessledger/core';
import type { AxiosResponse } from 'axios';
import { parseJsonBytes, sliceJsonBytes, type JsonBytesOptions, type SlicedJson } from './json-bytes.js';

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
  const empty = response.data === '' || response.data === undefined || response.data === null;
  if (empty && response.status !== 200) return;
  assertJsonContentType(response, service, action, () => response.data);
  // axios leaves a body that does not parse as the text it received.
  if (typeof response.data === 'string') throw unparsedJson(response.data, response.status, service, action);
}

/**
 * A successful answer kept as bytes and parsed when first read: a body that
 * waits (a page read ahead of its reader) waits as bytes, which the garbage
 * collector neither copies nor scans, rather than as thousands of objects
 * that outlive a young-generation collection or two. The same rules as
 * `assertJsonAnswer`: the content type is checked on arrival, the parse when
 * the body is read (and a body that does not parse fails then, the same way).
 */
export class DeferredJson<T> {
  readonly status: number;
  private bytes: Buffer | undefined;
  private parsed: { readonly value: T } | undefined;

  constructor(
    response: AxiosResponse<Buffer>,
    private readonly service: string,
    private readonly action: string,
  ) {
    this.status = response.status;
    assertJsonContentType(response, service, action, () => response.data.toString('utf8'));
    this.bytes = response.data;
  }

  /** The body's value; parsed once, then the bytes are let go. */
  value(): T {
    if (!this.parsed) {
      const bytes = this.bytes ?? Buffer.alloc(0);
      try {
        this.parsed = { value: parseJsonBytes(bytes) as T };
      } catch {
        throw unparsedJson(bytes.toString('utf8'), this.status, this.service, this.action);
      }
      this.bytes = undefined;
    }
    return this.parsed.value;
  }

  /**
   * The body's value with its member `key`, when that is a large array, left empty, and then that
   * member's elements a run at a time, each slice parsed when reached (`sliceJsonBytes`): of a query
   * page's 2,000 records only the run being read is alive. No `runs`: the member is in the value as
   * parsed. A body that does not parse fails as in `value`, a slice of `key` when it is read.
   * `elementStart`: what each element of `key` begins with, so that it is cut by search.
   */
  sliced(
    key: string,
    options: Pick<JsonBytesOptions, 'elementStart'> = {},
  ): {
    readonly value: T;
    readonly runs?: () => Generator<readonly unknown[], void, undefined>;
  } {
    if (this.parsed) return { value: this.parsed.value };
    const bytes = this.bytes ?? Buffer.alloc(0);
    const unparsed = (): TransientError =>
      unparsedJson(bytes.toString('utf8'), this.status, this.service, this.action);
    let sliced: SlicedJson;
    try {
      sliced = sliceJsonBytes(bytes, key, options);
    } catch {
      throw unparsed();
    }
    const { runs } = sliced;
    if (!runs) {
      this.parsed = { value: sliced.value as T };
      this.bytes = undefined;
      return { value: this.parsed.value };
    }
    return {
      value: sliced.value as T,
      runs: function* read() {
        try {
          yield* runs();
        } catch (error) {
          if (error instanceof SyntaxError) throw unparsed();
          throw error;
        }
      },
    };
  }
}

function assertJsonContentType(
  response: AxiosResponse,
  service: string,
  action: string,
  body: () => unknown,
): void {
  const contentType = String(response.headers['content-type'] ?? '');
  if (JSON_MEDIA_TYPE.test(contentType)) return;
  throw new TransientError(
    `${service} answered ${action} with ${contentType || 'no content type'} instead of JSON` +
      `${bodySnippet(body())}: a proxy or firewall between accessledger and ${service} may have answered instead. Nothing was stored from it.`,
    { upstreamCode: 'MALFORMED_RESPONSE', httpStatus: response.status },
  );
}

function unparsedJson(text: string, httpStatus: number, service: string, action: string): TransientError {
  return new TransientError(
    `${service} answered ${action} with JSON that does not parse (${text.length} characters, cut off or malformed)` +
      `${bodySnippet(text)}. Nothing was stored from it.`,
    { upstreamCode: 'MALFORMED_RESPONSE', httpStatus },
  );
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
