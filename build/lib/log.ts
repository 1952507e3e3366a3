/** Console output of the build scripts: one prefix, timings in seconds. */
export function say(message: string): void {
  process.stderr.write(`[govdesk] ${message}\n`);
}

export function seconds(sinceMs: number): string {
  return `${((performance.now() - sinceMs) / 1000).toFixed(1)} s`;
}
