import { HomeOutlined } from '@ant-design/icons';
import { homeRoutes } from '@govdesk/shared';
import { lazyPage } from '../app/lazy.ts';
import { defineFeature, page } from '../app/registry.ts';
import { homeMessages } from './labels.ts';

const HomePage = lazyPage(() => import('./HomePage.tsx').then((module) => module.HomePage));

/** 工作台: who is signed in, on which device and server. */
export const homeFeature = defineFeature({
  id: 'home',
  messages: homeMessages,
  menu: { icon: <HomeOutlined />, label: 'menu', to: homeRoutes.home.href({}) },
  pages: [page(homeRoutes.home, ({ session }) => <HomePage session={session} />)],
});
