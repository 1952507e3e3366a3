import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  createApiClient,
  createDispatcher,
  decodeFrame,
  encodeFrame,
  method,
  RpcError,
  type CallError,
  type ChannelErrorCode,
  type ContractSpec,
  type DeclaredErrorOf,
  type ErrorCodeOf,
  type GovdeskBridge,
} from '@govdesk/shared';

const contract = {
  methods: {
    'notes.add': method(z.object({ body: z.string().min(1) }), z.object({ id: z.number() })),
    'notes.broken': method(z.object({}), z.object({ id: z.number() })),
    'notes.fail': method(z.object({}), z.object({}), ['not_allowed', 'not_found']),
    /** A body mentioning a secret is refused as such, even when it is malformed too. */
    'notes.post': method(z.object({ body: z.string().max(5) }), z.object({}), ['secret_refused'], {
      screen: (params) => {
        if (JSON.stringify(params).includes('secret')) throw new RpcError('secret_refused', 'no secrets here');
      },
    }),
    /** Declares nothing, but its handler fails with a code anyway: a host bug. */
    'notes.undeclared': method(z.object({}), z.object({})),
    'notes.crash': method(z.object({}), z.object({})),
    'bytes.echo': method(z.object({ data: z.instanceof(Uint8Array) }), z.object({ data: z.instanceof(Uint8Array) })),
  },
  events: { 'notes.added': z.object({ id: z.number() }) },
} satisfies ContractSpec;

function loopback() {
  const unexpected: string[] = [];
  const reports: unknown[] = [];
  const dispatch = createDispatcher(
    contract,
    {
      'notes.add': ({ body }) => ({ id: body.length }),
      'notes.broken': () => ({ id: 'not a number' }) as unknown as { id: number },
      'notes.fail': () => {
        throw new RpcError('not_allowed', 'you may not');
      },
      'notes.crash': () => {
        throw new TypeError('secret internals');
      },
      'notes.post': () => ({}),
      'notes.undeclared': () => {
        throw new RpcError('not_allowed', 'you may not');
      },
      'bytes.echo': ({ data }) => ({ data }),
    },
    (name, error) => {
      unexpected.push(name);
      reports.push(error);
    },
  );
  const listeners = new Set<(payload: unknown) => void>();
  // Every frame crosses the text codec, as in browser mode.
  const bridge: GovdeskBridge = {
    invoke: async (name, params) => decodeFrame(encodeFrame(await dispatch(name, decodeFrame(encodeFrame(params)), {}))) as Awaited<ReturnType<GovdeskBridge['invoke']>>,
    on: (_event, listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { client: createApiClient(contract, bridge), unexpected, reports, emit: (payload: unknown) => listeners.forEach((listener) => listener(payload)) };
}

describe('the request/response channel', () => {
  it('calls a method with validated parameters and returns its result', async () => {
    await expect(loopback().client.call('notes.add', { body: '通知' })).resolves.toEqual({ id: 2 });
  });

  it('refuses invalid parameters before they reach the host', async () => {
    const { client } = loopback();
    await expect(client.call('notes.add', { body: '' })).rejects.toMatchObject({ code: 'invalid_params' });
  });

  it('refuses invalid parameters at the host too (the renderer is untrusted)', async () => {
    const dispatch = createDispatcher(contract, { 'notes.add': () => ({ id: 1 }) } as never);
    await expect(dispatch('notes.add', { body: 42 }, {})).resolves.toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    await expect(dispatch('notes.delete', {}, {})).resolves.toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    await expect(dispatch('constructor', {}, {})).resolves.toMatchObject({ ok: false, error: { code: 'unknown_method' } });
  });

  it('passes deliberate errors through with their code, and hides unexpected ones', async () => {
    const { client, unexpected } = loopback();
    await expect(client.call('notes.fail')).rejects.toMatchObject({ code: 'not_allowed', message: 'you may not' });
    const crash = await client.call('notes.crash').catch((error: unknown) => error);
    expect(crash).toMatchObject({ code: 'internal', message: 'internal error' });
    expect(unexpected).toEqual(['notes.crash']);
  });

  it('answers a code the method does not declare as internal, and reports it with the code', async () => {
    const { client, unexpected, reports } = loopback();
    await expect(client.call('notes.undeclared')).rejects.toMatchObject({ code: 'internal', message: 'internal error' });
    expect(unexpected).toEqual(['notes.undeclared']);
    expect(String(reports[0])).toMatch(/undeclared error code not_allowed/);
  });

  it("lets a method's screen refuse before the shape is checked, in the client and at the host", async () => {
    const { client } = loopback();
    await expect(client.call('notes.post', { body: 'a secret too long' })).rejects.toMatchObject({ code: 'secret_refused' });
    await expect(client.call('notes.post', { body: 'too long' })).rejects.toMatchObject({ code: 'invalid_params' });
    await expect(client.call('notes.post', { body: 'fine' })).resolves.toEqual({});
    const dispatch = createDispatcher(contract, { 'notes.post': () => ({}) } as never);
    await expect(dispatch('notes.post', { body: 42, note: 'secret' }, {})).resolves.toMatchObject({ ok: false, error: { code: 'secret_refused' } });
  });

  it("lets the channel's codes through for every method", async () => {
    const dispatch = createDispatcher(contract, {
      'notes.add': () => {
        throw new RpcError('core_unavailable', 'core is restarting');
      },
    } as never);
    await expect(dispatch('notes.add', { body: 'x' }, {})).resolves.toEqual({ ok: false, error: { code: 'core_unavailable', message: 'core is restarting' } });
  });

  it('turns an undeclared code from a shell in between into internal at the client too', async () => {
    const relay = (code: string): GovdeskBridge => ({ invoke: async () => ({ ok: false, error: { code, message: 'from a shell' } }), on: () => () => {} });
    await expect(createApiClient(contract, relay('not_found')).call('notes.fail')).rejects.toMatchObject({ code: 'not_found', message: 'from a shell' });
    await expect(createApiClient(contract, relay('teapot')).call('notes.fail')).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('undeclared error code teapot') });
    await expect(createApiClient(contract, relay('forbidden')).call('notes.fail')).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('rejects with core_unavailable when the bridge itself throws', async () => {
    const broken: GovdeskBridge = {
      invoke: () => Promise.reject(new Error('socket closed')),
      on: () => () => {},
    };
    await expect(createApiClient(contract, broken).call('notes.add', { body: 'x' })).rejects.toMatchObject({ code: 'core_unavailable' });
  });

  it("types a call's failure as the method's declared codes plus the channel's", () => {
    expectTypeOf<DeclaredErrorOf<typeof contract, 'notes.fail'>>().toEqualTypeOf<'not_allowed' | 'not_found'>();
    expectTypeOf<DeclaredErrorOf<typeof contract, 'notes.add'>>().toEqualTypeOf<never>();
    expectTypeOf<ErrorCodeOf<typeof contract, 'notes.fail'>>().toEqualTypeOf<'not_allowed' | 'not_found' | ChannelErrorCode>();
    expectTypeOf<CallError<typeof contract, 'notes.add'>['code']>().toEqualTypeOf<ChannelErrorCode>();
  });

  it('catches a host answering with a result that breaks the contract', async () => {
    await expect(loopback().client.call('notes.broken')).rejects.toMatchObject({ code: 'invalid_result' });
  });

  it('carries bytes through the text codec unchanged', async () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) % 256);
    const { data: echoed } = await loopback().client.call('bytes.echo', { data });
    expect(echoed).toEqual(data);
  });

  it('validates event payloads', () => {
    const { client, emit } = loopback();
    const seen: unknown[] = [];
    client.on('notes.added', (payload) => seen.push(payload));
    emit({ id: 7 });
    expect(seen).toEqual([{ id: 7 }]);
    expect(() => emit({ id: 'x' })).toThrow(/invalid payload/);
  });
});

describe('the frame codec', () => {
  it('rejects byte fields that are not base64', () => {
    expect(() => decodeFrame('{"a":{"$bytes":"@@@="}}')).toThrow(SyntaxError);
    expect(() => decodeFrame('{"a":{"$bytes":5}}')).toThrow(SyntaxError);
    expect(() => decodeFrame('not json')).toThrow(SyntaxError);
  });
});
