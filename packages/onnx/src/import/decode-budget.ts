import type protobuf from 'protobufjs/light.js';
import { OnnxFormatError } from '../errors';

// What protobufjs allocates per item it decodes, roughly (measured on Node 20: 153 B for an empty
// NodeProto, 57 B for a Long): a message object,
// a Long for each int64, a JS number for each element of a packed repeated field.
const MESSAGE_COST = 160;
const LONG_COST = 64;
const NUMBER_COST = 8;
const MAX_DEPTH = 64;
const INT64_TYPES = new Set(['int64', 'uint64', 'sint64']);
const VARINT_TYPES = new Set(['int32', 'uint32', 'sint32', 'bool']);
const FIXED_SIZES: Record<string, number> = { float: 4, fixed32: 4, sfixed32: 4, double: 8, fixed64: 8, sfixed64: 8 };

/** Memory a decode may use: generous for any real model (weights sit in raw_data, a view of the file). */
export const decodeBudget = (fileBytes: number): number => 64 * 2 ** 20 + 4 * fileBytes;

/**
 * Estimates what decoding `bytes` as `type` would allocate, walking the wire format without
 * allocating, and refuses before the decode when it exceeds the budget: 2 bytes of protobuf can
 * be an empty NodeProto or a 1-byte int64 that costs protobufjs hundreds of bytes each. Malformed
 * input simply ends the walk: the decode that follows reports it.
 */
export function checkDecodeBudget(bytes: Uint8Array, type: protobuf.Type, file: string): void {
  const budget = decodeBudget(bytes.byteLength);
  let pos = 0;
  let cost = 0;
  const varint = (end: number): number => {
    let value = 0;
    for (let shift = 0; pos < end && shift < 70; shift += 7) {
      const b = bytes[pos++];
      if (shift < 49) value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    return -1;
  };
  const walk = (message: protobuf.Type, end: number, depth: number): boolean => {
    while (pos < end) {
      const tag = varint(end);
      if (tag < 0) return false;
      const field = message.fieldsById[Math.floor(tag / 8)];
      const wire = tag % 8;
      if (wire === 0) {
        if (varint(end) < 0) return false;
        cost += field && INT64_TYPES.has(field.type) ? LONG_COST : NUMBER_COST;
      } else if (wire === 1 || wire === 5) {
        pos += wire === 1 ? 8 : 4;
        cost += NUMBER_COST;
      } else if (wire === 2) {
        const length = varint(end);
        if (length < 0 || pos + length > end) return false;
        const stop = pos + length;
        const sub = field?.resolvedType;
        if (sub && 'fieldsById' in sub) {
          cost += MESSAGE_COST;
          if (depth >= MAX_DEPTH || !walk(sub as protobuf.Type, stop, depth + 1)) return false;
        } else if (field?.repeated && FIXED_SIZES[field.type]) {
          cost += (length / FIXED_SIZES[field.type]) * NUMBER_COST;
        } else if (field?.repeated && (INT64_TYPES.has(field.type) || VARINT_TYPES.has(field.type) || sub)) {
          // Packed varints (enums too): one value per byte that ends a varint, a Long for 64-bit ones.
          const each = INT64_TYPES.has(field.type) ? LONG_COST : NUMBER_COST;
          for (let i = pos; i < stop; i++) if (bytes[i] < 0x80) cost += each;
        } else {
          cost += length; // a string, or bytes (a view of the file, not a copy)
        }
        pos = stop;
      } else {
        return false;
      }
      if (cost > budget) {
        const where = `${message.name}.${field?.name ?? `field ${Math.floor(tag / 8)}`}`;
        const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`;
        throw new OnnxFormatError(
          file,
          '',
          `${bytes.byteLength} bytes would decode to more than ${mib(budget)} of objects (at ${where}): refused as a memory bomb`,
        );
      }
    }
    return true;
  };
  walk(type, bytes.byteLength, 0);
}
