import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one sync-server process, served at /metrics together
 * with Node's process metrics (CPU, memory, event-loop lag, GC).
 */
export class SyncMetrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({ name: 'govdesk_sync_connections', help: 'Open document WebSocket connections', registers: [this.registry] });
  readonly documentsLoaded = new Gauge({ name: 'govdesk_sync_documents_loaded', help: 'Documents held in memory', registers: [this.registry] });
  readonly updates = new Counter({ name: 'govdesk_sync_updates_total', help: 'Document updates applied and persisted', registers: [this.registry] });
  readonly updatesPerSecond = new Gauge({ name: 'govdesk_sync_updates_per_second', help: 'Document updates persisted during the last full second', registers: [this.registry] });
  readonly updateBytes = new Counter({ name: 'govdesk_sync_update_bytes_total', help: 'Bytes of document updates persisted', registers: [this.registry] });
  readonly receivedBytes = new Counter({ name: 'govdesk_sync_received_bytes_total', help: 'Bytes received on document WebSockets', registers: [this.registry] });
  #unreportedSentBytes = 0;
  readonly sentBytes = new Counter({
    name: 'govdesk_sync_sent_bytes_total',
    help: 'Bytes sent on document WebSockets',
    registers: [this.registry],
    // Counted as a plain number on the hot path (one frame per receiver per update) and handed to prom-client when scraped.
    collect: () => {
      this.sentBytes.inc(this.#unreportedSentBytes);
      this.#unreportedSentBytes = 0;
    },
  });
  readonly droppedFrames = new Counter({
    name: 'govdesk_sync_dropped_frames_total',
    help: 'Frames not applied, by reason (read_only, malformed, incomplete, rate_limited, too_large, invalid_websocket_frame, awareness_spoof, awareness_limit, awareness_rate, client_id_owned, client_id_frozen, client_id_limit)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly closedConnections = new Counter({ name: 'govdesk_sync_closed_connections_total', help: 'Connections closed by the server, by reason', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly refusedUpgrades = new Counter({ name: 'govdesk_sync_refused_upgrades_total', help: 'WebSocket upgrades refused, by HTTP status', labelNames: ['status'] as const, registers: [this.registry] });
  readonly persistSeconds = new Histogram({
    name: 'govdesk_sync_persist_seconds',
    help: 'Time to make a batch of updates durable (SQLite commit with fsync)',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly persistBatchSize = new Histogram({ name: 'govdesk_sync_persist_batch_updates', help: 'Updates per durable batch (group commit)', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500], registers: [this.registry] });
  readonly compactions = new Counter({ name: 'govdesk_sync_compactions_total', help: 'Log compactions, by outcome', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly compactionSeconds = new Histogram({ name: 'govdesk_sync_compaction_seconds', help: 'Duration of a log compaction (in the worker thread)', buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30], registers: [this.registry] });
  readonly httpRequests = new Counter({ name: 'govdesk_sync_http_requests_total', help: 'HTTP requests, by route and status', labelNames: ['method', 'route', 'status'] as const, registers: [this.registry] });

  #lastUpdates = 0;
  readonly #ticker: NodeJS.Timeout;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'govdesk_sync_' });
    this.#ticker = setInterval(() => {
      const total = this.#updatesTotal;
      this.updatesPerSecond.set(total - this.#lastUpdates);
      this.#lastUpdates = total;
    }, 1000);
    this.#ticker.unref();
  }

  #updatesTotal = 0;

  countUpdates(count: number, bytes: number): void {
    this.#updatesTotal += count;
    this.updates.inc(count);
    this.updateBytes.inc(bytes);
  }

  countSent(bytes: number): void {
    this.#unreportedSentBytes += bytes;
  }

  close(): void {
    clearInterval(this.#ticker);
  }
}
