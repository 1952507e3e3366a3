import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';

/**
 * A stock y-websocket client, exactly as any Yjs app would use it. The
 * BroadcastChannel shortcut is off: two providers in one test process would
 * otherwise sync through it instead of through the server.
 */
export interface StockClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  text: Y.Text;
  synced: Promise<void>;
  closes: { code: number; reason: string }[];
  destroy(): void;
}

export function stockClient(wsUrl: string, documentId: string, token: string, options: { connect?: boolean } = {}): StockClient {
  const doc = new Y.Doc();
  const closes: { code: number; reason: string }[] = [];
  const provider = new WebsocketProvider(wsUrl, documentId, doc, {
    params: { token },
    WebSocketPolyfill: WebSocket as never,
    disableBc: true,
    connect: options.connect ?? true,
    maxBackoffTime: 200,
  });
  provider.on('connection-close', (event: { code: number; reason: string } | null) => {
    if (event) closes.push({ code: event.code, reason: String(event.reason) });
  });
  const synced = new Promise<void>((resolve) => {
    if (provider.synced) resolve();
    else provider.once('sync', () => resolve());
  });
  return {
    doc,
    provider,
    text: doc.getText('content'),
    synced,
    closes,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}
