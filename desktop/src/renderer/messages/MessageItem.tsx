import { DeleteOutlined, DownloadOutlined, EditOutlined, FileOutlined, LoadingOutlined, RollbackOutlined } from '@ant-design/icons';
import { App, Button, Image, Popconfirm, Popover, Progress, Spin, Tooltip, Typography } from 'antd';
import { memo, useState, type ReactNode, type SyntheticEvent } from 'react';
import { flushSync } from 'react-dom';
import type { EventId, Member, RoomId, RoomSummary, TimelineItem } from '@govdesk/shared';
import { asCoreError, useCore, useCoreAction, useCoreQuery, useLoad, type CoreError } from '../data/core.tsx';
import { useErrorText } from '../data/errors.ts';
import { useI18n, useMessages } from '../i18n/i18n.tsx';
import { PersonAvatar } from './avatars.tsx';
import { messagesMessages } from './labels.ts';
import { clockTime, formatBytes, imageBox, percentOf, receiptsLabel } from './model.ts';
import type { Transfer } from './useTimeline.ts';

/** What every message of a room shares; stable while nothing in it changes, so that memoised rows stay as they are. */
export interface MessageContext {
  roomId: RoomId;
  roomKind: RoomSummary['kind'];
  me: string;
  /** Display names of the room's members, to highlight "@name" in a text. */
  members: readonly Member[];
  transfers: ReadonlyMap<string, Transfer>;
  onReply(item: TimelineItem): void;
  onEdit(item: TimelineItem): void;
  /** Scrolls to a replied-to message. */
  onJumpTo(eventId: EventId): void;
}

/**
 * Whether a message has been pointed at, tabbed into or clicked since it was
 * mounted. Its controls' antd parts (tooltips, the 撤回 confirmation, the
 * receipts popover, antd's buttons) are built only then: dozens of them per
 * screen of messages were a large share of opening a room. Until then each
 * control is a plain stand-in with the same label and `data-control`. The
 * switch is synchronous, so the press that follows the pointer lands on the
 * built control; focus on a stand-in moves to the control replacing it, and a
 * click that came without either (a screen reader's) is passed on to it.
 */
function useActivation(): [active: boolean, activate: (event: SyntheticEvent<HTMLElement>) => void] {
  const [active, setActive] = useState(false);
  const activate = (event: SyntheticEvent<HTMLElement>) => {
    if (active) return;
    const control = event.target instanceof HTMLElement ? event.target.closest<HTMLElement>('[data-control]')?.dataset.control : undefined;
    const message = event.currentTarget;
    flushSync(() => setActive(true));
    const built = control === undefined ? null : message.querySelector<HTMLElement>(`[data-control="${control}"]`);
    if (event.type === 'focus') built?.focus();
    else if (event.type === 'click') built?.click();
  };
  return [active, activate];
}

/** One message: avatar and name (unless it continues the sender's run), the bubble, and for one's own the way it went. */
export const MessageItem = memo(function MessageItem({ item, continued, highlighted, context }: { item: TimelineItem; continued: boolean; highlighted: boolean; context: MessageContext }) {
  const { language } = useI18n();
  const [active, activate] = useActivation();
  const own = item.sender === context.me;
  const time = clockTime(language, item.ts);
  const classes = ['govdesk-msg', own ? 'govdesk-msg-own' : '', continued ? 'govdesk-msg-continued' : '', highlighted ? 'govdesk-msg-highlight' : ''].filter(Boolean).join(' ');
  return (
    <div
      className={classes}
      role="article"
      aria-label={`${item.senderName} ${time}`}
      aria-current={highlighted ? 'true' : undefined}
      data-testid="message"
      data-key={item.key}
      onPointerEnter={activate}
      onFocus={activate}
      onClick={activate}
    >
      <div className="govdesk-msg-avatar">{!continued && <PersonAvatar name={item.senderName} />}</div>
      <div className="govdesk-msg-main">
        {!continued && (
          <div className="govdesk-msg-meta">
            {!own && <span className="govdesk-msg-sender">{item.senderName}</span>}
            <span className="govdesk-msg-time">{time}</span>
          </div>
        )}
        <div className="govdesk-msg-line">
          <MessageBody item={item} context={context} active={active} />
          {item.eventId !== null && item.kind !== 'redacted' && (active ? <MessageActions item={item} own={own} context={context} /> : <ActionStandIns item={item} own={own} />)}
        </div>
        {own && <SendStatus item={item} context={context} active={active} />}
      </div>
    </div>
  );
});

function MessageBody({ item, context, active }: { item: TimelineItem; context: MessageContext; active: boolean }) {
  const t = useMessages(messagesMessages);
  if (item.kind === 'redacted') return <div className="govdesk-msg-redacted">{t('message.redacted')}</div>;
  if (item.kind === 'file' && item.file) return <FileCard item={item} file={item.file} context={context} active={active} />;
  if (item.kind === 'image' && item.file) return <ImageCard item={item} file={item.file} context={context} />;
  return (
    <div className={`govdesk-msg-bubble${item.kind === 'notice' ? ' govdesk-msg-notice' : ''}`}>
      {item.replyTo && (
        <button
          type="button"
          className="govdesk-msg-quote"
          aria-label={t('message.quote', { name: item.replyTo.senderName, preview: item.replyTo.preview })}
          onClick={() => item.replyTo && context.onJumpTo(item.replyTo.eventId)}
        >
          <span className="govdesk-msg-quote-sender">{item.replyTo.senderName}</span>
          <span className="govdesk-msg-quote-text">{item.replyTo.preview}</span>
        </button>
      )}
      <div className="govdesk-msg-text">
        {item.kind === 'emote' ? `* ${item.senderName} ` : null}
        <WithMentions text={item.body} mentioned={item.mentions} members={context.members} me={context.me} />
        {item.edited && <span className="govdesk-msg-edited">（{t('message.edited')}）</span>}
      </div>
    </div>
  );
}

/** The text with each "@name" of a mentioned member set off; a mention of the user stands out more. */
function WithMentions({ text, mentioned, members, me }: { text: string; mentioned: readonly string[]; members: readonly Member[]; me: string }) {
  const names = new Map(members.filter((member) => mentioned.includes(member.userId)).map((member) => [`@${member.displayName}`, member.userId]));
  if (names.size === 0) return text;
  const pattern = new RegExp(`(${[...names.keys()].sort((a, b) => b.length - a.length).map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`);
  return text.split(pattern).map((part, index) =>
    names.has(part) ? (
      <span key={index} className={names.get(part) === me ? 'govdesk-mention govdesk-mention-me' : 'govdesk-mention'}>
        {part}
      </span>
    ) : (
      part
    ),
  );
}

/** Saves bytes core handed over as a file the user keeps (the browser's or Electron's download). */
function saveBytes(data: Uint8Array, name: string, mimeType: string): void {
  const url = URL.createObjectURL(new Blob([data.slice()], { type: mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  // The download reads the URL after the click returns; revoking it at once can cancel the download.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function useDownload(roomId: RoomId, eventId: EventId | null) {
  const { message } = App.useApp();
  const errorText = useErrorText();
  const download = useCoreAction('messages.download');
  const run = async () => {
    if (eventId === null) return;
    const outcome = await download.run({ roomId, eventId });
    if (outcome.ok) saveBytes(outcome.result.data, outcome.result.name, outcome.result.mimeType);
    else void message.error(errorText(outcome.error, messagesMessages));
  };
  return { run, pending: download.pending };
}

function TransferProgress({ transfer }: { transfer: Transfer | undefined }) {
  const t = useMessages(messagesMessages);
  if (!transfer) return null;
  const percent = percentOf(transfer.loaded, transfer.total);
  return (
    <div className="govdesk-transfer">
      <Progress percent={percent} size="small" showInfo={false} />
      <span className="govdesk-small">{t('message.downloading', { percent })}</span>
    </div>
  );
}

function FileCard({ item, file, context, active }: { item: TimelineItem; file: NonNullable<TimelineItem['file']>; context: MessageContext; active: boolean }) {
  const t = useMessages(messagesMessages);
  const { language } = useI18n();
  const download = useDownload(context.roomId, item.eventId);
  const transfer = item.eventId === null ? undefined : context.transfers.get(item.eventId);
  return (
    <div className="govdesk-file">
      <FileOutlined className="govdesk-file-icon" aria-hidden />
      <div className="govdesk-file-text">
        <div className="govdesk-file-name" title={file.name}>
          {file.name}
        </div>
        <div className="govdesk-small">{formatBytes(language, file.size)}</div>
        <TransferProgress transfer={transfer} />
      </div>
      {item.eventId !== null && (
        <Lazy active={active} wrap={(button) => <Tooltip title={t('message.download', { name: file.name })}>{button}</Tooltip>}>
          <Button icon={<DownloadOutlined />} loading={download.pending} aria-label={t('message.download', { name: file.name })} data-control="download" onClick={() => void download.run()} />
        </Lazy>
      )}
    </div>
  );
}

/** Object URLs of an event's thumbnail or full image, fetched through core (the media API needs the user's token). */
function useImageUrl(roomId: RoomId, eventId: EventId | null, thumbnail: boolean, wanted: boolean) {
  const api = useCore();
  return useLoad<string | null, CoreError<'messages.download'>>(`${roomId} ${eventId} ${thumbnail} ${wanted}`, ({ settle }) => {
    let url: string | null = null;
    let current = true;
    if (eventId === null || !wanted) settle({ status: 'ready', data: null });
    else
      api.call('messages.download', { roomId, eventId, thumbnail }).then(
        ({ data, mimeType }) => {
          if (!current) return;
          url = URL.createObjectURL(new Blob([data.slice()], { type: mimeType }));
          settle({ status: 'ready', data: url });
        },
        (error: unknown) => settle({ status: 'failed', error: asCoreError<'messages.download'>(error) }),
      );
    return () => {
      current = false;
      if (url !== null) URL.revokeObjectURL(url);
    };
  });
}

function ImageCard({ item, file, context }: { item: TimelineItem; file: NonNullable<TimelineItem['file']>; context: MessageContext }) {
  const t = useMessages(messagesMessages);
  const box = imageBox(file);
  const [previewing, setPreviewing] = useState(false);
  const thumbnail = useImageUrl(context.roomId, item.eventId, true, true);
  const full = useImageUrl(context.roomId, item.eventId, false, previewing);
  const download = useDownload(context.roomId, item.eventId);
  const transfer = item.eventId === null ? undefined : context.transfers.get(item.eventId);
  const label = t('message.image', { name: file.name });
  return (
    <div className="govdesk-image">
      <div className="govdesk-image-frame" style={box}>
        {thumbnail.status === 'ready' && thumbnail.data !== null ? (
          <Image
            src={thumbnail.data}
            alt={label}
            width={box.width}
            height={box.height}
            style={{ objectFit: 'cover' }}
            preview={{ src: full.status === 'ready' && full.data !== null ? full.data : thumbnail.data, onOpenChange: (open) => setPreviewing(open) }}
          />
        ) : thumbnail.status === 'failed' ? (
          <FileOutlined className="govdesk-file-icon" aria-label={label} />
        ) : (
          <Spin size="small" aria-label={label} />
        )}
      </div>
      <div className="govdesk-image-bar">
        <span className="govdesk-file-name" title={file.name}>
          {file.name}
        </span>
        {item.eventId !== null && <Button type="text" size="small" icon={<DownloadOutlined />} loading={download.pending} aria-label={t('message.download', { name: file.name })} onClick={() => void download.run()} />}
      </div>
      <TransferProgress transfer={transfer} />
    </div>
  );
}

/** A control wrapped in its antd popup (tooltip, confirmation) once the message is active (useActivation). */
function Lazy({ active, wrap, children }: { active: boolean; wrap(control: ReactNode): ReactNode; children: ReactNode }) {
  return active ? wrap(children) : children;
}

type Action = 'reply' | 'edit' | 'redact';

/** 回复 for any message; 编辑 and 撤回 for one's own text. */
function actionsOf(item: TimelineItem, own: boolean): Action[] {
  const editable = own && (item.kind === 'text' || item.kind === 'notice' || item.kind === 'emote');
  return ['reply', ...(editable ? (['edit'] as const) : []), ...(own ? (['redact'] as const) : [])];
}

const ACTION_ICONS: Record<Action, ReactNode> = { reply: <RollbackOutlined />, edit: <EditOutlined />, redact: <DeleteOutlined /> };

/** The actions' stand-ins: plain buttons of the same size, label and icon (useActivation). */
function ActionStandIns({ item, own }: { item: TimelineItem; own: boolean }) {
  const t = useMessages(messagesMessages);
  return (
    <div className="govdesk-msg-actions" role="toolbar" aria-label={t('message.actions')}>
      {actionsOf(item, own).map((action) => (
        <button key={action} type="button" className="govdesk-msg-action" aria-label={t(`message.${action}`)} data-control={action}>
          {ACTION_ICONS[action]}
        </button>
      ))}
    </div>
  );
}

/** 回复, 编辑 and 撤回 (after a confirmation), shown on hover or keyboard focus. */
function MessageActions({ item, own, context }: { item: TimelineItem; own: boolean; context: MessageContext }) {
  const t = useMessages(messagesMessages);
  const { message } = App.useApp();
  const errorText = useErrorText();
  const redact = useCoreAction('messages.redact');
  const eventId = item.eventId;
  if (eventId === null) return null;
  const button = (action: Action, onClick?: () => void) => (
    <Button type="text" size="small" icon={ACTION_ICONS[action]} aria-label={t(`message.${action}`)} data-control={action} onClick={onClick} />
  );
  return (
    <div className="govdesk-msg-actions" role="toolbar" aria-label={t('message.actions')}>
      {actionsOf(item, own).map((action) =>
        action === 'redact' ? (
          <Popconfirm
            key={action}
            title={t('message.redact.confirm')}
            okText={t('message.redact.ok')}
            cancelText={t('message.redact.cancel')}
            okButtonProps={{ danger: true, loading: redact.pending }}
            onConfirm={async () => {
              const outcome = await redact.run({ roomId: context.roomId, eventId });
              if (!outcome.ok) void message.error(errorText(outcome.error, messagesMessages));
            }}
          >
            {button(action)}
          </Popconfirm>
        ) : (
          <Tooltip key={action} title={t(`message.${action}`)}>
            {button(action, () => (action === 'reply' ? context.onReply(item) : context.onEdit(item)))}
          </Tooltip>
        ),
      )}
    </div>
  );
}

/** Under one's own message: 发送中, 发送失败（重试）, or who has read it. */
function SendStatus({ item, context, active }: { item: TimelineItem; context: MessageContext; active: boolean }) {
  const t = useMessages(messagesMessages);
  const { message } = App.useApp();
  const errorText = useErrorText();
  const retry = useCoreAction('messages.retry');
  if (item.kind === 'redacted') return null;
  if (item.send === 'sending') {
    return (
      <div className="govdesk-msg-status" data-testid="send-state">
        <LoadingOutlined aria-hidden /> {t('message.sending')}
      </div>
    );
  }
  if (item.send === 'failed') {
    return (
      <div className="govdesk-msg-status" data-testid="send-state">
        <Lazy active={active} wrap={(button) => <Tooltip title={item.sendError}>{button}</Tooltip>}>
          <Button
            type="link"
            danger
            size="small"
            data-control="retry"
            loading={retry.pending}
            onClick={async () => {
              const outcome = await retry.run({ roomId: context.roomId, key: item.key });
              if (!outcome.ok) void message.error(errorText(outcome.error, messagesMessages));
            }}
          >
            {t('message.failed')}
          </Button>
        </Lazy>
      </div>
    );
  }
  if (item.receipts === null || item.eventId === null) return null;
  return (
    <div className="govdesk-msg-status">
      {active ? (
        <Receipts roomId={context.roomId} eventId={item.eventId} counts={item.receipts} kind={context.roomKind} />
      ) : (
        <ReceiptsStandIn counts={item.receipts} kind={context.roomKind} />
      )}
    </div>
  );
}

/** "x 人已读 / y 人未读"; a click lists who has read it and who has not. */
function Receipts({ roomId, eventId, counts, kind }: { roomId: RoomId; eventId: EventId; counts: { read: number; unread: number }; kind: RoomSummary['kind'] }) {
  const t = useMessages(messagesMessages);
  const label = receiptsLabel(t, counts, kind);
  return (
    <Popover
      trigger="click"
      placement="bottomRight"
      title={t('receipts.title')}
      destroyOnHidden
      // Keyed by the counts: when someone reads it while the lists are open, they are asked for again.
      content={<ReceiptLists key={`${counts.read}/${counts.unread}`} roomId={roomId} eventId={eventId} />}
    >
      <Button type="link" size="small" className={counts.unread === 0 ? 'govdesk-receipts-all' : 'govdesk-receipts'} aria-haspopup="dialog" data-testid="receipts" data-control="receipts">
        {label}
      </Button>
    </Popover>
  );
}

/** The receipts' stand-in (useActivation): the same words, drawn as antd's small link button is (global.css). */
function ReceiptsStandIn({ counts, kind }: { counts: { read: number; unread: number }; kind: RoomSummary['kind'] }) {
  const t = useMessages(messagesMessages);
  return (
    <button type="button" className={`govdesk-receipts-stand-in ${counts.unread === 0 ? 'govdesk-receipts-all' : 'govdesk-receipts'}`} aria-haspopup="dialog" data-testid="receipts" data-control="receipts">
      {receiptsLabel(t, counts, kind)}
    </button>
  );
}

function ReceiptLists({ roomId, eventId }: { roomId: RoomId; eventId: EventId }) {
  const t = useMessages(messagesMessages);
  const errorText = useErrorText();
  const receipts = useCoreQuery('messages.receipts', { roomId, eventId });
  return (
    <div className="govdesk-receipt-lists" role="dialog" aria-label={t('receipts.title')}>
      {receipts.status === 'loading' && <Spin size="small" />}
      {receipts.status === 'failed' && <Typography.Text type="danger">{errorText(receipts.error, messagesMessages)}</Typography.Text>}
      {receipts.status === 'ready' && (
        <>
          <MemberList title={t('receipts.read', { count: receipts.data.read.length })} members={receipts.data.read} />
          <MemberList title={t('receipts.unread', { count: receipts.data.unread.length })} members={receipts.data.unread} />
        </>
      )}
    </div>
  );
}

function MemberList({ title, members }: { title: string; members: readonly Member[] }) {
  const t = useMessages(messagesMessages);
  return (
    <section className="govdesk-receipt-list" aria-label={title}>
      <Typography.Text strong>{title}</Typography.Text>
      {members.length === 0 ? (
        <div className="govdesk-muted">{t('receipts.nobody')}</div>
      ) : (
        <ul>
          {members.map((member) => (
            <li key={member.userId} title={member.userId}>
              <PersonAvatar name={member.displayName} size={22} />
              <span>{member.displayName}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
