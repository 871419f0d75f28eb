import { ScimSchemas } from './schemas.js';

/** One operation of a PATCH request (RFC 7644 §3.5.2). */
export interface ScimPatchOperation {
  readonly op: 'add' | 'remove' | 'replace';
  readonly path?: string;
  readonly value?: unknown;
}

export interface ScimPatchRequest {
  readonly schemas: readonly [typeof ScimSchemas.patchOp];
  readonly Operations: readonly ScimPatchOperation[];
}

/**
 * Builds a PatchOp body. `add` on a multi-valued attribute adds values,
 * `replace` replaces, `remove` with a value filter removes matching values.
 *
 * @example
 * ```ts
 * const body = new ScimPatch()
 *   .add('members', [{ value: userId }])
 *   .remove(valuePath('members', 'value', otherId))
 *   .build();
 * ```
 */
export class ScimPatch {
  private readonly operations: ScimPatchOperation[] = [];

  add(path: string | undefined, value: unknown): this {
    this.operations.push({ op: 'add', ...(path !== undefined ? { path } : {}), value });
    return this;
  }

  replace(path: string | undefined, value: unknown): this {
    this.operations.push({ op: 'replace', ...(path !== undefined ? { path } : {}), value });
    return this;
  }

  /** `path` is required for remove (RFC 7644 §3.5.2.2: otherwise `noTarget`). */
  remove(path: string): this {
    this.operations.push({ op: 'remove', path });
    return this;
  }

  get size(): number {
    return this.operations.length;
  }

  build(): ScimPatchRequest {
    return { schemas: [ScimSchemas.patchOp], Operations: [...this.operations] };
  }
}

/**
 * A SCIM string literal: filters take JSON strings (RFC 7644 §3.4.2.2), so
 * quotes and backslashes in a value are escaped, never pasted.
 */
export function scimString(value: string): string {
  return JSON.stringify(value);
}

/** `attribute[subAttribute eq "value"]`: a value path selecting matching values (RFC 7644 §3.5.2, `valuePath`). */
export function valuePath(attribute: string, subAttribute: string, value: string): string {
  return `${checkedAttribute(attribute)}[${checkedAttribute(subAttribute)} eq ${scimString(value)}]`;
}

/** `attribute eq "value"` as a filter expression. */
export function equalsFilter(attribute: string, value: string): string {
  return `${checkedAttribute(attribute)} eq ${scimString(value)}`;
}

const ATTRIBUTE_PATH = /^(?:urn:[A-Za-z0-9:._-]+:)?[A-Za-z$][\w$-]*(?:\.[A-Za-z$][\w$-]*)?$/;

function checkedAttribute(path: string): string {
  if (!ATTRIBUTE_PATH.test(path)) throw new RangeError(`"${path}" is not a SCIM attribute path`);
  return path;
}
