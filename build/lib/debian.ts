import { run, runVisible } from './process.ts';
import { say } from './log.ts';

/** Debian packages that are not installed (dpkg status other than "install ok installed"). */
export async function missingDebianPackages(packages: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const name of packages) {
    const status = await run('dpkg-query', ['-W', '-f=${Status}', name]);
    if (status.code !== 0 || !status.stdout.includes('install ok installed')) missing.push(name);
  }
  return missing;
}

let aptUpdated = false;

/**
 * Installs the Debian packages that are missing. Needs root and apt; otherwise
 * throws with the exact command a person can run.
 */
export async function ensureDebianPackages(packages: readonly string[], why = ''): Promise<void> {
  const hasDpkg = (await run('sh', ['-c', 'command -v dpkg-query && command -v apt-get'])).code === 0;
  if (!hasDpkg) throw new Error(`GovDesk needs ${packages.join(', ')}${why ? ` ${why}` : ''}; this is not a Debian/Ubuntu machine, so install them yourself.`);
  const missing = await missingDebianPackages(packages);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`GovDesk needs the Debian packages ${missing.join(' ')}${why ? ` ${why}` : ''}. Install them with: sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`);
  }
  say(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    await runVisible('apt-get', ['update', '-qq'], { env });
    aptUpdated = true;
  }
  await runVisible('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, stdio: ['ignore', 'ignore', 'inherit'] });
}
