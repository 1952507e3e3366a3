import { afterEach, describe, expect, it } from 'vitest';
import { ClientEvent, createClient, RoomEvent, SyncState, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { testHomeserver } from '../support/homeserver.ts';
import { createTestUser, quietMatrixLogger, type TestUser } from '../support/matrix.ts';

/**
 * Proves the homeserver the tests use is a real Matrix homeserver: two
 * accounts, a real room, a message sent with matrix-js-sdk and received over
 * /sync by the other account.
 */
describe('the test homeserver is a real Matrix homeserver', () => {
  const homeserver = testHomeserver();
  const clients: MatrixClient[] = [];

  afterEach(() => {
    for (const client of clients.splice(0)) client.stopClient();
  });

  async function startClient(user: TestUser): Promise<MatrixClient> {
    const client = createClient({ baseUrl: homeserver.baseUrl, userId: user.userId, deviceId: user.deviceId, accessToken: user.accessToken, logger: quietMatrixLogger });
    clients.push(client);
    const prepared = new Promise<void>((resolve, reject) => {
      client.on(ClientEvent.Sync, (state: SyncState) => {
        if (state === SyncState.Prepared) resolve();
        if (state === SyncState.Error) reject(new Error(`${user.userId} could not sync`));
      });
    });
    await client.startClient({ initialSyncLimit: 10 });
    await prepared;
    return client;
  }

  it('delivers a message sent by one user with matrix-js-sdk to another user', async () => {
    const alice = await createTestUser(homeserver, 'alice', '张伟');
    const bob = await createTestUser(homeserver, 'bob', '李娜');
    expect(alice.userId).toMatch(new RegExp(`^@alice-[0-9a-f]{8}:${homeserver.serverName}$`));

    const aliceClient = await startClient(alice);
    const bobClient = await startClient(bob);

    const { room_id: roomId } = await aliceClient.createRoom({ name: '秘书一处工作群', invite: [bob.userId], preset: 'private_chat' as never });
    await bobClient.joinRoom(roomId);

    const body = `关于做好2026年防汛工作的通知 ${Date.now()}`;
    const received = new Promise<MatrixEvent>((resolve) => {
      bobClient.on(RoomEvent.Timeline, (event, room) => {
        if (room?.roomId === roomId && event.getType() === 'm.room.message' && event.getContent().body === body) resolve(event);
      });
    });
    const { event_id: eventId } = await aliceClient.sendTextMessage(roomId, body);
    const event = await received;

    expect(event.getId()).toBe(eventId);
    expect(event.getSender()).toBe(alice.userId);
    expect(event.getContent()).toMatchObject({ msgtype: 'm.text', body });
    console.log(`${bob.userId} received "${body}" from ${alice.userId} in ${roomId} via ${homeserver.baseUrl} (${homeserver.backend})`);
  });

  it('answers OpenID userinfo for a token it issued, which is how the sync-server checks a login', async () => {
    const alice = await createTestUser(homeserver, 'alice');
    const client = createClient({ baseUrl: homeserver.baseUrl, userId: alice.userId, deviceId: alice.deviceId, accessToken: alice.accessToken, logger: quietMatrixLogger });
    const token = await client.getOpenIdToken();
    expect(token.matrix_server_name).toBe(homeserver.serverName);

    const userinfo = await fetch(new URL(`/_matrix/federation/v1/openid/userinfo?access_token=${encodeURIComponent(token.access_token)}`, homeserver.baseUrl));
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toEqual({ sub: alice.userId });

    const forged = await fetch(new URL('/_matrix/federation/v1/openid/userinfo?access_token=forged', homeserver.baseUrl));
    expect(forged.status).toBe(401);
  });
});
