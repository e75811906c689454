import { FormatError } from '@convkit/core';

/** A Python tuple (kept apart from lists, which are plain arrays). */
export class PyTuple {
  constructor(readonly items: unknown[]) {}
}

/** Something `findClass` allowed: a callable that REDUCE / NEWOBJ may invoke with its arguments. */
export interface PyCallable {
  readonly qualifiedName: string;
  call(args: unknown[], where: string): unknown;
}

export interface UnpickleOptions {
  /** Where errors say they are (`file.pth: archive/data.pkl`). */
  where: string;
  /** Resolves `module.name`; must throw for anything not on its allowlist. */
  findClass(module: string, name: string, where: string): unknown;
  /** Resolves a BINPERSID id (torch: a storage reference). */
  persistentLoad(pid: unknown, where: string): unknown;
}

/**
 * A restricted unpickler: it understands the opcodes torch.save emits (protocol 2–5) and builds
 * plain data; the only code it "runs" is what `findClass` returns, so a malicious pickle can at
 * most name a forbidden global (and be refused) — nothing is ever executed.
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): unknown {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  let opStart = 0;

  const fail = (message: string): never => {
    throw new FormatError(`${options.where}@${opStart}`, message);
  };
  const need = (n: number) => {
    if (!(n >= 0) || pos + n > bytes.byteLength)
      fail(`truncated pickle: needs ${n} more bytes at offset ${pos}, ${bytes.byteLength - pos} left`);
  };
  const take = (n: number) => {
    need(n);
    pos += n;
    return pos - n;
  };
  const u8 = () => bytes[take(1)];
  const u16 = () => dv.getUint16(take(2), true);
  const u32 = () => dv.getUint32(take(4), true);
  const u64 = () => u32() + u32() * 2 ** 32;
  const text = (n: number) => decoder.decode(bytes.subarray(take(n), pos));
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('unterminated text line');
    return text(end - pos + 1).slice(0, -1);
  };
  // Popping never reaches below the innermost MARK: that would be a corrupt pickle.
  const pop = () => (stack.length > (marks.length ? marks[marks.length - 1] : 0) ? stack.pop() : fail('stack underflow'));
  const top = () => (stack.length ? stack[stack.length - 1] : fail('stack underflow'));
  const popMark = () => {
    if (!marks.length) fail('no MARK on the stack');
    return stack.splice(marks.pop()!);
  };
  const memoGet = (i: number) => (memo.has(i) ? memo.get(i) : fail(`memo entry ${i} is not defined`));
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map)) fail('SETITEM(S) on something that is not a dict');
    for (let i = 0; i + 1 < items.length; i += 2) (target as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]) => {
    if (!Array.isArray(target)) fail('APPEND(S) on something that is not a list');
    for (const item of items) (target as unknown[]).push(item);
  };
  const callable = (fn: unknown): PyCallable => {
    if (typeof fn !== 'object' || fn === null || typeof (fn as PyCallable).call !== 'function')
      fail('REDUCE/NEWOBJ target is not an allowed callable');
    return fn as PyCallable;
  };
  const args = (t: unknown): unknown[] => (t instanceof PyTuple ? t.items : fail('call arguments are not a tuple'));
  const long = (n: number) => {
    const b = bytes.subarray(take(n), pos);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    opStart = pos;
    const op = u8();
    switch (op) {
      case 0x80:
        u8();
        break; // PROTO
      case 0x95:
        take(8);
        break; // FRAME: framing only, the opcodes inside read the same
      case 0x2e:
        return stack.length ? stack.pop() : fail('STOP with an empty stack'); // STOP
      case 0x28:
        marks.push(stack.length);
        break; // MARK
      case 0x7d:
        stack.push(new Map());
        break; // EMPTY_DICT
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST
      case 0x29:
        stack.push(new PyTuple([]));
        break; // EMPTY_TUPLE
      case 0x8f:
        stack.push(new Set());
        break; // EMPTY_SET
      case 0x4e:
        stack.push(null);
        break; // NONE
      case 0x88:
        stack.push(true);
        break; // NEWTRUE
      case 0x89:
        stack.push(false);
        break; // NEWFALSE
      case 0x4a:
        stack.push(dv.getInt32(take(4), true));
        break; // BININT
      case 0x4b:
        stack.push(u8());
        break; // BININT1
      case 0x4d:
        stack.push(u16());
        break; // BININT2
      case 0x8a:
        stack.push(long(u8()));
        break; // LONG1
      case 0x8b:
        stack.push(long(u32()));
        break; // LONG4
      case 0x47:
        stack.push(dv.getFloat64(take(8), false));
        break; // BINFLOAT (big-endian)
      case 0x58:
        stack.push(text(u32()));
        break; // BINUNICODE
      case 0x8c:
        stack.push(text(u8()));
        break; // SHORT_BINUNICODE
      case 0x8d:
        stack.push(text(u64()));
        break; // BINUNICODE8
      case 0x55:
        stack.push(text(u8()));
        break; // SHORT_BINSTRING (Python 2 str)
      case 0x54:
        stack.push(text(u32()));
        break; // BINSTRING
      case 0x43: {
        const n = u8();
        stack.push(bytes.slice(take(n), pos));
        break;
      } // SHORT_BINBYTES
      case 0x42: {
        const n = u32();
        stack.push(bytes.slice(take(n), pos));
        break;
      } // BINBYTES
      case 0x74:
        stack.push(new PyTuple(popMark()));
        break; // TUPLE
      case 0x85:
        stack.push(new PyTuple([pop()]));
        break; // TUPLE1
      case 0x86: {
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b]));
        break;
      } // TUPLE2
      case 0x87: {
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b, c]));
        break;
      } // TUPLE3
      case 0x6c:
        stack.push(popMark());
        break; // LIST
      case 0x64: {
        const items = popMark();
        const d = new Map();
        setItems(d, items);
        stack.push(d);
        break;
      } // DICT
      case 0x73: {
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      } // SETITEM
      case 0x75: {
        const items = popMark();
        setItems(top(), items);
        break;
      } // SETITEMS
      case 0x61: {
        const v = pop();
        appendItems(top(), [v]);
        break;
      } // APPEND
      case 0x65: {
        const items = popMark();
        appendItems(top(), items);
        break;
      } // APPENDS
      case 0x90: {
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail('ADDITEMS on a non-set');
        for (const i of items) (s as Set<unknown>).add(i);
        break;
      } // ADDITEMS
      case 0x30:
        pop();
        break; // POP
      case 0x31:
        popMark();
        break; // POP_MARK
      case 0x32:
        stack.push(top());
        break; // DUP
      case 0x71:
        memo.set(u8(), top());
        break; // BINPUT
      case 0x72:
        memo.set(u32(), top());
        break; // LONG_BINPUT
      case 0x94:
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x68:
        stack.push(memoGet(u8()));
        break; // BINGET
      case 0x6a:
        stack.push(memoGet(u32()));
        break; // LONG_BINGET
      case 0x63: {
        const module = line();
        const name = line();
        stack.push(options.findClass(module, name, `${options.where}@${opStart}`));
        break;
      } // GLOBAL
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(options.findClass(module as string, name as string, `${options.where}@${opStart}`));
        break;
      }
      case 0x52: {
        const a = args(pop());
        stack.push(callable(pop()).call(a, `${options.where}@${opStart}`));
        break;
      } // REDUCE
      case 0x81: {
        const a = args(pop());
        stack.push(callable(pop()).call(a, `${options.where}@${opStart}`));
        break;
      } // NEWOBJ
      case 0x62: {
        // BUILD: only dicts (OrderedDict's attribute state, e.g. `_metadata`) are expected
        pop();
        if (!(top() instanceof Map)) fail('BUILD on an object that is not a dict');
        break;
      }
      case 0x51:
        stack.push(options.persistentLoad(pop(), `${options.where}@${opStart}`));
        break; // BINPERSID
      default:
        fail(`unknown or unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
