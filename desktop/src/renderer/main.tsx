import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient, desktopContract } from '@govdesk/shared';
import { App } from './app/App.tsx';
import { createRegistry } from './app/registry.ts';
// antd's components' styles, prebuilt (the theme's zeroRuntime); the app's own after them, so they win ties.
import 'antd/dist/antd.css';
import './app/global.css';
import { CoreProvider } from './data/core.tsx';
import { features } from './features.ts';
import { CoreLanguage } from './i18n/i18n.tsx';
import { CoreSession } from './session/session.tsx';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');
createRoot(root).render(
  <StrictMode>
    {/* window.govdesk: the Electron preload's or browser mode's bridge, the renderer's only way to core. */}
    <CoreProvider api={createApiClient(desktopContract, window.govdesk)}>
      <CoreSession>
        <CoreLanguage>
          <App registry={createRegistry(features)} />
        </CoreLanguage>
      </CoreSession>
    </CoreProvider>
  </StrictMode>,
);
