// Regenerates src/onnx-schema.json, the protobufjs descriptor of ONNX's own schema, from the
// onnx.proto that Debian's python3-onnx ships: `node scripts/generate-schema.mjs [path/to/onnx.proto]`.
import { writeFileSync } from 'node:fs';
import protobuf from 'protobufjs';

const source = process.argv[2] ?? '/usr/lib/python3/dist-packages/onnx/onnx.proto';
const root = protobuf.loadSync(source);
writeFileSync(new URL('../src/onnx-schema.json', import.meta.url), `${JSON.stringify(root.toJSON())}\n`);
console.log(`wrote src/onnx-schema.json from ${source}`);
