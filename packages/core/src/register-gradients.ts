// Bundlers load tfjs-core's ESM build, whose gradient registrations can be imported directly.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
