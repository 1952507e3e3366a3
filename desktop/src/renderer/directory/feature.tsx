import { ContactsOutlined } from '@ant-design/icons';
import { route } from '@govdesk/shared';
import { lazyPage } from '../app/lazy.ts';
import { defineFeature, page } from '../app/registry.ts';
import { directoryMessages } from './labels.ts';

/** Reached from the sidebar only, so its route lives here rather than among the linkable ones in shared. */
export const directoryRoutes = { directory: route('/directory') };

const DirectoryPage = lazyPage(() => import('./DirectoryPage.tsx').then((module) => module.DirectoryPage));

/** 通讯录: the sync-server's directory, searched; a person's card; a message in one click. */
export const directoryFeature = defineFeature({
  id: 'directory',
  messages: directoryMessages,
  menu: { icon: <ContactsOutlined />, label: 'menu', to: directoryRoutes.directory.href({}) },
  pages: [page(directoryRoutes.directory, ({ session, navigate }) => <DirectoryPage session={session} navigate={navigate} />)],
});
