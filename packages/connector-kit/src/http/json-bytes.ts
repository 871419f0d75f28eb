const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

export interface JsonBytesOptions {
  /** Bodies up to this many bytes are parsed as one string. */
  readonly slicedAbove?: number;
  /** About how many bytes of a large array are parsed at a time. */
  readonly sliceBytes?: number;
  /**
   * What every element of the `lazy` array begins with, as JSON text (a Salesforce query record's
   * `{"attributes":`): that array is then cut where `},` and this follow each other, found by search,
   * instead of reading every byte of it to know where its elements end (`sliceJsonBytes`).
   */
  readonly elementStart?: string;
}

/**
 * `JSON.parse` of a UTF-8 body, with the same result and the same failures,
 * but a large body's large top-level arrays (a query page's `records`, a SCIM
 * list's `Resources`) parsed a slice of elements at a time (`sliceJsonBytes`).
 */
export function parseJsonBytes(bytes: Buffer, options: JsonBytesOptions = {}): unknown {
  return sliceJsonBytes(bytes, undefined, options).value;
}

/** A body parsed, but for the elements of one large top-level array member, read a run at a time. */
export interface SlicedJson {
  /** The body's value; the member `runs` reads is an empty array in it. */
  readonly value: unknown;
  /**
   * That member's elements in order, a run (one parsed slice, about 48 KB of JSON) at a time, each
   * slice parsed when the reading reaches it; a slice that is not JSON throws a SyntaxError there. Unset
   * when the member is not a large array: it is in `value` as parsed.
   */
  readonly runs?: () => Generator<readonly unknown[], void, undefined>;
}

/**
 * A UTF-8 body as `JSON.parse` reads it, its large top-level arrays cut into
 * slices of whole elements, each parsed as an array of its own; those of the
 * member `lazy` (if any) only when read, through `runs`.
 *
 * A 650 KB query page as one string cost 2.7 ms per page just to decode: V8
 * keeps a string that large in memory of its own, fresh for every page, and on
 * a virtual machine with expensive page faults that is most of the cost. The
 * same bytes as 48 KB strings decode in 0.1 ms; finding where the slices may be
 * cut costs 0.6 ms. Read a slice at a time, a page's records are not all alive
 * at once either, so fewer of them survive a young-generation collection.
 *
 * The rest of the body is parsed with those arrays left empty, so every byte
 * still goes through `JSON.parse`: a body that is not valid JSON fails, as it
 * would whole (a bad element of `lazy` only when its slice is read). Anything
 * the slicing does not handle (a top-level value that is not an object, a large
 * member whose key repeats) is parsed whole.
 */
export function sliceJsonBytes(
  bytes: Buffer,
  lazy: string | undefined,
  options: JsonBytesOptions = {},
): SlicedJson {
  const whole = (): SlicedJson => ({ value: JSON.parse(bytes.toString('utf8')) });
  if (bytes.length <= (options.slicedAbove ?? 128 * 1024)) return whole();
  const sliceBytes = options.sliceBytes ?? 48 * 1024;
  if (lazy !== undefined && options.elementStart !== undefined) {
    const searched = slicedBySearch(bytes, lazy, sliceBytes, options.elementStart);
    if (searched) return searched;
  }
  const layout = largeArrays(bytes, sliceBytes);
  if (layout === undefined || layout.arrays.length === 0) return whole();
  const keys = memberKeys(bytes, layout.keys);
  const members = layout.arrays.map((array) => ({ key: keys[array.keyIndex] ?? '', array }));
  // A repeated key: JSON.parse keeps its last value, which may not be this array.
  if (members.some(({ key }) => keys.indexOf(key) !== keys.lastIndexOf(key))) return whole();
  // The body with the large arrays left empty: `"records":[]`.
  const headParts: Buffer[] = [];
  let from = 0;
  for (const { array } of members) {
    headParts.push(bytes.subarray(from, array.open + 1));
    from = array.close;
  }
  headParts.push(bytes.subarray(from));
  const value: unknown = JSON.parse(Buffer.concat(headParts).toString('utf8'));
  let runs: SlicedJson['runs'];
  for (const { key, array } of members) {
    const read = function* (): Generator<readonly unknown[], void, undefined> {
      for (const [start, end] of array.slices) yield parseRun(bytes, start, end, key);
    };
    if (key === lazy) runs = read;
    else (value as Record<string, unknown>)[key] = [...read()].flat();
  }
  return runs ? { value, runs } : { value };
}

/** One slice of a large array's elements, parsed. */
function parseRun(bytes: Buffer, start: number, end: number, key: string): unknown[] {
  const run = JSON.parse(`[${bytes.toString('utf8', start, end)}]`) as unknown[];
  // An empty slice between commas (`[1,,2]`, a trailing comma): not JSON.
  if (run.length === 0)
    throw new SyntaxError(`Unexpected "," in the JSON array "${key}" at byte ${start - 1}`);
  return run;
}

/**
 * `sliceJsonBytes` for an array whose elements all begin with `elementStart`: cut where `},` and it
 * follow each other, searched for a slice's length at a time, instead of reading every byte of a
 * 650 KB page (0.4 s of a million-record sync). Such a cut is never inside a string of valid JSON (its
 * `"` would close the string, and a string is followed by `,` `:` `}` `]`, not a letter); it can be
 * inside an element (an array of objects nested in it), but a slice that starts between elements and
 * ends inside one has brackets left open, so its parse fails: the slices after it are then cut by
 * reading their bytes, and nothing wrong is ever parsed. The rest of the body (before the array and
 * after its last cut) is parsed at once, the array's last elements with it. Undefined (read the body
 * byte by byte) when the member is not found near the start as a top-level array, or that rest does
 * not parse or repeats a key.
 */
function slicedBySearch(
  bytes: Buffer,
  lazy: string,
  sliceBytes: number,
  elementStart: string,
): SlicedJson | undefined {
  // Where the array opens: the body is read only up to it (its members before it are few and small).
  const head = bytes.subarray(0, Math.max(sliceBytes, 64 * 1024));
  const open = largeArrays(head, Number.POSITIVE_INFINITY, (key) => key === lazy)?.opening;
  if (open === undefined) return undefined;
  const boundary = Buffer.from(`},${elementStart}`, 'utf8');
  const cuts: [number, number][] = [];
  let start = open + 1;
  for (;;) {
    const found = bytes.indexOf(boundary, start + sliceBytes);
    if (found === -1) break;
    cuts.push([start, found + 1]);
    start = found + 2;
  }
  if (cuts.length === 0) return undefined;
  // The body without the cut slices: everything before the array, its last elements, everything after.
  const rest = Buffer.concat([bytes.subarray(0, open + 1), bytes.subarray(start)]);
  let value: unknown;
  try {
    value = JSON.parse(rest.toString('utf8'));
  } catch {
    return undefined;
  }
  const layout = largeArrays(rest, Number.POSITIVE_INFINITY);
  const keys = layout && memberKeys(rest, layout.keys);
  if (!keys || keys.length !== new Set(keys).size) return undefined;
  const members = value as Record<string, unknown>;
  const last = members[lazy];
  if (!Array.isArray(last)) return undefined;
  // As the member JSON.parse made (an own property, `__proto__` included), now empty.
  Object.defineProperty(members, lazy, { value: [], writable: true, enumerable: true, configurable: true });
  const tail = start - 1;
  const runs = function* (): Generator<readonly unknown[], void, undefined> {
    for (const [from, to] of cuts) {
      let run: unknown[];
      try {
        run = parseRun(bytes, from, to, lazy);
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        // Cut inside an element: from here to the last elements, by reading the bytes.
        const { slices } = elementRuns(bytes, from, tail, sliceBytes);
        // Past a bracket that closes nothing (not JSON) the last run goes on to the end, and fails.
        const lastRun = slices[slices.length - 1];
        if (lastRun) lastRun[1] = tail;
        for (const [a, b] of slices) yield parseRun(bytes, a, b, lazy);
        break;
      }
      yield run;
    }
    if (last.length > 0) yield last;
  };
  return { value, runs };
}

/**
 * The elements of an array from `from` (just past its `[`, or between two of its elements) in runs of
 * about `sliceBytes`, cut at the commas between them; `close` is the bracket that closes the array, or
 * `end` when none does before it (then the runs go to `end`).
 */
function elementRuns(
  bytes: Buffer,
  from: number,
  end: number,
  sliceBytes: number,
): { readonly close: number; readonly slices: [number, number][] } {
  const slices: [number, number][] = [];
  let depth = 0;
  let sliceStart = from;
  let index = from;
  for (; index < end; index += 1) {
    const byte = bytes[index];
    if (byte === QUOTE) {
      index = stringEnd(bytes, index, end);
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth += 1;
    else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      // A bracket that closes the wrong thing stays in the body, whose parse fails.
      if (depth === 0) break;
      depth -= 1;
    } else if (byte === COMMA && depth === 0 && index - sliceStart >= sliceBytes) {
      slices.push([sliceStart, index]);
      sliceStart = index + 1;
    }
  }
  slices.push([sliceStart, index]);
  return { close: index, slices };
}

/** Where the string opened by the quote at `open` closes (its closing quote), or `end`. */
function stringEnd(bytes: Buffer, open: number, end: number): number {
  let index = open + 1;
  for (; index < end; index += 1) {
    const unit = bytes[index];
    if (unit === QUOTE) break;
    if (unit === BACKSLASH) index += 1;
  }
  return index;
}

interface LargeArray {
  /** Index in `keys` of the member's key. */
  readonly keyIndex: number;
  /** Offsets of its `[` and its `]`. */
  readonly open: number;
  readonly close: number;
  /** Runs of whole elements, without the commas between runs. */
  readonly slices: readonly (readonly [number, number])[];
}

/** A key's bytes, with its quotes. */
interface KeyRange {
  readonly start: number;
  readonly end: number;
}

/** Keys as JSON.parse reads them (a key that is not a JSON string throws a SyntaxError). */
function memberKeys(bytes: Buffer, keys: readonly KeyRange[]): string[] {
  return keys.map((key) => JSON.parse(bytes.toString('utf8', key.start, key.end)) as string);
}

/**
 * Where a top-level object's members are (their keys, as byte ranges with their quotes) and which of
 * its array members are larger than `sliceBytes`, cut into runs of elements at commas between
 * elements. With `stopAt`, the reading stops where the first array member whose key it accepts opens
 * (`opening`, its `[`). Undefined when the body is not an object (its parse then fails or takes it
 * whole); a key read for `stopAt` that is not a JSON string fails as JSON.parse would, a SyntaxError.
 */
function largeArrays(
  bytes: Buffer,
  sliceBytes: number,
  stopAt?: (key: string) => boolean,
): { keys: KeyRange[]; arrays: LargeArray[]; opening?: number } | undefined {
  const keys: KeyRange[] = [];
  const arrays: LargeArray[] = [];
  const length = bytes.length;
  let depth = 0;
  let expectKey = false;
  for (let index = 0; index < length; index += 1) {
    const byte = bytes[index];
    if (byte === QUOTE) {
      const start = index;
      index = stringEnd(bytes, index, length);
      if (depth === 1 && expectKey) {
        keys.push({ start, end: index + 1 });
        expectKey = false;
      }
      continue;
    }
    if (byte === OPEN_BRACKET && depth === 1 && keys.length > 0) {
      // A member that is an array: read to its close, cut into runs as it goes.
      if (stopAt) {
        const [key] = memberKeys(bytes, keys.slice(-1));
        if (key !== undefined && stopAt(key)) return { keys, arrays, opening: index };
      }
      const { close, slices } = elementRuns(bytes, index + 1, length, sliceBytes);
      if (close < length && close - index > sliceBytes)
        arrays.push({ keyIndex: keys.length - 1, open: index, close, slices });
      index = close;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      depth += 1;
      if (depth === 1) {
        if (byte !== OPEN_BRACE) return undefined;
        expectKey = true;
      }
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth -= 1;
    else if (byte === COMMA && depth === 1) expectKey = true;
  }
  return { keys, arrays };
}
