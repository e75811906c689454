// A first-fit allocator over the wasm memory above `base`: free blocks are kept sorted by
// address and merged with their neighbours, and the used region ends at `top`. Sizes are
// multiples of 64 bytes (cache lines, and the slack vector loads may read past an array).

export class Heap {
  /** End of the highest block in use. */
  top: number;
  private readonly free: { ptr: number; bytes: number }[] = [];
  private readonly sizes = new Map<number, number>();

  constructor(private readonly base: number) {
    this.top = base;
  }

  /** Bytes of the live block at `ptr` (0 when there is none). */
  sizeOf(ptr: number): number {
    return this.sizes.get(ptr) ?? 0;
  }

  /** Where a block of `bytes` goes (call `ensure` on the end before using it). */
  alloc(bytes: number): number {
    const i = this.free.findIndex((f) => f.bytes >= bytes);
    let ptr: number;
    if (i >= 0) {
      const f = this.free[i];
      ptr = f.ptr;
      if (f.bytes === bytes) this.free.splice(i, 1);
      else {
        f.ptr += bytes;
        f.bytes -= bytes;
      }
    } else {
      ptr = this.top;
      this.top += bytes;
    }
    this.sizes.set(ptr, bytes);
    return ptr;
  }

  release(ptr: number): void {
    const bytes = this.sizes.get(ptr);
    if (bytes === undefined) return;
    this.sizes.delete(ptr);
    // Insert sorted, then merge with the neighbours.
    let i = 0;
    while (i < this.free.length && this.free[i].ptr < ptr) i++;
    this.free.splice(i, 0, { ptr, bytes });
    const next = this.free[i + 1];
    if (next && ptr + bytes === next.ptr) {
      this.free[i].bytes += next.bytes;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.ptr + prev.bytes === ptr) {
      prev.bytes += this.free[i].bytes;
      this.free.splice(i, 1);
      i--;
    }
    // A free block at the top gives its space back to the bump region.
    const last = this.free[this.free.length - 1];
    if (last && last.ptr + last.bytes === this.top) {
      this.top = last.ptr;
      this.free.pop();
    }
  }

  /** Frees everything. */
  clear(): void {
    this.free.length = 0;
    this.sizes.clear();
    this.top = this.base;
  }
}
