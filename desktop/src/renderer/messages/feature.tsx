import { MessageOutlined } from '@ant-design/icons';
import { eventIdOfKey, messageRoutes, roomIdOfKey } from '@govdesk/shared';
import { defineFeature, page } from '../app/registry.ts';
import { messagesMessages } from './labels.ts';
import { MessagesPage } from './MessagesPage.tsx';
import { unreadTotal } from './model.ts';
import { useRooms } from './rooms.ts';

/** The sidebar's count: unread messages in every room, and invitations waiting for an answer. */
function useUnread(): number {
  const rooms = useRooms();
  return rooms.status === 'ready' ? unreadTotal(rooms.data.rooms) : 0;
}

/** 消息: rooms with colleagues (DMs and groups), their timelines, and search over cached messages. */
export const messagesFeature = defineFeature({
  id: 'messages',
  messages: messagesMessages,
  menu: { icon: <MessageOutlined />, label: 'menu', to: messageRoutes.list.href({}), useBadge: useUnread },
  pages: [
    page(messageRoutes.list, ({ session, navigate }) => <MessagesPage roomId={null} around={null} session={session} navigate={navigate} />, { layout: 'full', remountOn: 'feature' }),
    page(messageRoutes.room, ({ params, session, navigate }) => <MessagesPage roomId={roomIdOfKey(params.room)} around={null} session={session} navigate={navigate} />, { layout: 'full', remountOn: 'feature' }),
    page(
      messageRoutes.event,
      ({ params, session, navigate }) => <MessagesPage roomId={roomIdOfKey(params.room)} around={eventIdOfKey(params.event)} session={session} navigate={navigate} />,
      { layout: 'full', remountOn: 'feature' },
    ),
  ],
});
