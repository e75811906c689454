// A plain SVG line chart: loss on its own scale (left), accuracies on 0..1 (right).

export interface Series {
  loss: number[];
  accuracy: number[];
  /** Per epoch: the batch index it ended on and the test accuracy. */
  test: { batch: number; accuracy: number }[];
}

const W = 560;
const H = 260;
const PAD = { left: 44, right: 40, top: 12, bottom: 26 };

export function drawChart(svg: SVGSVGElement, s: Series, totalBatches: number): void {
  const n = Math.max(totalBatches, s.loss.length, 2);
  const maxLoss = Math.max(2.5, ...s.loss);
  const x = (i: number) => PAD.left + (i / (n - 1)) * (W - PAD.left - PAD.right);
  const yLoss = (v: number) => PAD.top + (1 - v / maxLoss) * (H - PAD.top - PAD.bottom);
  const yAcc = (v: number) => PAD.top + (1 - v) * (H - PAD.top - PAD.bottom);
  const line = (values: number[], y: (v: number) => number) => values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  svg.innerHTML = [
    ...ticks.map((t) => `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${yAcc(t)}" y2="${yAcc(t)}" stroke="#eef0f4"/>`),
    ...ticks.map(
      (t) =>
        `<text x="${PAD.left - 6}" y="${yLoss(t * maxLoss) + 4}" text-anchor="end" font-size="10" fill="#d0452f">${(t * maxLoss).toFixed(1)}</text>`,
    ),
    ...ticks.map((t) => `<text x="${W - PAD.right + 6}" y="${yAcc(t) + 4}" font-size="10" fill="#2f6fde">${Math.round(t * 100)}%</text>`),
    `<text x="${W / 2}" y="${H - 6}" text-anchor="middle" font-size="10" fill="#5a6170">batch</text>`,
    `<polyline data-series="loss" fill="none" stroke="#d0452f" stroke-width="1.5" points="${line(s.loss, yLoss)}"/>`,
    `<polyline data-series="accuracy" fill="none" stroke="#2f6fde" stroke-width="1.5" points="${line(s.accuracy, yAcc)}"/>`,
    ...s.test.map(
      (p) =>
        `<circle data-series="test" cx="${x(p.batch)}" cy="${yAcc(p.accuracy)}" r="4" fill="#1e8a44"><title>${(100 * p.accuracy).toFixed(1)}%</title></circle>`,
    ),
  ].join('');
}
