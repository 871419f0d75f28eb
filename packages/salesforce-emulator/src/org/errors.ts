/** One entry of Salesforce's REST error array: `[{"message","errorCode","fields"}]`. */
export interface SalesforceErrorBody {
  readonly message: string;
  readonly errorCode: string;
  readonly fields?: readonly string[];
}

/**
 * A failure the REST layer answers with `statusCode` and a one-element error
 * array, the way Salesforce does (REST API Developer Guide, "Status Codes and
 * Error Responses").
 */
export class SalesforceApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: readonly string[],
  ) {
    super(message);
    this.name = 'SalesforceApiError';
  }

  toBody(): SalesforceErrorBody[] {
    const entry: SalesforceErrorBody =
      this.fields === undefined
        ? { message: this.message, errorCode: this.errorCode }
        : { message: this.message, errorCode: this.errorCode, fields: this.fields };
    return [entry];
  }
}

export function badRequest(
  errorCode: string,
  message: string,
  fields?: readonly string[],
): SalesforceApiError {
  return new SalesforceApiError(400, errorCode, message, fields);
}

export function notFound(message = 'The requested resource does not exist'): SalesforceApiError {
  return new SalesforceApiError(404, 'NOT_FOUND', message);
}

/** Salesforce's generic duplicate message (it does not name the record). */
export const DUPLICATE_MESSAGE =
  'duplicate value found: <unknown> duplicates value on record with id: <unknown>';
