import type { ModelSummary } from '@convkit/core';

const fmt = (n: number) => n.toLocaleString('en-US');

/** The model's summary() as an HTML table with its totals. */
export function renderSummary(s: ModelSummary): HTMLElement {
  const wrap = document.createElement('div');
  const table = document.createElement('table');
  table
    .createTHead()
    .insertRow()
    .append(...['layer', 'type', 'output shape', 'parameters'].map((h) => Object.assign(document.createElement('th'), { textContent: h })));
  const body = table.createTBody();
  for (const r of s.rows) {
    const row = body.insertRow();
    row.insertCell().textContent = `${'\u00a0\u00a0'.repeat(r.depth)}${r.path}`;
    row.insertCell().textContent = r.type;
    // A module the forward pass never calls has no shape.
    row.insertCell().textContent = r.outputShape ? r.outputShape.join('×') : '—';
    Object.assign(row.insertCell(), { textContent: fmt(r.params), className: 'num' });
  }
  const totals = document.createElement('p');
  totals.textContent = `Input ${s.inputShape.slice(1).join('×')} → output ${s.outputShape.join('×')} · total ${fmt(s.totalParams)} parameters (${fmt(s.trainableParams)} trainable) · ${s.sizeMB.toFixed(1)} MB`;
  totals.dataset.testid = 'summary-totals';
  wrap.append(table, totals);
  return wrap;
}
