// `pnpm run demo`: builds the CLI and what it depends on, showing the build's output only when
// it fails, then runs `convkit demo` with the arguments given — so a newcomer sees the demo.
import { spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
// turbo's telemetry notice is build noise too; node_modules/.bin for a run without pnpm.
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
  PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH}`,
};

process.stdout.write('building convkit… ');
const build = spawnSync('turbo', ['run', 'build', '--filter=@convkit/cli...', '--output-logs=errors-only', '--ui=stream'], {
  cwd: root,
  env,
  encoding: 'utf8',
  shell: process.platform === 'win32',
});
if (build.status !== 0) {
  process.stdout.write('failed\n');
  process.stderr.write(build.error ? `${build.error.message}\n` : `${build.stdout}${build.stderr}`);
  process.exit(build.status ?? 1);
}
process.stdout.write('done\n\n');

const demo = spawnSync(process.execPath, [join(root, 'packages/cli/dist/bin.js'), 'demo', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(demo.status ?? 1);
