// A minimal inference server: loads an ONNX classifier (e.g. exported by @convkit/onnx) into
// onnxruntime-node and answers each POST with the top class. A sketch of what Triton or
// onnxruntime's own server do at scale (batching, several models, GPUs), in one small file.
//
//   node scripts/scale-out/serve-onnx.mjs model.onnx [--port 8080] [--host 127.0.0.1]
//   curl -s localhost:8080 -d '{"shape":[1,3,32,32],"data":[...]}'
//     → {"top":[2],"logits":[[-1.2,0.3,2.9]]}
//
// The body is one tensor as JSON: `shape` (NCHW, the layout of the export) and `data` (its values,
// row-major). Port 0 picks a free port; the first line printed says which.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { port: { type: 'string', default: '8080' }, host: { type: 'string', default: '127.0.0.1' } },
});
if (positionals.length !== 1) {
  console.error('usage: serve-onnx.mjs MODEL.onnx [--port 8080] [--host 127.0.0.1]');
  process.exit(2);
}

const session = await ort.InferenceSession.create(readFileSync(positionals[0]), { intraOpNumThreads: 2 });
const [inputName] = session.inputNames;
const [outputName] = session.outputNames;

/** The request's tensor, or a message saying what is wrong with it. */
function parseTensor(text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return 'body must be JSON: {"shape": [N, C, H, W], "data": [...]}';
  }
  const { shape, data } = body ?? {};
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    return `shape must be 4 positive integers [N, C, H, W], got ${JSON.stringify(shape)}`;
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (!Array.isArray(data) || data.length !== size) {
    return `data must hold ${size} numbers for shape ${JSON.stringify(shape)}, got ${Array.isArray(data) ? data.length : typeof data}`;
  }
  return new ort.Tensor('float32', Float32Array.from(data), shape);
}

/** Top class and logits per sample of a [N, classes] output. */
function topClasses(output) {
  const [n, classes] = output.dims;
  const logits = Array.from({ length: n }, (_, i) => Array.from(output.data.subarray(i * classes, (i + 1) * classes)));
  return { top: logits.map((row) => row.indexOf(Math.max(...row))), logits };
}

const reply = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const server = createServer(async (req, res) => {
  if (req.method !== 'POST') return reply(res, 405, { error: 'POST a tensor as JSON' });
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const input = parseTensor(Buffer.concat(chunks).toString('utf8'));
  if (typeof input === 'string') return reply(res, 400, { error: input });
  try {
    const outputs = await session.run({ [inputName]: input });
    reply(res, 200, topClasses(outputs[outputName]));
  } catch (error) {
    // onnxruntime's own message names the input and the dimension that does not fit the model.
    reply(res, 400, { error: String(error?.message ?? error) });
  }
});

server.listen(Number(values.port), values.host, () => {
  const { address, port } = server.address();
  console.log(`serving ${positionals[0]} on http://${address}:${port}`);
});
