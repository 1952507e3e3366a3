import { App, Button } from 'antd';
import type { RoomId } from '@govdesk/shared';
import { useCoreAction } from '../data/core.tsx';
import { useErrorText } from '../data/errors.ts';
import { messagesMessages } from './labels.ts';

/** Accepts an invitation; the room turns into a joined one when core's `messages.rooms` event says so. */
export function JoinButton({ roomId, label, size }: { roomId: RoomId; label: string; size?: 'small' }) {
  const { message } = App.useApp();
  const errorText = useErrorText();
  const join = useCoreAction('messages.join');
  return (
    <Button
      type="primary"
      size={size}
      loading={join.pending}
      onClick={() =>
        void join.run({ roomId }).then((outcome) => {
          if (!outcome.ok) void message.error(errorText(outcome.error, messagesMessages));
        })
      }
    >
      {label}
    </Button>
  );
}
