/**
 * Main's log: one JSON object per line on standard error, like browser mode
 * and the core process, so one reader handles all three.
 */
export type Log = (message: string, details?: Record<string, unknown>) => void;

export const log: Log = (message, details) => {
  process.stderr.write(`${JSON.stringify({ process: 'main', message, ...details })}\n`);
};
