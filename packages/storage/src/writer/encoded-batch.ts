import type { EntitlementRef, Grant, JsonObject, JsonValue, SyncItem } from '@accessledger/core';
import { ENTITLEMENT_KEY_SEPARATOR, GRANT_KEY_SEPARATOR } from '@accessledger/core';
import { sharedBytes, sharedWords, type SeenTable } from './current-versions.js';
import { HASH_PAIR_BYTES, hashPairsInline, type HashBatch } from './item-hasher.js';
import {
  canonicalJson,
  copyField,
  copyValueText,
  stagedKinds,
  writeStaged,
  type CopyValue,
  type StagedItemSink,
  type StagedKind,
} from './staging.js';

/** Between an item's key and its content in the bytes that are hashed. */
const KEY_SEPARATOR = 0x01;
const GRANT_KEY_BYTE = GRANT_KEY_SEPARATOR.charCodeAt(0);
const ENTITLEMENT_KEY_BYTE = ENTITLEMENT_KEY_SEPARATOR.charCodeAt(0);
const TAB = 0x09;
const NEWLINE = 0x0a;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
const DIGIT_ZERO = 0x30;
/** UTF-8 takes at most 3 bytes per UTF-16 code unit. */
const MAX_UTF8_PER_UNIT = 3;
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
/** ASCII code unit → the letter that follows a backslash for it in COPY text format, or 0. */
const COPY_ESCAPES = new Uint8Array(0x80);
COPY_ESCAPES[BACKSLASH] = BACKSLASH;
COPY_ESCAPES[TAB] = 0x74; // t
COPY_ESCAPES[NEWLINE] = 0x6e; // n
COPY_ESCAPES[0x0d] = 0x72; // r
/** COPY text format's NULL is `\N`. */
const LETTER_N = 0x4e;
const HYPHEN = 0x2d;
const FULL_STOP = 0x2e;
const LETTER_T = 0x54;
const LETTER_Z = 0x5a;
/** `YYYY-MM-DDTHH:mm:ss.sssZ` */
const ISO_DATE_LENGTH = 24;
/** Payload buffers a `StagingRows` keeps for reuse: as many as COPY batches in flight, and one. */
const SPARE_STAGING_BUFFERS = 3;

/**
 * A growable byte buffer outside the JavaScript heap. Batches wait here for
 * their hashes and staged rows wait here for COPY: bytes the garbage collector
 * never copies or scans, where strings and arrays held that long were copied
 * twice and promoted to the old generation (most of a large sync's GC time,
 * and the old generation's growth).
 */
class ByteBuffer {
  bytes: Buffer;
  used = 0;

  /** `shared`: in shared memory, which the hashing thread reads in place. */
  constructor(
    capacity: number,
    private readonly shared = false,
  ) {
    this.bytes = this.allocate(capacity);
  }

  reserve(extra: number): void {
    if (this.used + extra <= this.bytes.length) return;
    const grown = this.allocate(Math.max(this.bytes.length * 2, this.used + extra));
    this.bytes.copy(grown, 0, 0, this.used);
    this.bytes = grown;
  }

  private allocate(size: number): Buffer {
    return this.shared ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafeSlow(size);
  }

  writeText(text: string): void {
    this.reserve(text.length * MAX_UTF8_PER_UNIT);
    this.used += this.bytes.write(text, this.used, 'utf8');
  }

  /**
   * The common shape of attributes, written as `canonicalJson` would write it and then COPY would
   * escape it, without building the text first: an object whose keys come sorted, whose values are
   * strings, finite numbers, booleans or null, and whose keys and strings are printable ASCII other
   * than `"` and `\` (so that neither JSON nor COPY escapes anything). False, with nothing written,
   * for anything else.
   */
  writeFlatJson(value: JsonObject): boolean {
    const start = this.used;
    this.writeByte(OPEN_BRACE);
    let previous: string | undefined;
    for (const key in value) {
      const entry = value[key];
      if (entry === undefined) continue;
      const sorted = previous === undefined || previous < key;
      if (!sorted || !Object.prototype.hasOwnProperty.call(value, key)) return this.rollBack(start);
      if (previous !== undefined) this.writeByte(COMMA);
      previous = key;
      if (!this.writePlainString(key)) return this.rollBack(start);
      this.writeByte(COLON);
      if (!this.writePlainValue(entry)) return this.rollBack(start);
    }
    this.writeByte(CLOSE_BRACE);
    return true;
  }

  private rollBack(to: number): false {
    this.used = to;
    return false;
  }

  /** A scalar JSON value that needs no escaping; false otherwise (partly written). */
  private writePlainValue(entry: JsonValue): boolean {
    if (typeof entry === 'string') return this.writePlainString(entry);
    if (typeof entry === 'boolean') return this.writePlainAscii(entry ? 'true' : 'false');
    if (entry === null) return this.writePlainAscii('null');
    // JSON writes a finite number as String() does (and -0 as 0, as String() does).
    if (typeof entry === 'number' && Number.isFinite(entry)) return this.writePlainAscii(String(entry));
    return false;
  }

  /** A JSON string of `text` when it needs no escaping in JSON or COPY; false otherwise (partly written). */
  private writePlainString(text: string): boolean {
    this.writeByte(QUOTE);
    if (!this.writePlainAscii(text)) return false;
    this.writeByte(QUOTE);
    return true;
  }

  /** Printable ASCII other than `"` and `\`, as is; false at the first other unit (partly written). */
  private writePlainAscii(text: string): boolean {
    const length = text.length;
    this.reserve(length);
    const bytes = this.bytes;
    let at = this.used;
    for (let index = 0; index < length; index += 1) {
      const unit = text.charCodeAt(index);
      if (unit < 0x20 || unit > 0x7e || unit === QUOTE || unit === BACKSLASH) return false;
      bytes[at++] = unit;
    }
    this.used = at;
    return true;
  }

  /** Text as UTF-8 (a key), unescaped. */
  writeRaw(text: string): void {
    this.writeAscii(text, undefined);
  }

  /** Text as a COPY text field (`copyField`): backslash, tab, newline and carriage return escaped. */
  writeCopyText(text: string): void {
    this.writeAscii(text, COPY_ESCAPES);
  }

  /**
   * Text as UTF-8, escaped by `escapes` when given. ASCII (identifiers, most names, the JSON of most
   * attributes) is copied code unit by code unit: for short strings several times cheaper than a call
   * into the encoder, which takes anything else.
   */
  private writeAscii(text: string, escapes: Uint8Array | undefined): void {
    const length = text.length;
    // An escaped unit takes 2 bytes, a non-ASCII one at most 3.
    this.reserve(length * MAX_UTF8_PER_UNIT);
    const bytes = this.bytes;
    let at = this.used;
    for (let index = 0; index < length; index += 1) {
      const unit = text.charCodeAt(index);
      if (unit >= 0x80) {
        this.writeText(escapes ? copyField(text) : text);
        return;
      }
      const escaped = escapes ? (escapes[unit] ?? 0) : 0;
      if (escaped !== 0) {
        bytes[at++] = BACKSLASH;
        bytes[at++] = escaped;
      } else {
        bytes[at++] = unit;
      }
    }
    this.used = at;
  }

  /**
   * `date.toISOString()`, byte for byte (`YYYY-MM-DDTHH:mm:ss.sssZ`), written without building the
   * string: a sync writes a date for most accounts and many grants, and the string cost ~0.6 µs each.
   * Years outside 0–9999, which toISOString writes with a sign and six digits, take that path.
   */
  writeIsoDate(date: Date): void {
    const year = date.getUTCFullYear();
    if (year < 0 || year > 9999) {
      this.writeCopyText(date.toISOString());
      return;
    }
    this.reserve(ISO_DATE_LENGTH);
    const bytes = this.bytes;
    let at = this.used;
    at = writeDigits(bytes, at, year, 4);
    bytes[at++] = HYPHEN;
    at = writeDigits(bytes, at, date.getUTCMonth() + 1, 2);
    bytes[at++] = HYPHEN;
    at = writeDigits(bytes, at, date.getUTCDate(), 2);
    bytes[at++] = LETTER_T;
    at = writeDigits(bytes, at, date.getUTCHours(), 2);
    bytes[at++] = COLON;
    at = writeDigits(bytes, at, date.getUTCMinutes(), 2);
    bytes[at++] = COLON;
    at = writeDigits(bytes, at, date.getUTCSeconds(), 2);
    bytes[at++] = FULL_STOP;
    at = writeDigits(bytes, at, date.getUTCMilliseconds(), 3);
    bytes[at++] = LETTER_Z;
    this.used = at;
  }

  /** One COPY text field: NULL, a date as `toISOString` writes it, or text (`copyField`). */
  writeField(value: CopyValue): void {
    if (value === null) this.writeNull();
    else if (value instanceof Date) this.writeIsoDate(value);
    else this.writeCopyText(typeof value === 'string' ? value : copyValueText(value));
  }

  /** A JSON object as `canonicalJson` writes it, as a COPY text field. */
  writeJsonField(value: JsonObject): void {
    if (!this.writeFlatJson(value)) this.writeCopyText(canonicalJson(value));
  }

  /** COPY text format's NULL, `\N`: two stores (a Buffer copy of two bytes cost more than the rest of a column). */
  writeNull(): void {
    this.reserve(2);
    this.bytes[this.used] = BACKSLASH;
    this.bytes[this.used + 1] = LETTER_N;
    this.used += 2;
  }

  writeByte(byte: number): void {
    this.reserve(1);
    this.bytes[this.used] = byte;
    this.used += 1;
  }

  /**
   * The bytes written, in the buffer they were written to; writing goes on in `next` (or in a fresh
   * buffer of the same size). No copy: a first snapshot hands over ~300 MB of staged rows this way.
   */
  swap(next: Buffer | undefined): { readonly bytes: Buffer; readonly used: number } {
    const taken = { bytes: this.bytes, used: this.used };
    this.bytes = next ?? this.allocate(this.bytes.length);
    this.used = 0;
    return taken;
  }
}

/**
 * Sync items encoded side by side in one buffer, in the form that is hashed
 * and staged: item i is its key, a 0x01 byte, then its content (the COPY text
 * of its data columns), as UTF-8. The hash of the key names the thing, the
 * hash of the whole names the thing as it is (`item-hasher.ts`).
 */
export class EncodedBatch {
  private readonly buffer: ByteBuffer;
  /** Per item: where its key ends, then where it ends (the next item starts there). */
  private ends: Uint32Array;
  /** Per item: its kind's index in `stagedKinds`. */
  private kindIndexes: Uint8Array;
  private items = 0;
  private readonly sink: ItemSink;

  /**
   * The bytes, ends and kind indexes are shared memory: the hashing thread reads them in place, with
   * no copy and no transfer per batch. They are written only before the batch is hashed and after it
   * is staged (`clear`), never while the thread reads them.
   */
  constructor(expectedItems = 16) {
    this.buffer = new ByteBuffer(Math.max(256, expectedItems * 256), true);
    this.ends = sharedWords(Math.max(2, expectedItems * 2));
    this.kindIndexes = sharedBytes(Math.max(1, expectedItems));
    this.sink = new ItemSink(this.buffer);
  }

  get count(): number {
    return this.items;
  }

  add(item: SyncItem): void {
    const index = this.items;
    if (this.ends.length < (index + 1) * 2) {
      const grown = sharedWords(this.ends.length * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
    if (this.kindIndexes.length < index + 1) {
      const grown = sharedBytes(this.kindIndexes.length * 2);
      grown.set(this.kindIndexes);
      this.kindIndexes = grown;
    }
    const start = this.buffer.used;
    this.sink.columns = 0;
    let kind: StagedKind;
    try {
      kind = writeStaged(item, this.sink);
    } catch (error) {
      // A malformed item leaves nothing behind.
      this.buffer.used = start;
      throw error;
    }
    this.ends[index * 2] = this.sink.keyEnd;
    this.ends[index * 2 + 1] = this.buffer.used;
    this.kindIndexes[index] = stagedKinds.indexOf(kind);
    this.items += 1;
  }

  kind(index: number): StagedKind {
    const kind = index >= 0 && index < this.items ? stagedKinds[this.kindIndexes[index] ?? 0] : undefined;
    if (!kind) throw new RangeError(`No item ${index} in a batch of ${this.count}.`);
    return kind;
  }

  /**
   * The batch for the hasher, in place (shared memory): read it only until the hashes are back, and
   * add nothing to it meanwhile. `tables`: the current versions of each kind, in `stagedKinds` order
   * (none: every item is new).
   */
  hashBatch(tables: readonly (SeenTable | null)[] = []): HashBatch {
    return {
      source: this,
      count: this.count,
      bytes: this.buffer.bytes,
      ends: this.ends,
      kinds: this.kindIndexes,
      tables,
    };
  }

  /** Item `index`'s content bytes (after its key and separator) into `target`. */
  copyContent(index: number, target: ByteBuffer): void {
    const start = (this.ends[index * 2] ?? 0) + 1;
    const end = this.ends[index * 2 + 1] ?? start;
    target.reserve(end - start);
    this.buffer.bytes.copy(target.bytes, target.used, start, end);
    target.used += end - start;
  }

  /** Empties the batch, keeping its buffers for the next one. */
  clear(): void {
    this.buffer.used = 0;
    this.items = 0;
  }
}

/** Writes one item into a batch's buffer: key, the 0x01 separator, then tab-separated COPY fields. */
class ItemSink implements StagedItemSink {
  /** Data columns written so far for the current item. */
  columns = 0;
  /** Where the current item's key ended. */
  keyEnd = 0;

  constructor(private readonly buffer: ByteBuffer) {}

  key(text: string): void {
    this.buffer.writeRaw(text);
    this.keyEnd = this.buffer.used;
    this.buffer.writeByte(KEY_SEPARATOR);
  }

  json(value: JsonObject): void {
    this.nextColumn().writeJsonField(value);
  }

  column(value: CopyValue): void {
    this.nextColumn().writeField(value);
  }

  grant(grant: Grant, grantedAt: Date | null, expiresAt: Date | null): void {
    const buffer = this.buffer;
    const { entitlement, via } = grant;
    // The key, as `grantKey` spells it, a part at a time: no string built for it.
    buffer.writeRaw(grant.accountExternalId);
    buffer.writeByte(GRANT_KEY_BYTE);
    this.entitlementKey(entitlement);
    buffer.writeByte(GRANT_KEY_BYTE);
    if (via) this.entitlementKey(via);
    this.keyEnd = buffer.used;
    buffer.writeByte(KEY_SEPARATOR);
    // The columns, as `column` and `json` write them.
    const fields: CopyValue[] = [
      grant.accountExternalId,
      entitlement.type,
      entitlement.externalId,
      via?.type ?? null,
      via?.externalId ?? null,
      grantedAt,
      expiresAt,
    ];
    for (const field of fields) {
      buffer.writeField(field);
      buffer.writeByte(TAB);
    }
    buffer.writeJsonField(grant.attributes ?? {});
    this.columns = fields.length + 1;
  }

  /** `entitlementKey`'s text, written a part at a time. */
  private entitlementKey(ref: EntitlementRef): void {
    this.buffer.writeRaw(ref.type);
    this.buffer.writeByte(ENTITLEMENT_KEY_BYTE);
    this.buffer.writeRaw(ref.externalId);
  }

  /** The buffer, past the tab that separates the next column from the one before. */
  private nextColumn(): ByteBuffer {
    if (this.columns > 0) this.buffer.writeByte(TAB);
    this.columns += 1;
    return this.buffer;
  }
}

/**
 * Rows for one staging table in COPY text format, built as bytes: arrival
 * order, key hash and content hash as uuid text, then the item's content.
 */
export class StagingRows {
  private readonly buffer = new ByteBuffer(64 * 1024);
  /** Buffers of payloads COPY is done with, written to again. */
  private readonly spare: Buffer[] = [];
  private rows = 0;

  get count(): number {
    return this.rows;
  }

  /** Appends item `index` of `batch`, whose hashes lie at `hashOffset` in `hashes`. */
  add(batch: EncodedBatch, index: number, seq: number, hashes: Uint8Array, hashOffset: number): void {
    const buffer = this.buffer;
    buffer.reserve(24 + 2 * HASH_PAIR_BYTES + 2);
    buffer.used = writeDecimal(buffer.bytes, buffer.used, seq);
    buffer.bytes[buffer.used++] = TAB;
    buffer.used = writeHex(buffer.bytes, buffer.used, hashes, hashOffset, hashOffset + 16);
    buffer.bytes[buffer.used++] = TAB;
    buffer.used = writeHex(buffer.bytes, buffer.used, hashes, hashOffset + 16, hashOffset + 32);
    buffer.bytes[buffer.used++] = TAB;
    batch.copyContent(index, buffer);
    buffer.writeByte(NEWLINE);
    this.rows += 1;
  }

  /**
   * The rows so far, as one COPY payload; empties this. The payload is this object's own buffer, handed
   * over: `release` it once COPY is done with it, and it is written to again (fresh buffers for every
   * payload were most of the page faults of a first snapshot's staging).
   */
  take(): { readonly bytes: Uint8Array; readonly release: () => void } {
    this.rows = 0;
    const { bytes, used } = this.buffer.swap(this.spare.pop());
    let released = false;
    return {
      bytes: bytes.subarray(0, used),
      release: () => {
        if (released) return;
        released = true;
        if (this.spare.length < SPARE_STAGING_BUFFERS) this.spare.push(bytes);
      },
    };
  }
}

/** `value` (0 ≤ value < 10^width) as exactly `width` decimal digits, zero-padded. */
function writeDigits(target: Buffer, offset: number, value: number, width: number): number {
  let rest = value;
  for (let index = width - 1; index >= 0; index -= 1) {
    target[offset + index] = DIGIT_ZERO + (rest % 10);
    rest = Math.trunc(rest / 10);
  }
  return offset + width;
}

function writeDecimal(target: Buffer, offset: number, value: number): number {
  const digits = String(Math.trunc(value));
  for (let index = 0; index < digits.length; index += 1) target[offset + index] = digits.charCodeAt(index);
  return offset + digits.length;
}

function writeHex(target: Buffer, offset: number, source: Uint8Array, start: number, end: number): number {
  let at = offset;
  for (let index = start; index < end; index += 1) {
    const byte = source[index] ?? 0;
    target[at] = HEX_DIGITS[byte >> 4] ?? DIGIT_ZERO;
    target[at + 1] = HEX_DIGITS[byte & 15] ?? DIGIT_ZERO;
    at += 2;
  }
  return at;
}

/** One item's key hash and content hash (16 bytes each), hashed in this thread: for writers of a few items. */
export function itemHashes(item: SyncItem): { readonly keyHash: Buffer; readonly contentHash: Buffer } {
  const batch = new EncodedBatch(1);
  batch.add(item);
  const hashes = Buffer.from(hashPairsInline(batch.hashBatch()).hashes);
  return { keyHash: hashes.subarray(0, 16), contentHash: hashes.subarray(16, 32) };
}

/** The staging row (COPY text, newline-terminated) of one item, exactly as the snapshot writer stages it. */
export function stagingLine(item: SyncItem, seq: number): string {
  const batch = new EncodedBatch(1);
  batch.add(item);
  const rows = new StagingRows();
  rows.add(batch, 0, seq, hashPairsInline(batch.hashBatch()).hashes, 0);
  return Buffer.from(rows.take().bytes).toString('utf8');
}
