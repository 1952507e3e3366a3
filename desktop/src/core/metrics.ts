/** Counters core keeps, for operators (logs, diagnostics) and tests: `Core.metrics`. */
export interface CoreMetrics {
  /** Comparisons of a replica's content digest with the server's, at an equal snapshot. */
  digestChecks: number;
  /** Comparisons that found the two copies showing different content or item order. */
  digestMismatches: number;
  /** Replicas rebuilt from the server's whole state after a mismatch. */
  replicaResyncs: number;
}

export function createCoreMetrics(): CoreMetrics {
  return { digestChecks: 0, digestMismatches: 0, replicaResyncs: 0 };
}
