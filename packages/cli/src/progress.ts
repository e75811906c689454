import type { ProgressEvent } from '@convkit/train';

const WIDTH = 28;

function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * A one-line progress bar per epoch on a terminal (`\r` redraws), or one line per epoch when
 * the output is a pipe or a log file.
 */
export function progressPrinter(stream: NodeJS.WriteStream = process.stdout): (e: ProgressEvent) => void {
  const live = stream.isTTY === true;
  // A per-batch schedule moves the lr within an epoch: the epoch line shows where it went.
  let firstLr: number | undefined;
  let lastLr: number | undefined;
  return (e) => {
    const head = `epoch ${e.epoch + 1}/${e.epochs}`;
    const acc = e.accuracy === undefined ? '' : `  acc ${(100 * e.accuracy).toFixed(1)}%`;
    if (e.type === 'batch') {
      firstLr ??= e.lr;
      lastLr = e.lr;
      if (!live || e.batches === undefined) return;
      const done = Math.round((WIDTH * (e.batch + 1)) / e.batches);
      const bar = `${'█'.repeat(done)}${'░'.repeat(WIDTH - done)}`;
      stream.write(
        `\r${head} ${bar} ${e.batch + 1}/${e.batches}  loss ${e.loss.toFixed(4)}${acc}  lr ${e.lr.toPrecision(3)}  ${Math.round(e.examplesPerSec)} img/s  eta ${duration(e.etaSeconds)} `,
      );
      return;
    }
    const val = e.valAccuracy === undefined ? '' : `  val loss ${e.valLoss?.toFixed(4)}  val acc ${(100 * e.valAccuracy).toFixed(2)}%`;
    const from = firstLr ?? e.lr;
    const lr = lastLr === undefined || lastLr === from ? `lr ${from.toPrecision(2)}` : `lr ${from.toPrecision(2)}→${lastLr.toPrecision(2)}`;
    [firstLr, lastLr] = [undefined, undefined];
    stream.write(
      `${live ? '\r\x1b[2K' : ''}${head}  loss ${e.loss.toFixed(4)}${acc}${val}  ${lr}  ${Math.round(e.examplesPerSec)} img/s\n`,
    );
  };
}
