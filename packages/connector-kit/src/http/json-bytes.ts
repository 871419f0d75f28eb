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
  const layout = largeArrays(bytes, options.sliceBytes ?? 48 * 1024);
  if (layout === undefined) return whole();
  const keys = layout.keys.map((key) => JSON.parse(bytes.toString('utf8', key.start, key.end)) as string);
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
      for (const [start, end] of array.slices) {
        const run = JSON.parse(`[${bytes.toString('utf8', start, end)}]`) as unknown[];
        // An empty slice between commas (`[1,,2]`, a trailing comma): not JSON.
        if (run.length === 0)
          throw new SyntaxError(`Unexpected "," in the JSON array "${key}" at byte ${start - 1}`);
        yield run;
      }
    };
    if (key === lazy) runs = read;
    else (value as Record<string, unknown>)[key] = [...read()].flat();
  }
  return runs ? { value, runs } : { value };
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

/**
 * Where a top-level object's members are (their keys, as byte ranges with their quotes) and which of
 * its array members are larger than `sliceBytes`, cut into runs of elements at commas between
 * elements. Undefined when the body is not shaped so (its parse then fails or takes it whole).
 */
function largeArrays(
  bytes: Buffer,
  sliceBytes: number,
): { keys: { start: number; end: number }[]; arrays: LargeArray[] } | undefined {
  const keys: { start: number; end: number }[] = [];
  const arrays: LargeArray[] = [];
  const length = bytes.length;
  let depth = 0;
  let expectKey = false;
  // The member being read at depth 2: whether it is an array, where it opened, its runs so far.
  let memberIsArray = false;
  let open = 0;
  let sliceStart = 0;
  let slices: [number, number][] = [];
  for (let index = 0; index < length; index += 1) {
    const byte = bytes[index];
    if (byte === QUOTE) {
      const start = index;
      for (index += 1; index < length; index += 1) {
        const unit = bytes[index];
        if (unit === QUOTE) break;
        if (unit === BACKSLASH) index += 1;
      }
      if (depth === 1 && expectKey) {
        keys.push({ start, end: index + 1 });
        expectKey = false;
      }
      continue;
    }
    if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      depth += 1;
      if (depth === 1) {
        if (byte !== OPEN_BRACE) return undefined;
        expectKey = true;
      } else if (depth === 2) {
        memberIsArray = byte === OPEN_BRACKET;
        open = index;
        sliceStart = index + 1;
        slices = [];
      }
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth -= 1;
      // A bracket that closes the wrong thing stays in the rest of the body, whose parse fails.
      if (depth === 1 && memberIsArray && index - open > sliceBytes && keys.length > 0) {
        slices.push([sliceStart, index]);
        arrays.push({ keyIndex: keys.length - 1, open, close: index, slices });
      }
    } else if (byte === COMMA) {
      if (depth === 1) expectKey = true;
      else if (depth === 2 && memberIsArray && index - sliceStart >= sliceBytes) {
        slices.push([sliceStart, index]);
        sliceStart = index + 1;
      }
    }
  }
  return arrays.length > 0 ? { keys, arrays } : undefined;
}
