import '@convkit/backend-cpu';
import '@convkit/backend-webgl';
import { selectBackend } from '@convkit/core';

// Tries each in order and checks that it really became active (tfjs silently keeps the
// previous backend when one fails to start). In Node there is no WebGL, so this falls back.
const report = await selectBackend(['webgl', 'cpu']);
console.log('using:', report.backend);
for (const attempt of report.attempts) console.log(attempt.name, attempt.ok ? 'ok' : 'skipped');
console.log('precision:', report.details.precision);
