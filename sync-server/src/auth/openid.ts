import { MatrixUserId, userIdServerName } from '@govdesk/shared';
import { DomainError } from '../domain-error.ts';

/** The userinfo answer is one small JSON object; a homeserver that sends more is not believed, and not read further. */
const MAX_USERINFO_BYTES = 64 * 1024;
const USERINFO_TIMEOUT_MS = 10_000;

/**
 * Checks a Matrix OpenID token with the homeserver that issued it
 * (GET /_matrix/federation/v1/openid/userinfo), the way Element Call and
 * integration managers authenticate users. Only allow-listed homeservers are
 * asked, and the answer must name a user of that same homeserver.
 */
export async function verifyOpenIdToken(homeservers: Record<string, string>, serverName: string, accessToken: string): Promise<string> {
  const baseUrl = homeservers[serverName];
  if (!baseUrl) throw new DomainError('homeserver_not_allowed', `users of ${serverName} may not log in here`);
  const url = new URL('/_matrix/federation/v1/openid/userinfo', baseUrl);
  url.searchParams.set('access_token', accessToken);
  // One deadline for the whole exchange: the signal also aborts reading the body.
  const signal = AbortSignal.timeout(USERINFO_TIMEOUT_MS);
  // The causes (addresses, DNS and TLS errors) are logged; the client only learns which homeserver failed.
  const unreachable = (cause: unknown) => new DomainError('homeserver_unreachable', `the homeserver ${serverName} could not be reached`, { cause });
  const failed = (cause: unknown) => new DomainError('homeserver_error', `the homeserver ${serverName} gave no usable answer`, { cause });
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'error' });
  } catch (error) {
    throw unreachable(error);
  }
  if (response.status === 401 || response.status === 403) {
    await discard(response.body);
    throw new DomainError('invalid_openid_token', 'the homeserver does not recognise this OpenID token');
  }
  if (!response.ok) {
    await discard(response.body);
    throw failed(new Error(`userinfo answered ${response.status}`));
  }
  const text = await readSmallBody(response, MAX_USERINFO_BYTES).catch((error: unknown) => {
    throw error instanceof BodyTooLarge ? failed(error) : unreachable(error);
  });
  let body: { sub?: unknown } | null;
  try {
    body = JSON.parse(text) as { sub?: unknown } | null;
  } catch (error) {
    throw failed(error);
  }
  const sub = MatrixUserId.safeParse(body?.sub);
  if (!sub.success || userIdServerName(sub.data) !== serverName) throw failed(new Error('userinfo named a user of another homeserver, or none'));
  return sub.data;
}

class BodyTooLarge extends Error {}

/** Stops reading a body that is not wanted, which frees its connection; one that failed meanwhile needs nothing more. */
async function discard(body: ReadableStream<Uint8Array> | null): Promise<void> {
  await body?.cancel().catch(() => undefined);
}

/** The body as text, if it has at most `maxBytes`; reading stops (and the connection is dropped) as soon as it has more. */
async function readSmallBody(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await discard(response.body);
    throw new BodyTooLarge(`userinfo declared more than ${maxBytes} bytes`);
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLarge(`userinfo sent more than ${maxBytes} bytes`);
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
