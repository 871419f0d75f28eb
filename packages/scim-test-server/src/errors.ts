/** An error answer as RFC 7644 §3.12 shapes it: `status` is a string in the RFC's examples. */
export class ScimProtocolError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
  }

  body(): Record<string, unknown> {
    return {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: String(this.status),
      ...(this.scimType !== undefined ? { scimType: this.scimType } : {}),
      detail: this.detail,
    };
  }
}
