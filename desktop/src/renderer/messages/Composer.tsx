import { CloseOutlined, EditOutlined, PaperClipOutlined, RollbackOutlined, SendOutlined } from '@ant-design/icons';
import { Alert, Button, Mentions, Progress } from 'antd';
import { memo, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { MAX_FILE_BYTES, type Member, type RoomId, type TimelineItem } from '@govdesk/shared';
import { useCore, useCoreAction } from '../data/core.tsx';
import { useErrorText } from '../data/errors.ts';
import { useI18n, useMessages } from '../i18n/i18n.tsx';
import { messagesMessages } from './labels.ts';
import { formatBytes, mentionedUserIds, percentOf } from './model.ts';
import type { Transfer } from './useTimeline.ts';

/** Matrix clients repeat "typing" within the homeserver's timeout, and say "stopped" after a pause. */
const TYPING_REPEAT_MS = 20_000;
const TYPING_IDLE_MS = 5_000;

/** Tells core when the user starts and stops typing in a room, without a call per keystroke. */
class TypingNotice {
  readonly #tell: (typing: boolean) => void;
  #lastSent = 0;
  #idle: ReturnType<typeof setTimeout> | null = null;

  constructor(tell: (typing: boolean) => void) {
    this.#tell = tell;
  }

  readonly typed = (): void => {
    if (this.#idle !== null) clearTimeout(this.#idle);
    this.#idle = setTimeout(this.stopped, TYPING_IDLE_MS);
    if (Date.now() - this.#lastSent < TYPING_REPEAT_MS) return;
    this.#lastSent = Date.now();
    this.#tell(true);
  };

  readonly stopped = (): void => {
    if (this.#idle !== null) clearTimeout(this.#idle);
    this.#idle = null;
    if (this.#lastSent === 0) return;
    this.#lastSent = 0;
    this.#tell(false);
  };
}

function useTypingNotice(roomId: RoomId): TypingNotice {
  const api = useCore();
  const notice = useMemo(
    () =>
      // Typing is a courtesy to the others: a failure to say so is logged, never shown.
      new TypingNotice((typing) => void api.call('messages.typing', { roomId, typing }).catch((error: unknown) => console.warn('GovDesk: typing notice failed', error))),
    [api, roomId],
  );
  useEffect(() => () => notice.stopped(), [notice]);
  return notice;
}

export interface ComposerProps {
  roomId: RoomId;
  /** The room's members other than the user, offered after "@". */
  members: readonly Member[];
  draft: string;
  onDraft(draft: string): void;
  replyTo: TimelineItem | null;
  editing: TimelineItem | null;
  /** Leaves reply or edit mode. */
  onCancel(): void;
  /** A message or file is on its way (queued in core's outbox). */
  onSent(): void;
  /** The room's upload under way, from core's `messages.transfer` events. */
  upload: Transfer | undefined;
}

/**
 * Where messages are written: Enter sends, Shift+Enter starts a new line, "@"
 * offers the room's members, and a pasted or dropped file is sent as is.
 * A refused message (涉密不上网, a wrong room) stays in the box with the reason.
 */
export const Composer = memo(function Composer({ roomId, members, draft, onDraft, replyTo, editing, onCancel, onSent, upload: progress }: ComposerProps) {
  const t = useMessages(messagesMessages);
  const { language } = useI18n();
  const errorText = useErrorText();
  const send = useCoreAction('messages.send');
  const edit = useCoreAction('messages.edit');
  const sendFile = useCoreAction('messages.sendFile');
  const [problem, setProblem] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  // Files are uploaded one after the other: core's progress events name an upload by a key the renderer learns
  // only when it is done, so with one at a time the room's upload under way is always the first of these.
  const [uploads, setUploads] = useState<readonly string[]>([]);
  const queue = useRef(Promise.resolve());
  const picker = useRef<HTMLInputElement>(null);
  const typing = useTypingNotice(roomId);
  const options = useMemo(() => members.map((member) => ({ key: member.userId, value: member.displayName, label: member.displayName })), [members]);

  const submit = async () => {
    const body = draft.trim();
    if (body === '') return;
    setProblem(null);
    typing.stopped();
    const outcome =
      editing !== null && editing.eventId !== null
        ? await edit.run({ roomId, eventId: editing.eventId, body })
        : await send.run({ roomId, body, ...(replyTo?.eventId ? { replyTo: replyTo.eventId } : {}), mentions: mentionedUserIds(body, members) });
    if (!outcome.ok) {
      setProblem(errorText(outcome.error, messagesMessages));
      return;
    }
    // What was typed while the message was on its way to core stays.
    onDraft(draft.trim() === body ? '' : draft);
    onCancel();
    onSent();
  };

  const sendOne = async (file: File) => {
    const data = new Uint8Array(await file.arrayBuffer());
    const outcome = await sendFile.run({ roomId, name: file.name, mimeType: file.type || 'application/octet-stream', data });
    if (outcome.ok) onSent();
    else setProblem(errorText(outcome.error, messagesMessages));
  };

  const upload = (file: File) => {
    setProblem(null);
    if (file.size > MAX_FILE_BYTES) {
      setProblem(t('composer.fileTooLarge', { size: formatBytes(language, MAX_FILE_BYTES) }));
      return;
    }
    setUploads((names) => [...names, file.name]);
    queue.current = queue.current.then(() => sendOne(file)).finally(() => setUploads((names) => names.slice(1)));
  };

  // onPressEnter only fires when the mention list is closed, so Enter there picks a colleague instead of sending.
  const pressEnter = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    void submit();
  };

  const keyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Escape' && (replyTo || editing)) onCancel();
  };

  return (
    <div
      className={`govdesk-composer${dragging ? ' govdesk-composer-dragging' : ''}`}
      onDragOver={(event) => {
        if (!event.dataTransfer.types.includes('Files')) return;
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(event) => {
        if (event.dataTransfer.files.length === 0) return;
        event.preventDefault();
        setDragging(false);
        for (const file of Array.from(event.dataTransfer.files)) upload(file);
      }}
    >
      {(replyTo || editing) && (
        <div className="govdesk-composer-context">
          {editing ? <EditOutlined aria-hidden /> : <RollbackOutlined aria-hidden />}
          <span className="govdesk-composer-context-text">{editing ? t('composer.editing') : replyTo && t('composer.replyTo', { name: replyTo.senderName, preview: replyTo.body })}</span>
          <Button type="text" size="small" icon={<CloseOutlined />} aria-label={t('composer.cancel')} onClick={onCancel} />
        </div>
      )}
      {uploads.length > 0 && (
        <div className="govdesk-composer-upload" role="status">
          <PaperClipOutlined aria-hidden />
          <span className="govdesk-composer-context-text">
            {t('composer.uploading', { name: uploads[0] ?? '' })}
            {uploads.length > 1 && ` ${t('composer.queued', { count: uploads.length - 1 })}`}
          </span>
          <Progress percent={progress ? percentOf(progress.loaded, progress.total) : 0} size="small" style={{ width: 160, margin: 0 }} />
        </div>
      )}
      {problem && <Alert type="error" role="alert" showIcon closable={{ onClose: () => setProblem(null) }} title={problem} className="govdesk-composer-problem" />}
      {dragging ? (
        <div className="govdesk-composer-drop">{t('composer.drop')}</div>
      ) : (
        <Mentions
          aria-label={t('composer.label')}
          placeholder={t('composer.placeholder')}
          value={draft}
          variant="borderless"
          // Two lines growing to eight with the text: by CSS (field-sizing, .govdesk-composer-input in global.css), as
          // antd's autoSize did by measuring a hidden copy of the text in script at every render.
          rows={2}
          className="govdesk-composer-input"
          maxLength={20_000}
          options={options}
          onChange={(value) => {
            onDraft(value);
            if (value.trim() === '') typing.stopped();
            else typing.typed();
          }}
          onPressEnter={pressEnter}
          onKeyDown={keyDown}
          onBlur={() => typing.stopped()}
          onPaste={(event) => {
            const files = Array.from(event.clipboardData.files);
            if (files.length === 0) return;
            event.preventDefault();
            for (const file of files) upload(file);
          }}
          placement="top"
        />
      )}
      <div className="govdesk-composer-bar">
        {/* The browser's file picker, as antd's Upload opens it, without the component: the file goes through core, never through an upload request. */}
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          onChange={(event) => {
            for (const file of Array.from(event.target.files ?? [])) upload(file);
            // Picking the same file again is a new upload.
            event.target.value = '';
          }}
        />
        <Button type="text" icon={<PaperClipOutlined />} aria-label={t('composer.attach')} title={t('composer.attach')} onClick={() => picker.current?.click()} />
        <Button type="primary" icon={<SendOutlined />} loading={send.pending || edit.pending} disabled={draft.trim() === ''} onClick={() => void submit()}>
          {t('composer.send')}
        </Button>
      </div>
    </div>
  );
});
