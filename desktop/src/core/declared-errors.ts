import { desktopContract, RpcError, type DesktopContract, type MethodName } from '@govdesk/shared';

export type DesktopMethod = MethodName<DesktopContract>;

/**
 * A failure on the way to the sync-server (or to the homeserver behind it) as
 * `method` answers it: a code the method declares (`sync_server_unreachable`,
 * `not_found`, …) passes unchanged; any other — a refused session, a
 * homeserver problem while renewing it, a 5xx, an off-contract answer —
 * becomes `sync_server_error` with the upstream message and code. The
 * dispatcher would turn it into `internal`, but it is trouble upstream, not a
 * bug of core, and the user is better told so. Anything not an RpcError is a
 * bug and passes on, to become `internal`.
 */
export function asDeclared(method: DesktopMethod, error: unknown): unknown {
  if (!(error instanceof RpcError)) return error;
  if ((desktopContract.methods[method].errors as readonly string[]).includes(error.code)) return error;
  return new RpcError('sync_server_error', error.message, { upstream: error.code });
}
