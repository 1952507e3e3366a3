import { describe, expect, it } from 'vitest';
import { mayFailWith, desktopContract, RpcError } from '@govdesk/shared';
import { asDeclared } from '../../src/core/declared-errors.ts';
import { SyncApiError } from '../../src/core/sync-api/client.ts';

describe("core's failures on the way to the sync-server", () => {
  it('pass as they are when the method declares their code', () => {
    const offline = new SyncApiError(0, 'sync_server_unreachable', 'the sync-server cannot be reached');
    expect(asDeclared('documents.create', offline)).toBe(offline);
    const missing = new SyncApiError(404, 'not_found', 'no such document');
    expect(asDeclared('documents.open', missing)).toBe(missing);
  });

  it('become sync_server_error, with the upstream code and message, when it does not', () => {
    for (const [method, upstream] of [
      ['documents.open', new SyncApiError(401, 'unauthorized', 'the token was refused')],
      ['documents.create', new SyncApiError(500, 'internal', 'internal server error')],
      ['documents.share', new RpcError('homeserver_unreachable', 'the homeserver cannot be reached')],
      // not_found is documents.open's, not documents.create's.
      ['documents.create', new SyncApiError(404, 'not_found', 'no such unit')],
    ] as const) {
      const answered = asDeclared(method, upstream);
      expect(answered).toMatchObject({ code: 'sync_server_error', message: upstream.message, details: { upstream: upstream.code } });
      expect(mayFailWith(desktopContract, method, (answered as RpcError).code)).toBe(true);
    }
  });

  it('leave a bug a bug', () => {
    const bug = new TypeError('x is undefined');
    expect(asDeclared('documents.open', bug)).toBe(bug);
  });
});
