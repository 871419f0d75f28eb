import type { IncomingHttpHeaders } from 'node:http';

/** A request as the emulator's handlers see it: already read off the socket. */
export interface EmulatorRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/services/data/v63.0/query`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Scheme, host and port this request reached, e.g. `http://127.0.0.1:8443`. */
  readonly baseUrl: string;
}

/** A response a handler returns; the server writes it. A non-string body is sent as JSON. */
export interface EmulatorResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}
