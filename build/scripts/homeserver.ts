/**
 * npm run homeserver -- <start|stop|status|provision> [dev|test]
 * Manages GovDesk's local Matrix homeserver on its own.
 */
import { say, seconds } from '../lib/log.ts';
import { provisionHomeserver, runningHomeserver, startHomeserver, stopHomeserver, type HomeserverProfileName } from '../homeserver/index.ts';

const [action = 'status', profileArg = 'dev'] = process.argv.slice(2);
if (profileArg !== 'dev' && profileArg !== 'test') {
  say(`unknown profile ${profileArg}; use dev or test`);
  process.exit(2);
}
const profile: HomeserverProfileName = profileArg;

try {
  const started = performance.now();
  switch (action) {
    case 'provision':
      say(`homeserver provisioned (${await provisionHomeserver()}) in ${seconds(started)}`);
      break;
    case 'start': {
      const { homeserver, reused } = await startHomeserver(profile);
      say(`homeserver ${reused ? 'already running' : `started (${homeserver.backend})`} at ${homeserver.baseUrl}; healthy after ${seconds(started)}`);
      break;
    }
    case 'stop':
      await stopHomeserver(profile);
      say(`homeserver ${profile} stopped`);
      break;
    case 'status': {
      const running = await runningHomeserver(profile);
      say(running ? `homeserver ${profile}: running (${running.backend}) at ${running.baseUrl}` : `homeserver ${profile}: not running`);
      break;
    }
    default:
      say(`unknown action ${action}; use start, stop, status or provision`);
      process.exit(2);
  }
} catch (error) {
  say((error as Error).message);
  process.exit(1);
}
