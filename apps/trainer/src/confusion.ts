import type { ConfusionMatrix } from '@convkit/train';

/** The confusion matrix as a heat-map table, the diagonal in green and mistakes in red. */
export function renderConfusion(cm: ConfusionMatrix, classNames: readonly string[]): HTMLTableElement {
  const table = document.createElement('table');
  const head = table.createTHead().insertRow();
  head.append(
    document.createElement('th'),
    ...classNames.map((_, j) => Object.assign(document.createElement('th'), { textContent: String(j), title: classNames[j] })),
  );
  const body = table.createTBody();
  cm.counts.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    const tr = body.insertRow();
    tr.append(Object.assign(document.createElement('th'), { textContent: `${i} ${classNames[i]}`, className: 'row' }));
    row.forEach((count, j) => {
      const td = tr.insertCell();
      td.textContent = String(count);
      const share = count / total;
      td.style.background = i === j ? `rgba(30,138,68,${share})` : `rgba(208,69,47,${Math.min(1, 2 * share)})`;
      td.title = `true ${classNames[i]}, predicted ${classNames[j]}: ${count}`;
    });
  });
  return table;
}
