import { ArrowLeftOutlined, ShareAltOutlined } from '@ant-design/icons';
import { Alert, App, Button, Form, Input, Modal, Select, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { EditorContent, useEditor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import Collaboration from '@tiptap/extension-collaboration';
import type * as Y from 'yjs';
import { canManageShares, canWriteContent, docTypeName, type DocumentRole, type DocumentStatus, type DocumentSummary } from '@govdesk/shared';
import { useCoreAction } from '../data/core.tsx';
import { useErrorText } from '../data/errors.ts';
import { QueryView } from '../data/QueryView.tsx';
import { useMessages } from '../i18n/i18n.tsx';
import { DocumentStatusBadge } from './DocumentStatusBadge.tsx';
import { classificationLabel, documentMessages, roleLabel } from './labels.ts';
import { useCoreDocument } from './useCoreDocument.ts';

export function DocumentEditorPage({ documentId, onBack }: { documentId: string; onBack(): void }) {
  const t = useMessages(documentMessages);
  const opened = useCoreDocument(documentId);
  return (
    <QueryView
      query={opened}
      messages={documentMessages}
      extra={
        <Button icon={<ArrowLeftOutlined />} onClick={onBack}>
          {t('editor.back')}
        </Button>
      }
    >
      {({ doc, document, status }) => <OpenDocument doc={doc} document={document} status={status} onBack={onBack} />}
    </QueryView>
  );
}

function OpenDocument({ doc, document, status, onBack }: { doc: Y.Doc; document: DocumentSummary; status: DocumentStatus; onBack(): void }) {
  const t = useMessages(documentMessages);
  const [sharing, setSharing] = useState(false);
  const writable = canWriteContent(document.myRole) && status.connection !== 'no_access';
  const editor = useEditor(
    {
      extensions: [
        // Undo and redo come from the collaboration binding: each person undoes only their own changes.
        StarterKit.configure({ undoRedo: false }),
        Collaboration.configure({ document: doc, field: 'body' }),
      ],
      editable: writable,
      editorProps: { attributes: { class: 'govdesk-page-body', 'aria-label': document.title, 'data-testid': 'document-body' } },
    },
    [doc, writable],
  );

  return (
    <div className="govdesk-editor">
      <div className="govdesk-editor-bar">
        <Space size="middle" wrap>
          <Button type="text" icon={<ArrowLeftOutlined />} onClick={onBack} aria-label={t('editor.back')} />
          <Typography.Title level={4} style={{ margin: 0 }} data-testid="document-title">
            {document.title}
          </Typography.Title>
          <Tag>{docTypeName(document.docType)}</Tag>
          <Tag color={document.classification === 'internal' ? 'blue' : 'orange'}>{classificationLabel(t, document.classification)}</Tag>
          {!writable && <Tag color="default">{t('editor.readOnly')}</Tag>}
        </Space>
        <Space size="middle">
          <DocumentStatusBadge status={status} />
          {canManageShares(document.myRole) && (
            <Button icon={<ShareAltOutlined />} onClick={() => setSharing(true)}>
              {t('editor.share')}
            </Button>
          )}
        </Space>
      </div>
      {status.connection === 'no_access' && <Alert type="error" showIcon title={t('editor.status.noAccess')} style={{ margin: '16px auto', maxWidth: 794 }} />}
      <div className="govdesk-desk">
        <div className="govdesk-page">
          <EditorContent editor={editor} />
        </div>
      </div>
      {sharing && <ShareDialog documentId={document.id} onClose={() => setSharing(false)} />}
    </div>
  );
}

function ShareDialog({ documentId, onClose }: { documentId: string; onClose(): void }) {
  const t = useMessages(documentMessages);
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ userId: string; role: DocumentRole }>();
  const share = useCoreAction('documents.share');

  const submit = async ({ userId, role }: { userId: string; role: DocumentRole }) => {
    const outcome = await share.run({ documentId, share: { principal: { type: 'user', userId: userId.trim() }, role } });
    if (!outcome.ok) return;
    void message.success(t('share.done', { user: userId.trim() }));
    onClose();
  };

  return (
    <Modal open title={t('share.title')} okText={t('share.submit')} onOk={() => form.submit()} confirmLoading={share.pending} onCancel={onClose} destroyOnHidden>
      {share.error && <Alert type="error" role="alert" showIcon title={errorText(share.error, documentMessages)} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" initialValues={{ role: 'editor' }} onFinish={(values) => void submit(values)}>
        <Form.Item label={t('share.user')} name="userId" rules={[{ required: true, whitespace: true, message: t('share.user.required') }]}>
          <Input placeholder={t('share.user.placeholder')} autoFocus />
        </Form.Item>
        <Form.Item label={t('share.role')} name="role">
          <Select options={(['editor', 'commenter', 'reader', 'owner'] as const).map((role) => ({ value: role, label: roleLabel(t, role) }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
