/**
 * Installs and prepares everything GovDesk's stack and tests need, once:
 * Debian packages (Chromium, CJK fonts, debootstrap), the homeserver (the
 * Synapse chroot, or the Docker image), and the desktop build. Node 24 and the
 * npm dependencies are already in place: build/run.sh does that before any script.
 * `npm start` and `npm test` do the same steps lazily; CI runs this first so
 * that install time and test time are reported apart.
 */
import { say, seconds } from '../lib/log.ts';
import { ensureDebianPackages } from '../lib/debian.ts';
import { buildDesktop } from '../lib/desktop-build.ts';
import { HomeserverUnavailableError, provisionHomeserver } from '../homeserver/index.ts';

const started = performance.now();
try {
  await ensureDebianPackages(['chromium', 'fonts-noto-cjk', 'fonts-wqy-zenhei'], 'for the end-to-end tests in Chromium with Chinese fonts');
  say(`Debian packages ready (${seconds(started)})`);
  const homeserverStarted = performance.now();
  const backend = await provisionHomeserver();
  say(`homeserver provisioned (${backend}) in ${seconds(homeserverStarted)}`);
  const buildStarted = performance.now();
  say(`desktop app ${await buildDesktop()} in ${seconds(buildStarted)}`);
  say(`bootstrap done in ${seconds(started)}`);
} catch (error) {
  say(error instanceof HomeserverUnavailableError ? error.message : `bootstrap failed: ${(error as Error).message}`);
  process.exit(1);
}
