/**
 * The cache's schema, one migration per version (`PRAGMA user_version`).
 * Never edit a released migration: add one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

  -- Yjs replicas: an append-only log per document and a compacted snapshot.
  CREATE TABLE doc_updates (
    doc_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('local', 'remote')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (doc_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE doc_snapshots (
    doc_id TEXT PRIMARY KEY,
    state BLOB NOT NULL,
    last_seq INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  -- What each sync-server is known to hold durably, per document (state vector and delete set).
  CREATE TABLE sync_clocks (
    server TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    server_state BLOB NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (server, doc_id)
  ) WITHOUT ROWID;

  -- The document list as the sync-server last gave it, for offline starts and search.
  CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    server TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    summary TEXT NOT NULL,
    title TEXT NOT NULL,
    plain_text TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL,
    UNIQUE (server, doc_id)
  );
  CREATE VIRTUAL TABLE documents_fts USING fts5(title, plain_text, content = 'documents', content_rowid = 'id', tokenize = 'trigram');
  CREATE TRIGGER documents_ai AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, title, plain_text) VALUES (new.id, new.title, new.plain_text);
  END;
  CREATE TRIGGER documents_ad AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, plain_text) VALUES ('delete', old.id, old.title, old.plain_text);
  END;
  CREATE TRIGGER documents_au AFTER UPDATE OF title, plain_text ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, plain_text) VALUES ('delete', old.id, old.title, old.plain_text);
    INSERT INTO documents_fts (rowid, title, plain_text) VALUES (new.id, new.title, new.plain_text);
  END;

  -- Matrix cache: rooms, members and timeline events seen, for offline reading and search.
  CREATE TABLE matrix_rooms (
    room_id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    topic TEXT NOT NULL DEFAULT '',
    is_direct INTEGER NOT NULL DEFAULT 0,
    is_space INTEGER NOT NULL DEFAULT 0,
    membership TEXT NOT NULL DEFAULT 'join',
    last_event_ts INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE matrix_members (
    room_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    membership TEXT NOT NULL,
    PRIMARY KEY (room_id, user_id)
  ) WITHOUT ROWID;
  CREATE TABLE matrix_events (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    room_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    type TEXT NOT NULL,
    ts INTEGER NOT NULL,
    content TEXT NOT NULL,
    body TEXT
  );
  CREATE INDEX matrix_events_timeline ON matrix_events (room_id, ts, id);
  CREATE VIRTUAL TABLE messages_fts USING fts5(body, content = 'matrix_events', content_rowid = 'id', tokenize = 'trigram');
  CREATE TRIGGER matrix_events_ai AFTER INSERT ON matrix_events WHEN new.body IS NOT NULL BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
  END;
  CREATE TRIGGER matrix_events_ad AFTER DELETE ON matrix_events WHEN old.body IS NOT NULL BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
  END;
  CREATE TRIGGER matrix_events_au AFTER UPDATE OF body ON matrix_events BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) SELECT 'delete', old.id, old.body WHERE old.body IS NOT NULL;
    INSERT INTO messages_fts (rowid, body) SELECT new.id, new.body WHERE new.body IS NOT NULL;
  END;

  -- Messages written offline, sent in order when the network returns.
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    room_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    content TEXT NOT NULL,
    txn_id TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed'))
  );
  CREATE INDEX outbox_pending ON outbox (state, id);
  `,
  // 2: one- and two-character search. The trigram index cannot answer queries
  // shorter than three characters, and a LIKE scan of every message takes
  // hundreds of milliseconds on a large cache. This index holds every
  // character of a message as its own token (gd_chars, registered on each
  // connection by database.ts), so a query of one character is a term lookup
  // and one of two characters a phrase of two adjacent tokens.
  `
  CREATE VIRTUAL TABLE messages_chars USING fts5(chars, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0');
  INSERT INTO messages_chars (rowid, chars) SELECT id, gd_chars(body) FROM matrix_events WHERE body IS NOT NULL;
  CREATE TRIGGER matrix_events_chars_ai AFTER INSERT ON matrix_events WHEN new.body IS NOT NULL BEGIN
    INSERT INTO messages_chars (rowid, chars) VALUES (new.id, gd_chars(new.body));
  END;
  CREATE TRIGGER matrix_events_chars_ad AFTER DELETE ON matrix_events WHEN old.body IS NOT NULL BEGIN
    DELETE FROM messages_chars WHERE rowid = old.id;
  END;
  CREATE TRIGGER matrix_events_chars_au AFTER UPDATE OF body ON matrix_events BEGIN
    DELETE FROM messages_chars WHERE rowid = old.id AND old.body IS NOT NULL;
    INSERT INTO messages_chars (rowid, chars) SELECT new.id, gd_chars(new.body) WHERE new.body IS NOT NULL;
  END;
  `,
  // 3: messaging. Room rows carry their summary (counts, last message) so the
  // room list is one scan; events carry what a timeline item needs (the
  // transaction ID of this device's messages, the latest edit, redaction);
  // edits and redactions that arrive before their event wait in their own
  // tables; read positions are (ts, row id) like the timeline's order.
  `
  ALTER TABLE matrix_rooms ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE matrix_rooms ADD COLUMN unread INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE matrix_rooms ADD COLUMN highlights INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE matrix_rooms ADD COLUMN preview TEXT;
  ALTER TABLE matrix_rooms ADD COLUMN preview_sender TEXT NOT NULL DEFAULT '';
  ALTER TABLE matrix_rooms ADD COLUMN preview_ts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE matrix_rooms ADD COLUMN back_token TEXT;
  ALTER TABLE matrix_rooms ADD COLUMN at_start INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE matrix_rooms ADD COLUMN read_pending TEXT;

  ALTER TABLE matrix_events ADD COLUMN state_key TEXT;
  ALTER TABLE matrix_events ADD COLUMN prev_content TEXT;
  ALTER TABLE matrix_events ADD COLUMN txn_id TEXT;
  ALTER TABLE matrix_events ADD COLUMN edit TEXT;
  ALTER TABLE matrix_events ADD COLUMN edit_ts INTEGER;
  ALTER TABLE matrix_events ADD COLUMN redacted INTEGER NOT NULL DEFAULT 0;

  CREATE TABLE matrix_edits (
    event_id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    target TEXT NOT NULL,
    sender TEXT NOT NULL,
    ts INTEGER NOT NULL,
    content TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX matrix_edits_target ON matrix_edits (target, sender, ts);
  CREATE TABLE matrix_redactions (target TEXT PRIMARY KEY, room_id TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE matrix_receipts (
    room_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    pos_ts INTEGER NOT NULL,
    pos_id INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
  ) WITHOUT ROWID;
  CREATE TABLE matrix_media (
    mxc TEXT NOT NULL,
    variant TEXT NOT NULL CHECK (variant IN ('full', 'thumbnail')),
    mime_type TEXT NOT NULL,
    data BLOB NOT NULL,
    stored_at INTEGER NOT NULL,
    PRIMARY KEY (mxc, variant)
  ) WITHOUT ROWID;

  ALTER TABLE outbox ADD COLUMN event_id TEXT;
  CREATE INDEX outbox_room ON outbox (room_id, id);
  CREATE INDEX outbox_event ON outbox (event_id) WHERE event_id IS NOT NULL;
  `,
];
