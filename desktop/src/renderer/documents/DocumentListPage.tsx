import { FileAddOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Empty, Form, Input, Modal, Radio, Select, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { DOC_TYPES, docTypeName, type CreateDocumentRequest, type DocumentSummary, type Me } from '@govdesk/shared';
import { api } from '../api.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { classificationLabel, errorText, roleLabel } from './labels.ts';

/** The documents the user has a right on: from the local cache at once, refreshed when the server answers. */
export function DocumentListPage({ onOpen }: { onOpen(documentId: string): void }) {
  const { t } = useI18n();
  const [documents, setDocuments] = useState<DocumentSummary[] | null>(null);
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    let active = true;
    const stop = api.on('documents.changed', ({ documents: fresh }) => setDocuments(fresh));
    void api.call('documents.list').then(({ documents: cached }) => active && setDocuments((current) => current ?? cached));
    return () => {
      active = false;
      stop();
    };
  }, []);

  return (
    <Card
      title={t('documents.title')}
      extra={
        <Button type="primary" icon={<FileAddOutlined />} onClick={() => setCreating(true)}>
          {t('documents.new')}
        </Button>
      }
    >
      <Table<DocumentSummary>
        rowKey="id"
        loading={documents === null}
        dataSource={documents ?? []}
        pagination={false}
        locale={{ emptyText: <Empty description={t('documents.empty')} /> }}
        onRow={(record) => ({ onClick: () => onOpen(record.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('documents.column.title'), dataIndex: 'title', render: (title: string) => <Typography.Link>{title}</Typography.Link> },
          { title: t('documents.column.type'), dataIndex: 'docType', width: 110, render: (type: DocumentSummary['docType']) => docTypeName(type) },
          {
            title: t('documents.column.classification'),
            dataIndex: 'classification',
            width: 100,
            render: (classification: DocumentSummary['classification']) => <Tag color={classification === 'internal' ? 'blue' : 'orange'}>{classificationLabel(t, classification)}</Tag>,
          },
          { title: t('documents.column.role'), dataIndex: 'myRole', width: 110, render: (role: DocumentSummary['myRole']) => roleLabel(t, role) },
          { title: t('documents.column.created'), dataIndex: 'createdAt', width: 180, render: (createdAt: string) => new Date(createdAt).toLocaleString('zh-CN', { hour12: false }) },
        ]}
      />
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
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<CreateDocumentRequest>();
  const [me, setMe] = useState<Me | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void api.call('directory.me').then((answer) => {
      setMe(answer);
      const ownUnit = answer?.units[0];
      if (ownUnit) form.setFieldValue('owningUnitId', ownUnit.id);
    });
  }, [form]);

  const submit = async (values: CreateDocumentRequest) => {
    setSubmitting(true);
    setError(null);
    try {
      onCreated(await api.call('documents.create', values));
    } catch (caught) {
      setError(errorText(t, caught));
      void message.error(errorText(t, caught));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Modal open title={t('documents.create.title')} okText={t('documents.create.submit')} onOk={() => form.submit()} confirmLoading={submitting} onCancel={onClose} destroyOnHidden>
      <Alert type="warning" showIcon icon={<SafetyCertificateOutlined />} title={t('documents.create.classifiedHint')} style={{ marginBottom: 16 }} />
      {error && <Alert type="error" role="alert" showIcon title={error} style={{ marginBottom: 16 }} />}
      <Form<CreateDocumentRequest> form={form} layout="vertical" initialValues={{ docType: 'notice', classification: 'internal' }} onFinish={(values) => void submit(values)}>
        <Form.Item label={t('documents.create.docTitle')} name="title" rules={[{ required: true, whitespace: true, message: t('documents.create.docTitle.required') }]}>
          <Input placeholder={t('documents.create.docTitle.placeholder')} maxLength={200} autoFocus />
        </Form.Item>
        <Space size="large" style={{ display: 'flex' }}>
          <Form.Item label={t('documents.create.docType')} name="docType" style={{ minWidth: 160 }}>
            <Select options={DOC_TYPES.map((type) => ({ value: type.id, label: type.name }))} />
          </Form.Item>
          <Form.Item label={t('documents.create.unit')} name="owningUnitId" style={{ minWidth: 240 }}>
            <Select options={(me?.units ?? []).map((unit) => ({ value: unit.id, label: unit.name }))} />
          </Form.Item>
        </Space>
        <Form.Item label={t('documents.create.classification')} name="classification">
          <Radio.Group
            options={[
              { value: 'internal', label: t('documents.create.classification.internal') },
              { value: 'external', label: t('documents.create.classification.external') },
            ]}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
