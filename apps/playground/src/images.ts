// Built-in images, drawn procedurally (no downloads): grey levels 0..255, row-major.

export interface GreyImage {
  width: number;
  height: number;
  data: Float32Array;
}

const SIZE = 64;

function make(size: number, pixel: (x: number, y: number) => number): GreyImage {
  const data = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data[y * size + x] = Math.round(Math.max(0, Math.min(255, pixel(x, y))));
  return { width: size, height: size, data };
}

export const images: Record<string, { label: string; make: () => GreyImage }> = {
  shapes: {
    label: 'Shapes',
    make: () =>
      make(SIZE, (x, y) => {
        const inCircle = (x - 20) ** 2 + (y - 22) ** 2 < 12 ** 2;
        const inSquare = x > 36 && x < 56 && y > 10 && y < 30;
        const inTriangle = y > 38 && y < 58 && Math.abs(x - 32) < (y - 38) * 0.9;
        return inCircle ? 230 : inSquare ? 160 : inTriangle ? 200 : 30;
      }),
  },
  checkerboard: { label: 'Checkerboard', make: () => make(SIZE, (x, y) => ((Math.floor(x / 8) + Math.floor(y / 8)) % 2 ? 220 : 35)) },
  rings: { label: 'Rings', make: () => make(SIZE, (x, y) => 128 + 110 * Math.sin(Math.hypot(x - 32, y - 32) / 2.2)) },
  gradient: { label: 'Gradient', make: () => make(SIZE, (x, y) => (x + y) * 2) },
  // The course's worked example: row r holds r..r+4.
  course: { label: 'Course 5×5 (1..9)', make: () => make(5, (x, y) => x + y + 1) },
  draw: { label: 'Draw your own', make: () => make(SIZE, () => 0) },
};

/** Paints a soft white dot: the "draw your own" brush. */
export function paint(image: GreyImage, cx: number, cy: number, radius = 2.5): void {
  for (let y = Math.floor(cy - radius); y <= cy + radius; y++) {
    for (let x = Math.floor(cx - radius); x <= cx + radius; x++) {
      if (x < 0 || y < 0 || x >= image.width || y >= image.height) continue;
      const d = Math.hypot(x - cx, y - cy);
      if (d <= radius) image.data[y * image.width + x] = Math.max(image.data[y * image.width + x], 255 * Math.min(1, radius - d + 0.5));
    }
  }
}
