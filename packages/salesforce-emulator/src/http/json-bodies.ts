/** Elements per JSON.stringify call in a large array member: a member with more is written in chunks. */
const ELEMENTS_PER_CHUNK = 64;
const COMMA = 0x2c;
/** Spare buffers kept for the next responses: about as many as answers are sent at once. */
const SPARE_BUFFERS = 16;
/** UTF-8 takes at most 3 bytes per UTF-16 code unit. */
const MAX_UTF8_PER_UNIT = 3;

/** An encoded body and the call that gives its memory back once the socket no longer needs it. */
export interface EncodedBody {
  readonly bytes: Buffer;
  /** Call once the response has been handed to the operating system (`finish`), and never use `bytes` again. */
  release(): void;
}

/**
 * JSON response bodies encoded into reused buffers: exactly the bytes of
 * `Buffer.from(JSON.stringify(value))`, without building either.
 *
 * A query page of 2,000 records is about 650 KB. As one string and one buffer
 * made for it, both are fresh memory for every page (V8 places a string that
 * large in memory of its own, and the allocator maps a buffer that large anew),
 * and on a virtual machine whose page faults are expensive that cost the
 * emulator about 4.6 ms per page, more than the query itself: CPU the emulated
 * org took from the two cores it shares with the sync being measured. Here a
 * large array member is written a chunk of elements at a time (~20 KB strings)
 * into a buffer that earlier responses already touched.
 */
export class JsonBodies {
  private readonly spare: Buffer[] = [];

  encode(value: unknown): EncodedBody {
    const writer = new Utf8Writer(this.spare.pop() ?? Buffer.allocUnsafeSlow(64 * 1024));
    writeJson(writer, value);
    let released = false;
    return {
      bytes: writer.bytes.subarray(0, writer.used),
      release: () => {
        if (released) return;
        released = true;
        if (this.spare.length < SPARE_BUFFERS) this.spare.push(writer.bytes);
      },
    };
  }
}

class Utf8Writer {
  used = 0;

  constructor(public bytes: Buffer) {}

  write(text: string): void {
    const needed = this.used + text.length * MAX_UTF8_PER_UNIT;
    if (needed > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(needed, this.bytes.length * 2));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    this.used += this.bytes.write(text, this.used, 'utf8');
  }
}

/**
 * `JSON.stringify(value)`, written: a plain object's large array members a chunk at a time, anything
 * else as JSON.stringify writes it (a value it leaves out, a function say, is left out here too).
 */
function writeJson(writer: Utf8Writer, value: unknown): void {
  if (!isPlainObject(value)) {
    writer.write(JSON.stringify(value) ?? 'null');
    return;
  }
  writer.write('{');
  let first = true;
  for (const key of Object.keys(value)) {
    const member = value[key];
    const large = Array.isArray(member) && member.length > ELEMENTS_PER_CHUNK && !hasToJson(member);
    const text = large ? undefined : JSON.stringify(member);
    if (!large && text === undefined) continue;
    if (!first) writer.write(',');
    first = false;
    writer.write(JSON.stringify(key));
    writer.write(':');
    if (text !== undefined) writer.write(text);
    else writeArray(writer, member as unknown[]);
  }
  writer.write('}');
}

/**
 * An array of more than `ELEMENTS_PER_CHUNK` elements, that many per JSON.stringify (~20 KB strings for
 * query records): a call per element cost twice as much, 1.6–1.9 against 0.9 µs per record, the
 * emulator's largest cost per page. Each chunk's text is written whole: the first chunk's `[` opens the
 * array, a later one's becomes the `,` after the chunk before, and every chunk's `]` is dropped (one byte
 * each).
 */
function writeArray(writer: Utf8Writer, elements: readonly unknown[]): void {
  for (let start = 0; start < elements.length; start += ELEMENTS_PER_CHUNK) {
    const opening = writer.used;
    writer.write(JSON.stringify(elements.slice(start, start + ELEMENTS_PER_CHUNK)));
    if (start > 0) writer.bytes[opening] = COMMA;
    writer.used -= 1;
  }
  writer.write(']');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || hasToJson(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
