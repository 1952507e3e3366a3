import { FileTextOutlined } from '@ant-design/icons';
import { documentRoutes } from '@govdesk/shared';
import { lazyPage } from '../app/lazy.ts';
import { defineFeature, page } from '../app/registry.ts';
import { documentMessages } from './labels.ts';

const DocumentListPage = lazyPage(() => import('./DocumentListPage.tsx').then((module) => module.DocumentListPage));
// Tiptap, ProseMirror and Yjs: a third of the app's code.
const DocumentEditorPage = lazyPage(() => import('./DocumentEditorPage.tsx').then((module) => module.DocumentEditorPage));

/** 公文: the list of documents the user has a right on, and the collaborative editor. */
export const documentsFeature = defineFeature({
  id: 'documents',
  messages: documentMessages,
  menu: { icon: <FileTextOutlined />, label: 'menu', to: documentRoutes.list.href({}) },
  pages: [
    page(documentRoutes.list, ({ navigate }) => <DocumentListPage onOpen={(documentId) => navigate(documentRoutes.document.href({ documentId }))} />),
    page(documentRoutes.document, ({ params, navigate }) => <DocumentEditorPage documentId={params.documentId} onBack={() => navigate(documentRoutes.list.href({}))} />, { layout: 'full' }),
  ],
});
