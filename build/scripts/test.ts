/**
 * npm test — everything, in order:
 *   lint, typecheck, unit, integration (real Synapse, real sync-server), e2e (Debian Chromium).
 *   npm test -- unit integration   runs only the named stages.
 * The Synapse test homeserver is started once for the integration and e2e stages.
 */
import { say, seconds } from '../lib/log.ts';
import { runVisible } from '../lib/process.ts';
import { ensureDebianPackages } from '../lib/debian.ts';
import { HomeserverUnavailableError, startHomeserver, stopHomeserver } from '../homeserver/index.ts';

const STAGES = ['lint', 'typecheck', 'unit', 'integration', 'e2e'] as const;
type Stage = (typeof STAGES)[number];

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(STAGES as readonly string[]).includes(name));
if (unknown.length > 0) {
  say(`unknown test stage ${unknown.join(', ')}; stages are ${STAGES.join(', ')}`);
  process.exit(2);
}
const stages: Stage[] = requested.length > 0 ? (requested as Stage[]) : [...STAGES];

const bin = (name: string) => `node_modules/.bin/${name}`;

const COMMANDS: Record<Stage, [string, string[]]> = {
  lint: [bin('eslint'), ['--max-warnings=0', '.']],
  typecheck: [bin('tsc'), ['-b']],
  unit: [bin('vitest'), ['run', '--project', 'unit']],
  integration: [bin('vitest'), ['run', '--project', 'integration']],
  e2e: [bin('playwright'), ['test']],
};

const timings: string[] = [];
let homeserverStarted = false;

async function main(): Promise<void> {
  const started = performance.now();
  for (const stage of stages) {
    if ((stage === 'integration' || stage === 'e2e') && !homeserverStarted) {
      const hsStarted = performance.now();
      const { homeserver, reused } = await startHomeserver('test');
      homeserverStarted = !reused;
      say(`test homeserver healthy after ${seconds(hsStarted)} (${homeserver.backend}) at ${homeserver.baseUrl}`);
    }
    if (stage === 'e2e') await ensureDebianPackages(['chromium', 'fonts-noto-cjk', 'fonts-wqy-zenhei'], 'for the end-to-end tests in Chromium with Chinese fonts');
    const stageStarted = performance.now();
    say(`── ${stage} ──`);
    const [command, args] = COMMANDS[stage];
    await runVisible(command, args);
    timings.push(`${stage} ${seconds(stageStarted)}`);
  }
  say(`all tests passed in ${seconds(started)} (${timings.join(', ')})`);
}

try {
  await main();
} catch (error) {
  say(error instanceof HomeserverUnavailableError ? error.message : `npm test failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  if (homeserverStarted) await stopHomeserver('test');
}
