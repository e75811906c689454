// A valid greyscale PNG of black pixels, of any declared size, built in a few milliseconds in Node
// and in browsers alike (no compressor): the image data is all zero bytes (filter 0, sample 0),
// and its deflate stream is one fixed-Huffman block of a literal 0 followed by 258-byte copies at
// distance 1 — 13 bits per 258 bytes. blackPng(20000, 20000, 4) is a 1.2 MB decompression bomb:
// 200 MB of zlib output, 1.6 GB once expanded to RGBA.

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Huffman codes go into the stream most significant bit first, other fields least significant first.
const reversed = (code: number, bits: number) => {
  let r = 0;
  for (let i = 0; i < bits; i++) r |= ((code >> i) & 1) << (bits - 1 - i);
  return r;
};
const LITERAL_0 = reversed(0x30, 8); // fixed code of literal 0: 0011 0000
const COPY_258 = reversed(0xc5, 8); // length code 285 (258 bytes): 1100 0101; distance code 0 (1 byte back) is 5 zero bits
const END_OF_BLOCK_BITS = 7; // code 256: 000 0000

/** A zlib stream that inflates to `n` zero bytes. */
function zlibZeros(n: number): Uint8Array {
  const copies = Math.floor((n - 1) / 258);
  const literals = 1 + ((n - 1) % 258);
  const bits = 3 + 8 * literals + 13 * copies + END_OF_BLOCK_BITS;
  const out = new Uint8Array(2 + Math.ceil(bits / 8) + 4);
  out.set([0x78, 0x01]); // deflate, 32 KiB window, no dictionary
  let pos = 16; // in bits
  const put = (value: number, count: number) => {
    for (let i = 0; i < count; i++, pos++) if ((value >> i) & 1) out[pos >> 3] |= 1 << (pos & 7);
  };
  put(0b011, 3); // BFINAL = 1, BTYPE = 01 (fixed Huffman)
  put(LITERAL_0, 8);
  for (let i = 0; i < copies; i++) put(COPY_258, 13);
  for (let i = 1; i < literals; i++) put(LITERAL_0, 8);
  pos += END_OF_BLOCK_BITS;
  // Adler-32 of n zeros: a stays 1, b adds a once per byte.
  new DataView(out.buffer).setUint32(out.length - 4, ((n % 65521) * 65536 + 1) >>> 0);
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A PNG of width×height black greyscale pixels at `bitDepth` bits each. */
export function blackPng(width: number, height: number, bitDepth: 1 | 2 | 4 | 8 = 8): Uint8Array {
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([bitDepth, 0, 0, 0, 0], 8); // colour type 0 (grey), deflate, adaptive filters, no interlace
  const rowBytes = 1 + Math.ceil((width * bitDepth) / 8);
  const parts = [
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlibZeros(rowBytes * height)),
    chunk('IEND', new Uint8Array(0)),
  ];
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    png.set(p, at);
    at += p.length;
  }
  return png;
}
