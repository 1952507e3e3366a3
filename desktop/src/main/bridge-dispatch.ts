import { z } from 'zod';
import { createDispatcher, desktopContract, RpcError, type Answer, type DesktopContract, type Handlers } from '@govdesk/shared';

/**
 * What main does with a renderer's call before core sees it: the same
 * createDispatcher as browser mode and core, with handlers that forward to
 * the core process. Unknown methods and invalid parameters are answered here
 * and never cross into core; core's answer is checked against the contract
 * again before it goes back to the renderer.
 */

/** What the preload sends on the invoke channel. */
const BridgeRequest = z.object({ method: z.string().min(1).max(100), params: z.unknown() }).strict();

export type Forward = (method: string, params: unknown, origin: string) => Promise<Answer>;
export type BridgeDispatch = (request: unknown, origin: string) => Promise<Answer>;

export function createBridgeDispatch(forward: Forward, onUnexpected: (method: string, error: unknown) => void = () => {}): BridgeDispatch {
  const forwarding = Object.fromEntries(
    Object.keys(desktopContract.methods).map((method) => [
      method,
      async (params: unknown, context: { origin: string }) => {
        const answer = await forward(method, params, context.origin);
        if (!answer.ok) throw new RpcError(answer.error.code, answer.error.message, answer.error.details);
        return answer.result;
      },
    ]),
  ) as unknown as Handlers<DesktopContract, { origin: string }>;
  const dispatch = createDispatcher(desktopContract, forwarding, onUnexpected);

  return async (request, origin) => {
    const parsed = BridgeRequest.safeParse(request);
    if (!parsed.success) return { ok: false, error: { code: 'invalid_request', message: 'a bridge request is { method, params }' } };
    return dispatch(parsed.data.method, parsed.data.params, { origin });
  };
}
