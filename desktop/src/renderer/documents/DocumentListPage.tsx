import { FileAddOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Empty, Form, Input, Modal, Radio, Select, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { DOC_TYPES, docTypeName, type CreateDocumentRequest, type DocumentSummary } from '@govdesk/shared';
import { useCoreAction, useCoreQuery } from '../data/core.tsx';
import { useErrorText } from '../data/errors.ts';
import { QueryView } from '../data/QueryView.tsx';
import { useI18n, useMessages } from '../i18n/i18n.tsx';
import { classificationLabel, documentMessages, roleLabel } from './labels.ts';

/** The documents the user has a right on: from the local cache at once, refreshed when the server answers. */
export function DocumentListPage({ onOpen }: { onOpen(documentId: string): void }) {
  const t = useMessages(documentMessages);
  const { dateTime } = useI18n();
  // Core answers from its cache and asks the server; the fresh list comes as documents.changed.
  const list = useCoreQuery('documents.list', {}, { updateOn: { 'documents.changed': (fresh) => fresh } });
  const [creating, setCreating] = useState(false);

  return (
    <Card
      title={t('title')}
      extra={
        <Button type="primary" icon={<FileAddOutlined />} onClick={() => setCreating(true)}>
          {t('new')}
        </Button>
      }
    >
      <QueryView query={list} messages={documentMessages}>
        {({ documents }) => (
          <Table<DocumentSummary>
            rowKey="id"
            dataSource={documents}
            pagination={false}
            locale={{ emptyText: <Empty description={t('empty')} /> }}
            onRow={(record) => ({ onClick: () => onOpen(record.id), style: { cursor: 'pointer' } })}
            columns={[
              { title: t('column.title'), dataIndex: 'title', render: (title: string) => <Typography.Link>{title}</Typography.Link> },
              { title: t('column.type'), dataIndex: 'docType', width: 110, render: (type: DocumentSummary['docType']) => docTypeName(type) },
              {
                title: t('column.classification'),
                dataIndex: 'classification',
                width: 100,
                render: (classification: DocumentSummary['classification']) => <Tag color={classification === 'internal' ? 'blue' : 'orange'}>{classificationLabel(t, classification)}</Tag>,
              },
              { title: t('column.role'), dataIndex: 'myRole', width: 110, render: (role: DocumentSummary['myRole']) => roleLabel(t, role) },
              { title: t('column.created'), dataIndex: 'createdAt', width: 180, render: (createdAt: string) => dateTime(createdAt) },
            ]}
          />
        )}
      </QueryView>
      {creating && (
        <CreateDocumentDialog
          onClose={() => setCreating(false)}
          onCreated={(document) => {
            setCreating(false);
            onOpen(document.id);
          }}
        />
      )}
    </Card>
  );
}

function CreateDocumentDialog({ onClose, onCreated }: { onClose(): void; onCreated(document: DocumentSummary): void }) {
  const t = useMessages(documentMessages);
  const errorText = useErrorText();
  const { message } = App.useApp();
  const [form] = Form.useForm<CreateDocumentRequest>();
  const me = useCoreQuery('directory.me', {});
  const create = useCoreAction('documents.create');
  const units = me.status === 'ready' ? (me.data?.units ?? []) : [];
  const ownUnit = units[0]?.id;

  useEffect(() => {
    if (ownUnit && !form.getFieldValue('owningUnitId')) form.setFieldValue('owningUnitId', ownUnit);
  }, [form, ownUnit]);

  const submit = async (values: CreateDocumentRequest) => {
    const outcome = await create.run(values);
    if (outcome.ok) onCreated(outcome.result);
    else void message.error(errorText(outcome.error, documentMessages));
  };

  return (
    <Modal open title={t('create.title')} okText={t('create.submit')} onOk={() => form.submit()} confirmLoading={create.pending} onCancel={onClose} destroyOnHidden>
      <Alert type="warning" showIcon icon={<SafetyCertificateOutlined />} title={t('create.classifiedHint')} style={{ marginBottom: 16 }} />
      {create.error && <Alert type="error" role="alert" showIcon title={errorText(create.error, documentMessages)} style={{ marginBottom: 16 }} />}
      {me.status === 'failed' && <Alert type="warning" showIcon title={errorText(me.error, documentMessages)} style={{ marginBottom: 16 }} />}
      <Form<CreateDocumentRequest> form={form} layout="vertical" initialValues={{ docType: 'notice', classification: 'internal' }} onFinish={(values) => void submit(values)}>
        <Form.Item label={t('create.docTitle')} name="title" rules={[{ required: true, whitespace: true, message: t('create.docTitle.required') }]}>
          <Input placeholder={t('create.docTitle.placeholder')} maxLength={200} autoFocus />
        </Form.Item>
        <Space size="large" style={{ display: 'flex' }}>
          <Form.Item label={t('create.docType')} name="docType" style={{ minWidth: 160 }}>
            <Select options={DOC_TYPES.map((type) => ({ value: type.id, label: type.name }))} />
          </Form.Item>
          <Form.Item label={t('create.unit')} name="owningUnitId" style={{ minWidth: 240 }}>
            <Select options={units.map((unit) => ({ value: unit.id, label: unit.name }))} />
          </Form.Item>
        </Space>
        <Form.Item label={t('create.classification')} name="classification">
          <Radio.Group
            options={[
              { value: 'internal', label: t('create.classification.internal') },
              { value: 'external', label: t('create.classification.external') },
            ]}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
