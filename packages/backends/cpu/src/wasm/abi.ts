// The codes the host passes to the wasm kernels, in ONE file that both sides compile: the host
// (TypeScript) imports it through src/wasm/gemm.ts and src/wasm/elementwise.ts, the kernels
// (AssemblyScript, assembly/common.ts and assembly/elementwise.ts) import it as source. Keep it to
// plain integer constants: that is the subset both languages read the same way (an untyped
// integer `const` is an i32 in AssemblyScript).

// Epilogue activations of the GEMM, Winograd and depthwise kernels (parameter `act`).
export const ACT_LINEAR = 0;
export const ACT_RELU = 1;
export const ACT_RELU6 = 2;
export const ACT_SIGMOID = 3;
export const ACT_SILU = 4;
/** PyTorch's hardsigmoid, relu6(x + 3) / 6. */
export const ACT_HARDSIGMOID = 5;
/** PyTorch's hardswish, x · relu6(x + 3) / 6. */
export const ACT_HARDSWISH = 6;

// Operations of the `elementwise` kernel (parameter `op`): binary ones below OP_RELU, unary from it.
export const OP_ADD = 0;
export const OP_SUB = 1;
export const OP_MUL = 2;
export const OP_DIV = 3;
export const OP_RSUB = 4;
export const OP_RDIV = 5;
export const OP_SILU_GRAD = 6;
/** Hardswish's gradient at x times dy: PyTorch's 0 below −3, x/3 + 1/2 up to 3, 1 above. */
export const OP_HARDSWISH_GRAD = 7;
export const OP_RELU = 10;
export const OP_RELU6 = 11;
export const OP_STEP = 12;
export const OP_SIGMOID = 13;
export const OP_SILU = 14;
export const OP_HARDSIGMOID = 15;
export const OP_HARDSWISH = 16;
/** The epilogues' e^x (argument clamped to [EXP_MIN, EXP_MAX]): tests and benchmarks measure it. */
export const OP_EXP = 17;

// Memory below the parameter block that the kernels keep for themselves: a table of the float
// constants of their epilogues (written by the kernels at their first launch; see
// assembly/common.ts). 128 bytes at this byte address.
export const CONSTANTS = 512;
