import { MessageOutlined, SearchOutlined } from '@ant-design/icons';
import { App, Button, Descriptions, Empty, Input, Tag, Typography } from 'antd';
import { useState } from 'react';
import { messageRoutes, roomKey, type AppPath, type DirectoryHit, type RoomId, type SessionInfo } from '@govdesk/shared';
import { useDebounced } from '../app/useDebounced.ts';
import { useCoreAction, useCoreQuery } from '../data/core.tsx';
import { useErrorText } from '../data/errors.ts';
import { QueryView } from '../data/QueryView.tsx';
import { useMessages } from '../i18n/i18n.tsx';
import { directoryMessages } from './labels.ts';

/**
 * 通讯录: search the directory the sync-server keeps (by name, pinyin
 * initials or unit), a person's card, and a message to them in one click.
 * Nothing of the directory is kept on the device: it is the province's.
 */
export function DirectoryPage({ session, navigate }: { session: SessionInfo; navigate(path: AppPath): void }) {
  const t = useMessages(directoryMessages);
  const [typed, setTyped] = useState('');
  const query = useDebounced(typed.trim(), 250);
  const [chosen, setChosen] = useState<DirectoryHit | null>(null);
  return (
    <div className="govdesk-directory">
      <section className="govdesk-directory-list" aria-label={t('title')}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('title')}
        </Typography.Title>
        <Input allowClear prefix={<SearchOutlined />} placeholder={t('search')} aria-label={t('searchLabel')} value={typed} onChange={(event) => setTyped(event.target.value)} maxLength={50} />
        {query === '' ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('hint')} /> : <Results query={query} chosen={chosen} onChoose={setChosen} />}
      </section>
      <section className="govdesk-directory-card" aria-live="polite">
        {chosen ? <PersonCard person={chosen} session={session} navigate={navigate} /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('pick')} />}
      </section>
    </div>
  );
}

function Results({ query, chosen, onChoose }: { query: string; chosen: DirectoryHit | null; onChoose(person: DirectoryHit): void }) {
  const t = useMessages(directoryMessages);
  const found = useCoreQuery('directory.search', { query, limit: 50 });
  return (
    <QueryView query={found} messages={directoryMessages}>
      {({ people, units }) =>
        people.length === 0 && units.length === 0 ? (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('empty', { query })} />
        ) : (
          <>
            {units.length > 0 && (
              <div className="govdesk-directory-units" aria-label={t('units')}>
                {units.map((unit) => (
                  <Tag key={unit.id}>{unit.name}</Tag>
                ))}
              </div>
            )}
            <ul className="govdesk-directory-people" aria-label={t('people')}>
              {people.map((person) => (
                <li key={person.userId}>
                  <button type="button" className="govdesk-room-item" aria-current={chosen?.userId === person.userId ? 'true' : undefined} onClick={() => onChoose(person)}>
                    <span className="govdesk-avatar" style={{ width: 36, height: 36, fontSize: 16, background: '#1a5fb4' }} aria-hidden>
                      {Array.from(person.displayName)[0] ?? '?'}
                    </span>
                    <span className="govdesk-room-text">
                      <span className="govdesk-room-line">
                        <span className="govdesk-room-name">{person.displayName}</span>
                        {person.title && <span className="govdesk-room-time">{person.title}</span>}
                      </span>
                      <span className="govdesk-room-line">
                        <span className="govdesk-room-preview">{person.unit?.name ?? t(`class.${person.class}`)}</span>
                      </span>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </>
        )
      }
    </QueryView>
  );
}

function PersonCard({ person, session, navigate }: { person: DirectoryHit; session: SessionInfo; navigate(path: AppPath): void }) {
  const t = useMessages(directoryMessages);
  const { message } = App.useApp();
  const errorText = useErrorText();
  const createRoom = useCoreAction('messages.createRoom');
  const self = person.userId === session.userId;
  const sendMessage = async () => {
    // An existing DM with them is reused (core looks for one first).
    const outcome = await createRoom.run({ kind: 'dm', userId: person.userId });
    if (outcome.ok) navigate(messageRoutes.room.href({ room: roomKey(outcome.result.roomId as RoomId) }));
    else void message.error(errorText(outcome.error, directoryMessages));
  };
  return (
    <div className="govdesk-directory-person" data-testid="person-card">
      <div className="govdesk-directory-person-head">
        <span className="govdesk-avatar" style={{ width: 56, height: 56, fontSize: 24, background: '#1a5fb4' }} aria-hidden>
          {Array.from(person.displayName)[0] ?? '?'}
        </span>
        <div>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {person.displayName}
          </Typography.Title>
          {person.title && <Typography.Text type="secondary">{person.title}</Typography.Text>}
        </div>
      </div>
      <Descriptions column={1} size="small">
        <Descriptions.Item label={t('unit')}>{person.unit?.name ?? t('noUnit')}</Descriptions.Item>
        <Descriptions.Item label={t('class')}>{t(`class.${person.class}`)}</Descriptions.Item>
        <Descriptions.Item label={t('account')}>{person.userId}</Descriptions.Item>
      </Descriptions>
      {self ? (
        <Typography.Text type="secondary">{t('self')}</Typography.Text>
      ) : (
        <Button type="primary" icon={<MessageOutlined />} loading={createRoom.pending} onClick={() => void sendMessage()}>
          {t('message')}
        </Button>
      )}
    </div>
  );
}
