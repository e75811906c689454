import { FormatError } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { PyTuple, unpickle } from './pickle';
import { allowedGlobal } from './pth';

/** Concatenates opcodes given as latin-1 strings and byte arrays. */
function pk(...parts: (string | number[])[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) out.push(...(typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p));
  return new Uint8Array(out);
}

const options = {
  where: 'test.pkl',
  findClass: allowedGlobal,
  persistentLoad: () => {
    throw new FormatError('test', 'no storages here');
  },
};

function error(bytes: Uint8Array): FormatError {
  try {
    unpickle(bytes, options);
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    return e as FormatError;
  }
  throw new Error('expected a FormatError');
}

describe('restricted unpickler', () => {
  it('builds dicts, lists, tuples, ints, floats, strings and memo references (protocol 2 and 4)', () => {
    // {'a': [1, 300, -1, 2**40, -256], 'b': (1.5, None, True), 'c': <memo of the list>}
    const bytes = pk(
      '\x80\x02}q\x00(X\x01\x00\x00\x00a]q\x01(K\x01M\x2c\x01J\xff\xff\xff\xff\x8a\x06\x00\x00\x00\x00\x00\x01\x8a\x02\x00\xffe',
      '\x8c\x01b',
      'G',
      [0x3f, 0xf8, 0, 0, 0, 0, 0, 0],
      'N\x88\x87',
      '\x8c\x01ch\x01u.',
    );
    const result = unpickle(bytes, options) as Map<string, unknown>;
    expect(result.get('a')).toEqual([1, 300, -1, 2 ** 40, -256]);
    expect(result.get('b')).toEqual(new PyTuple([1.5, null, true]));
    expect(result.get('c')).toBe(result.get('a'));
  });

  it('calls only allowlisted globals: collections.OrderedDict via STACK_GLOBAL + REDUCE', () => {
    const bytes = pk('\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x0bcollections\x94\x8c\x0bOrderedDict\x94\x93\x94)R\x94.');
    expect(unpickle(bytes, options)).toEqual(new Map());
  });

  it.each([
    ['os.system via GLOBAL', pk('\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00ls\x85R.'), "'os.system'"],
    ['builtins.eval via GLOBAL', pk('\x80\x02cbuiltins\neval\nX\x03\x00\x00\x001+1\x85R.'), "'builtins.eval'"],
    ['posix.system via STACK_GLOBAL', pk('\x80\x04\x8c\x05posix\x8c\x06system\x93\x8c\x02ls\x85R.'), "'posix.system'"],
    ['subprocess.Popen', pk('\x80\x02csubprocess\nPopen\n.'), "'subprocess.Popen'"],
    ['torch.load itself', pk('\x80\x02ctorch\nload\n.'), "'torch.load'"],
  ])('refuses %s and names it, before anything is called', (_name, bytes, named) => {
    const e = error(bytes);
    expect(e.message).toContain(named);
    expect(e.message).toContain('refusing to load global');
    expect(e.where).toMatch(/^test\.pkl@\d+$/);
  });

  it('rejects unknown opcodes, truncation, lying lengths and stack underflow with the offset', () => {
    expect(error(pk('\x80\x02\xff.')).message).toMatch(/test\.pkl@2: unknown or unsupported pickle opcode 0xff/);
    expect(error(pk('\x80\x02X\xff\xff\xff\x7f')).message).toMatch(/truncated pickle: needs 2147483647 more bytes/);
    expect(error(pk('\x80\x02}q\x00')).message).toMatch(/truncated pickle/);
    expect(error(pk('\x80\x02s.')).message).toMatch(/stack underflow/);
    expect(error(pk('\x80\x02h\x07.')).message).toMatch(/memo entry 7 is not defined/);
    expect(error(pk('\x80\x02K\x01K\x02R.')).message).toMatch(/not an allowed callable|not a tuple/);
    expect(error(pk('\x80\x02K\x01u.')).message).toMatch(/no MARK/);
    expect(error(pk('\x80\x02cos\nsys')).message).toMatch(/unterminated text line/);
  });
});
