import { SafetyCertificateOutlined } from '@ant-design/icons';
import { Alert, Form, Input, Modal, Select, Spin } from 'antd';
import { useEffect, useState } from 'react';
import type { Member, RoomId } from '@govdesk/shared';
import { asCoreError, useCore, useCoreAction, useLoad, type CoreError } from '../data/core.tsx';
import { useErrorText } from '../data/errors.ts';
import { useMessages } from '../i18n/i18n.tsx';
import { messagesMessages } from './labels.ts';
import { useRooms } from './rooms.ts';
import { useDebounced } from '../app/useDebounced.ts';

interface Values {
  name?: string;
  people: string[] | string;
}

/** 发起单聊 / 发起群聊 with colleagues found in the homeserver's user directory. */
export function CreateRoomDialog({ kind, me, onClose, onCreated }: { kind: 'dm' | 'group'; me: string; onClose(): void; onCreated(roomId: RoomId): void }) {
  const t = useMessages(messagesMessages);
  const errorText = useErrorText();
  const [form] = Form.useForm<Values>();
  const create = useCoreAction('messages.createRoom');
  const rooms = useRooms();
  const [created, setCreated] = useState<RoomId | null>(null);
  const listed = created !== null && rooms.status === 'ready' && rooms.data.rooms.some((room) => room.roomId === created);

  // The new room is opened once core's room list has it, so the page never says "no such room" in between;
  // should core's event be late, it opens anyway and shows the room when the event comes.
  useEffect(() => {
    if (created === null) return;
    if (listed) {
      onCreated(created);
      return;
    }
    const late = setTimeout(() => onCreated(created), 5_000);
    return () => clearTimeout(late);
  }, [created, listed, onCreated]);

  const submit = async (values: Values) => {
    const people = Array.isArray(values.people) ? values.people : [values.people];
    const outcome = await create.run(kind === 'dm' ? { kind: 'dm', userId: people[0] ?? '' } : { kind: 'group', name: values.name ?? '', invite: people });
    if (outcome.ok) setCreated(outcome.result.roomId);
  };

  return (
    <Modal
      open
      title={t(kind === 'dm' ? 'new.dm' : 'new.group')}
      okText={t('create.submit')}
      onOk={() => form.submit()}
      confirmLoading={create.pending || created !== null}
      onCancel={onClose}
      destroyOnHidden
    >
      <Alert type="warning" showIcon icon={<SafetyCertificateOutlined />} title={t('create.classifiedHint')} style={{ marginBottom: 16 }} />
      {create.error && <Alert type="error" role="alert" showIcon title={errorText(create.error, messagesMessages)} style={{ marginBottom: 16 }} />}
      <Form<Values> form={form} layout="vertical" onFinish={(values) => void submit(values)}>
        {kind === 'group' && (
          <Form.Item label={t('create.name')} name="name" rules={[{ required: true, whitespace: true, message: t('create.name.required') }]}>
            <Input placeholder={t('create.name.placeholder')} maxLength={100} autoFocus />
          </Form.Item>
        )}
        <Form.Item
          label={t(kind === 'dm' ? 'create.person' : 'create.people')}
          name="people"
          rules={[{ required: true, message: t(kind === 'dm' ? 'create.person.required' : 'create.people.required') }]}
        >
          <PeopleSelect multiple={kind === 'group'} me={me} autoFocus={kind === 'dm'} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** A Select over the user directory: each typed query is a findPeople call (debounced); chosen people keep their names. */
function PeopleSelect({
  multiple,
  me,
  autoFocus,
  id,
  value,
  onChange,
}: {
  multiple: boolean;
  me: string;
  autoFocus: boolean;
  /** From Form.Item: the label's target, the value and its setter. */
  id?: string;
  value?: string[] | string;
  onChange?: (value: string[] | string) => void;
}) {
  const t = useMessages(messagesMessages);
  const errorText = useErrorText();
  const api = useCore();
  const [search, setSearch] = useState('');
  const [chosen, setChosen] = useState<ReadonlyMap<string, Member>>(new Map());
  const query = useDebounced(search.trim(), 250);
  const found = useLoad<Member[], CoreError<'messages.findPeople'>>(`findPeople ${query}`, ({ settle }) => {
    if (query === '') settle({ status: 'ready', data: [] });
    else
      api.call('messages.findPeople', { query }).then(
        ({ people }) => settle({ status: 'ready', data: people.filter((person) => person.userId !== me) }),
        (error: unknown) => settle({ status: 'failed', error: asCoreError<'messages.findPeople'>(error) }),
      );
    return () => {};
  });
  const people = found.status === 'ready' ? found.data : [];
  const known = new Map([...chosen, ...people.map((person) => [person.userId, person] as const)]);

  return (
    <Select<string[] | string>
      id={id}
      mode={multiple ? 'multiple' : undefined}
      showSearch={{ filterOption: false, onSearch: setSearch, searchValue: search }}
      value={value}
      autoFocus={autoFocus}
      placeholder={t('create.people.placeholder')}
      onChange={(next) => {
        const ids = Array.isArray(next) ? next : [next];
        setChosen(new Map(ids.flatMap((userId) => (known.has(userId) ? [[userId, known.get(userId) as Member] as const] : []))));
        setSearch('');
        onChange?.(next);
      }}
      notFoundContent={
        query === '' ? t('create.people.hint') : found.status === 'loading' ? <Spin size="small" /> : found.status === 'failed' ? errorText(found.error, messagesMessages) : t('create.people.none')
      }
      options={[...known.values()].map((person) => ({ value: person.userId, label: person.displayName, title: person.userId }))}
      optionRender={(option) => (
        <span>
          {option.label} <span className="govdesk-muted">{option.value}</span>
        </span>
      )}
    />
  );
}
