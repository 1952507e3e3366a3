import { useCallback } from 'react';
import type { ChannelErrorCode, RpcError } from '@govdesk/shared';
import { useI18n, type Messages } from '../i18n/i18n.tsx';
import { appMessages } from '../i18n/messages.ts';

/**
 * The messages a feature words its errors with: `error.<code>` for every code
 * its methods declare. When the contract gives a method a new code, every
 * feature that shows that method's failures stops compiling until it words it.
 */
export type ErrorMessages<Code extends string> = Messages<`error.${Exclude<Code, ChannelErrorCode>}`>;

/** The network is down, or the sync-server or homeserver is: worth trying again when the browser says it is back online. */
export function isOffline(error: RpcError): boolean {
  return error.code === 'sync_server_unreachable' || error.code === 'homeserver_unreachable';
}

/**
 * Words a failed call: a code its method declares with the feature's
 * `error.<code>` message (which may show `{message}`), a channel code with
 * the app's own text. Only the channel's codes are worded here, once.
 */
export function useErrorText(): <Code extends string>(error: RpcError<Code>, messages: NoInfer<ErrorMessages<Code>>) => string {
  const { translate } = useI18n();
  return useCallback(
    <Code extends string>(error: RpcError<Code>, messages: NoInfer<ErrorMessages<Code>>) => {
      const key = `error.${error.code}` as `error.${Exclude<Code, ChannelErrorCode>}`;
      if (Object.hasOwn(messages['zh-CN'], key)) return translate(messages, key, { message: error.message });
      if (error.code === 'core_unavailable') return translate(appMessages, 'error.core_unavailable');
      return translate(appMessages, 'error.other', { message: error.message });
    },
    [translate],
  );
}
