import { FileTextOutlined } from '@ant-design/icons';
import { documentRoutes } from '@govdesk/shared';
import { defineFeature, page } from '../app/registry.ts';
import { DocumentEditorPage } from './DocumentEditorPage.tsx';
import { DocumentListPage } from './DocumentListPage.tsx';
import { documentMessages } from './labels.ts';

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
