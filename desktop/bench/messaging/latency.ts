import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunningHomeserver } from '../../../build/homeserver/index.ts';
import { ms, Samples, table } from '../../../build/lib/bench-report.ts';
import { createCore, type Core } from '../../src/core/core.ts';
import { inProcessApi } from '../../../test/support/core-client.ts';
import { asUser, createTestUser, type TestUser } from '../../../test/support/matrix.ts';

/**
 * Send → the other side has the event, through the real Synapse, measured
 * side by side and interleaved so both paths see the same server load:
 *  - raw: PUT /send by one device, a bare /sync long-poll loop of another;
 *  - GovDesk: messages.send into one desktop core (outbox → PUT /send), until
 *    the other user's core emits the event as a `messages.timeline` item
 *    (its matrix-js-sdk sync wrote it to the cache first).
 */

const pause = () => new Promise((resolve) => setTimeout(resolve, 150));

/** A bare /sync loop that resolves waiters when a message with their body arrives. */
function rawSyncLoop(homeserver: RunningHomeserver, user: TestUser, roomId: string) {
  const waiting = new Map<string, () => void>();
  let stopped = false;
  const filter = encodeURIComponent(JSON.stringify({ room: { rooms: [roomId], timeline: { limit: 50 }, state: { lazy_load_members: true }, ephemeral: { not_types: ['*'] } }, presence: { not_types: ['*'] }, account_data: { not_types: ['*'] } }));
  const done = (async () => {
    let since = (await asUser<{ next_batch: string }>(homeserver, user, 'GET', `/_matrix/client/v3/sync?filter=${filter}&timeout=0`)).next_batch;
    while (!stopped) {
      const sync = await asUser<{ next_batch: string; rooms?: { join?: Record<string, { timeline?: { events?: { content?: { body?: string } }[] } }> } }>(
        homeserver,
        user,
        'GET',
        `/_matrix/client/v3/sync?filter=${filter}&timeout=5000&since=${since}`,
      );
      since = sync.next_batch;
      for (const event of sync.rooms?.join?.[roomId]?.timeline?.events ?? []) {
        const body = event.content?.body;
        if (body !== undefined) waiting.get(body)?.();
      }
    }
  })();
  return {
    arrival: (body: string) => new Promise<void>((resolve) => waiting.set(body, resolve)),
    async stop() {
      stopped = true;
      await done;
    },
  };
}

async function signedInCore(homeserver: RunningHomeserver, user: TestUser): Promise<{ core: Core; dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'govdesk-bench-latency-'));
  const core = await createCore({ dataDir: dir, databaseKey: new Uint8Array(randomBytes(32)), defaultHomeserverUrl: homeserver.baseUrl });
  await inProcessApi(core).call('session.login', { homeserverUrl: homeserver.baseUrl, username: user.username, password: user.password });
  return { core, dir };
}

export async function benchLatency(homeserver: RunningHomeserver, options: { sends: number }): Promise<string> {
  const [zhang, li] = await Promise.all([createTestUser(homeserver, 'bench-zhang', '张伟'), createTestUser(homeserver, 'bench-li', '李娜')]);
  const { room_id: roomId } = await asUser<{ room_id: string }>(homeserver, zhang, 'POST', '/_matrix/client/v3/createRoom', { preset: 'private_chat', name: '秘书一处', invite: [li.userId] });
  await asUser(homeserver, li, 'POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {});

  const sender = await signedInCore(homeserver, zhang);
  const receiver = await signedInCore(homeserver, li);
  const senderApi = inProcessApi(sender.core);
  // The receiving core's events, as a renderer would get them.
  const coreWaiting = new Map<string, () => void>();
  receiver.core.events.subscribe((event, payload) => {
    if (event !== 'messages.timeline') return;
    for (const item of (payload as { items: { body: string; eventId: string | null }[] }).items) if (item.eventId) coreWaiting.get(item.body)?.();
  });
  const raw = rawSyncLoop(homeserver, li, roomId);
  // Both sync loops are past their first answer before anything is timed.
  await new Promise((resolve) => setTimeout(resolve, 3_000));

  const rawTimes = new Samples();
  const coreTimes = new Samples();
  try {
    for (let i = 0; i < options.sends; i++) {
      // Each send starts on a quiet server: Synapse is still answering the previous step's syncs for a moment.
      await pause();
      const rawBody = `原始 ${i} 关于防汛值班安排的通知`;
      let arrived = raw.arrival(rawBody);
      let started = performance.now();
      await asUser(homeserver, zhang, 'PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/bench${i}`, { msgtype: 'm.text', body: rawBody });
      await arrived;
      rawTimes.add(performance.now() - started);

      await pause();
      const coreBody = `客户端 ${i} 关于防汛值班安排的通知`;
      arrived = new Promise<void>((resolve) => coreWaiting.set(coreBody, resolve));
      started = performance.now();
      await senderApi.call('messages.send', { roomId, body: coreBody });
      await arrived;
      coreTimes.add(performance.now() - started);
      if ((i + 1) % 50 === 0) console.log(`latency: ${i + 1}/${options.sends}`);
    }
  } finally {
    await raw.stop();
    for (const side of [sender, receiver]) {
      await side.core.close();
      rmSync(side.dir, { recursive: true, force: true });
    }
  }
  const r = rawTimes.summary();
  const c = coreTimes.summary();
  const overhead = c.p50 / r.p50 - 1;
  const rows = [
    ['raw PUT /send → bare /sync loop', ms(r.p50), ms(r.p95), ms(r.p99), '—'],
    ['GovDesk core → core (outbox, matrix-js-sdk sync, cache, event)', ms(c.p50), ms(c.p95), ms(c.p99), overhead <= 0.1 ? `met: ${(overhead * 100).toFixed(1)} % (≤ 10 %)` : `missed: ${(overhead * 100).toFixed(1)} % (target ≤ 10 %)`],
  ];
  console.log(table(['path', 'p50', 'p95', 'p99', 'overhead at p50'], rows));
  return [
    `### Send → the other user has the message, through Synapse (${options.sends} messages each, interleaved)`,
    '',
    'Raw: `PUT /rooms/{roomId}/send` by one device and a bare `/sync` long-poll loop (filtered to the room) of the other user. GovDesk: `messages.send` into the sender\'s desktop core (outbox → `PUT /send`), until the receiving user\'s desktop core emits the message as a `messages.timeline` item, after its matrix-js-sdk sync wrote it to the encrypted cache. Both receivers long-poll at the same time; the messages alternate, one at a time, each after a 150 ms pause so that neither starts while Synapse is still answering the syncs of the step before.',
    '',
    table(['path', 'p50', 'p95', 'p99', 'overhead at p50'], rows),
  ].join('\n');
}
