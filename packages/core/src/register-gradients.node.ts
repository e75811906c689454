// The Node entry of tfjs-core registers no gradients, and its ESM gradient files cannot be
// loaded by Node directly: this file is bundled with them (they share tfjs's global registries).
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
