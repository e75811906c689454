import { FormatError } from '@convkit/core';
import { inflateSync } from 'fflate';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export interface ZipArchive {
  entries: Map<string, ZipEntry>;
  /** The entry's bytes: a view for stored entries (what torch.save writes), inflated otherwise. */
  read(name: string): Uint8Array;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
// Deflate cannot expand data more than ~1032:1, so a larger declared size is a lie.
const MAX_INFLATE_RATIO = 1032;

/** A minimal zip reader: the central directory, stored and deflated entries, zip64 sizes. */
export function readZip(bytes: Uint8Array, fileName: string): ZipArchive {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (offset: number, message: string): never => {
    throw new FormatError(`${fileName}@${offset}`, message);
  };
  const u16 = (o: number) => (o + 2 <= bytes.byteLength ? dv.getUint16(o, true) : fail(o, 'truncated zip structure'));
  const u32 = (o: number) => (o + 4 <= bytes.byteLength ? dv.getUint32(o, true) : fail(o, 'truncated zip structure'));
  const u64 = (o: number) => u32(o) + u32(o + 4) * 2 ** 32;

  let eocd = -1;
  for (let o = bytes.byteLength - 22; o >= Math.max(0, bytes.byteLength - 22 - 0xffff); o--) {
    if (dv.getUint32(o, true) === EOCD) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) fail(bytes.byteLength, 'no end-of-central-directory record: truncated or not a zip file');
  let count = u16(eocd + 10);
  let cdOffset = u32(eocd + 16);
  if ((count === 0xffff || cdOffset === 0xffffffff) && eocd >= 20 && u32(eocd - 20) === ZIP64_LOCATOR) {
    const z64 = u64(eocd - 12);
    if (u32(z64) !== ZIP64_EOCD) fail(z64, 'bad zip64 end-of-central-directory signature');
    count = u64(z64 + 32);
    cdOffset = u64(z64 + 48);
  }
  const entries = new Map<string, ZipEntry>();
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (u32(at) !== CENTRAL) fail(at, `central directory entry ${i} has a bad signature`);
    if (u16(at + 8) & 1) fail(at, 'encrypted zip entries are not supported');
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const end = at + 46 + nameLength + extraLength + u16(at + 32);
    if (end > bytes.byteLength) fail(at, 'central directory runs past the end of the file');
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const entry: ZipEntry = { name, method: u16(at + 10), compressedSize: u32(at + 20), size: u32(at + 24), localOffset: u32(at + 42) };
    readZip64Extra(entry, at + 46 + nameLength, extraLength, u16, u64);
    entries.set(name, entry);
    at = end;
  }

  const read = (name: string): Uint8Array => {
    const e = entries.get(name);
    if (!e) throw new FormatError(`${fileName}: ${name}`, 'entry is missing from the zip archive');
    const local = e.localOffset;
    if (u32(local) !== LOCAL) fail(local, `local header of ${name} has a bad signature`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    if (start + e.compressedSize > bytes.byteLength)
      fail(start, `data of ${name} (${e.compressedSize} bytes) runs past the end of the file`);
    const raw = bytes.subarray(start, start + e.compressedSize);
    if (e.method === 0) {
      if (e.size !== e.compressedSize) fail(local, `stored entry ${name} declares ${e.size} bytes but holds ${e.compressedSize}`);
      return raw;
    }
    if (e.method !== 8) fail(local, `entry ${name} uses compression method ${e.method}; only stored (0) and deflate (8) are supported`);
    if (e.size > e.compressedSize * MAX_INFLATE_RATIO + 1024)
      fail(local, `entry ${name} declares ${e.size} bytes, impossible from ${e.compressedSize} deflated bytes`);
    let out: Uint8Array;
    try {
      out = inflateSync(raw, { out: new Uint8Array(e.size) });
    } catch (cause) {
      throw new FormatError(`${fileName}@${start}`, `cannot inflate ${name}: ${(cause as Error).message}`);
    }
    if (out.byteLength !== e.size) fail(start, `entry ${name} inflates to ${out.byteLength} bytes, ${e.size} declared`);
    return out;
  };
  return { entries, read };
}

/** Zip64 keeps sizes that overflow 32 bits in extra field 0x0001, in a fixed order. */
function readZip64Extra(entry: ZipEntry, start: number, length: number, u16: (o: number) => number, u64: (o: number) => number): void {
  if (entry.size !== 0xffffffff && entry.compressedSize !== 0xffffffff && entry.localOffset !== 0xffffffff) return;
  for (let at = start; at + 4 <= start + length; ) {
    const id = u16(at);
    const size = u16(at + 2);
    if (id === 0x0001) {
      let field = at + 4;
      if (entry.size === 0xffffffff) (entry.size = u64(field)), (field += 8);
      if (entry.compressedSize === 0xffffffff) (entry.compressedSize = u64(field)), (field += 8);
      if (entry.localOffset === 0xffffffff) entry.localOffset = u64(field);
      return;
    }
    at += 4 + size;
  }
}
