import type WebSocket from 'ws';
import { encodeSyncStep1, encodeSyncStep2, encodeUpdateMessage, splitMessages } from '@govdesk/shared';
import { EMPTY_STATE_VECTOR, EMPTY_UPDATE, frameBytes, openSocket, withTimeout } from '../../test/harness/wire.ts';

/**
 * Case (c)'s clients. A joiner does what a stock provider with an empty
 * document does: opens the socket, sends SyncStep1 with an empty state
 * vector, answers the server's SyncStep1 with an empty update. It is synced
 * when the complete SyncStep2 answer has arrived (ws hands over whole
 * messages only, so "received" means every byte of it).
 */

export interface JoinResult {
  /** From just before the socket was created until the upgrade completed. */
  connectMs: number;
  /** From just before the socket was created until the SyncStep2 answer was received. */
  syncedMs: number;
  payloadBytes: number;
}

export interface Storm {
  results: (JoinResult | { error: string })[];
  /** One received SyncStep2 payload per distinct length (to check each kind of answer once, not 150 × 4 MB). */
  payloads: Map<number, Uint8Array>;
  sockets: WebSocket[];
}

/** `joiners` clients join at once: every socket is created in the same turn of the event loop. */
export async function joinStorm(url: string, joiners: number, timeoutMs: number): Promise<Storm> {
  const payloads = new Map<number, Uint8Array>();
  const sockets: WebSocket[] = [];
  const join = async (): Promise<JoinResult> => {
    const start = performance.now();
    const ws = await openSocket(url);
    sockets.push(ws);
    const connectMs = performance.now() - start;
    const answer = new Promise<JoinResult>((resolve, reject) => {
      ws.on('message', (data: WebSocket.RawData) => {
        const now = performance.now();
        for (const message of splitMessages(frameBytes(data))) {
          if (message.kind === 'sync-step1') ws.send(encodeSyncStep2(EMPTY_UPDATE));
          else if (message.kind === 'sync-step2') {
            const bytes = message.update.length;
            if (!payloads.has(bytes)) payloads.set(bytes, message.update.slice());
            resolve({ connectMs, syncedMs: now - start, payloadBytes: bytes });
          }
        }
      });
      ws.on('close', (code: number) => reject(new Error(`closed with ${code} before SyncStep2`)));
      ws.on('error', () => {});
    });
    ws.send(encodeSyncStep1(EMPTY_STATE_VECTOR));
    return answer;
  };
  const attempts = Array.from({ length: joiners }, () => withTimeout(join(), timeoutMs, 'joining'));
  const settled = await Promise.allSettled(attempts);
  return {
    results: settled.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : { error: (outcome.reason as Error).message })),
    payloads,
    sockets,
  };
}

/**
 * Puts the document on a server the way a client that has it offline does:
 * connects, syncs, sends the whole state as one update, and waits until the
 * server relays it back (both servers echo an update to its sender; ours
 * only once it is durable). The socket stays open: the reference server
 * keeps a room only while someone is connected.
 */
export async function upload(url: string, update: Uint8Array, timeoutMs: number): Promise<{ ws: WebSocket; ms: number }> {
  const ws = await withTimeout(openSocket(url), timeoutMs, 'connecting the uploader');
  let sent = 0;
  let onSynced: () => void = () => {};
  let onEcho: () => void = () => {};
  const synced = new Promise<void>((resolve) => (onSynced = resolve));
  const echoed = new Promise<void>((resolve) => (onEcho = resolve));
  ws.on('message', (data: WebSocket.RawData) => {
    for (const message of splitMessages(frameBytes(data))) {
      if (message.kind === 'sync-step1') ws.send(encodeSyncStep2(EMPTY_UPDATE));
      else if (message.kind === 'sync-step2') onSynced();
      else if (message.kind === 'update' && sent > 0 && message.update.length >= update.length / 2) onEcho();
    }
  });
  ws.on('error', () => {});
  ws.send(encodeSyncStep1(EMPTY_STATE_VECTOR));
  await withTimeout(synced, timeoutMs, 'syncing the uploader');
  sent = performance.now();
  ws.send(encodeUpdateMessage(update));
  await withTimeout(echoed, timeoutMs, 'waiting for the uploaded document to come back');
  return { ws, ms: performance.now() - sent };
}
