/// The on-disk schema as numbered migrations; `PRAGMA user_version` records how many have run.
enum Schema {
    /// Each entry is one migration; never edit a shipped one, append a new one.
    static let migrations: [String] = [
        // 1: files, documents, chunks, FTS5, embeddings and their cache.
        """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE files(
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            content_sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime REAL NOT NULL,
            format TEXT NOT NULL,
            ingested_at REAL NOT NULL
        );
        CREATE TABLE documents(
            id INTEGER PRIMARY KEY,
            file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
            path TEXT NOT NULL UNIQUE,
            external_id TEXT,
            title TEXT,
            format TEXT NOT NULL,
            content_sha256 TEXT NOT NULL
        );
        CREATE INDEX documents_file ON documents(file_id);
        CREATE INDEX documents_external_id ON documents(external_id);
        CREATE TABLE chunks(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            heading_path TEXT NOT NULL,
            text TEXT NOT NULL,
            token_count INTEGER NOT NULL,
            char_start INTEGER NOT NULL,
            char_end INTEGER NOT NULL,
            content_sha256 TEXT NOT NULL,
            UNIQUE(document_id, ordinal)
        );
        CREATE VIRTUAL TABLE chunks_fts USING fts5(
            text, heading_path,
            content='chunks', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
            INSERT INTO chunks_fts(rowid, text, heading_path) VALUES (new.id, new.text, new.heading_path);
        END;
        CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
            INSERT INTO chunks_fts(chunks_fts, rowid, text, heading_path)
                VALUES ('delete', old.id, old.text, old.heading_path);
        END;
        CREATE TRIGGER chunks_fts_update AFTER UPDATE OF text, heading_path ON chunks BEGIN
            INSERT INTO chunks_fts(chunks_fts, rowid, text, heading_path)
                VALUES ('delete', old.id, old.text, old.heading_path);
            INSERT INTO chunks_fts(rowid, text, heading_path) VALUES (new.id, new.text, new.heading_path);
        END;
        CREATE TABLE embeddings(
            chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
            vector BLOB NOT NULL
        );
        CREATE TABLE embedding_cache(
            content_sha256 TEXT NOT NULL,
            model TEXT NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (content_sha256, model)
        ) WITHOUT ROWID;
        INSERT INTO meta(key, value) VALUES ('generation', '0');
        """,
        // 2: answers of `rag ask`, valid for one index generation.
        """
        CREATE TABLE answer_cache(
            key TEXT PRIMARY KEY,
            generation INTEGER NOT NULL,
            answer BLOB NOT NULL,
            created_at REAL NOT NULL
        ) WITHOUT ROWID;
        """,
        // 3: IVF index: coarse centroids and list membership (one row per member; it goes with its vector).
        """
        CREATE TABLE ivf_centroids(
            list_id INTEGER PRIMARY KEY,
            vector BLOB NOT NULL
        );
        CREATE TABLE ivf_members(
            chunk_id INTEGER PRIMARY KEY REFERENCES embeddings(chunk_id) ON DELETE CASCADE,
            list_id INTEGER NOT NULL
        );
        CREATE INDEX ivf_members_list ON ivf_members(list_id);
        """,
        // 4: answers given by `rag serve` (so feedback can name one) and the feedback on them.
        """
        CREATE TABLE query_log(
            answer_id TEXT PRIMARY KEY,
            question TEXT NOT NULL,
            answer TEXT NOT NULL,
            sources TEXT NOT NULL,
            created_at REAL NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE feedback(
            id INTEGER PRIMARY KEY,
            answer_id TEXT NOT NULL REFERENCES query_log(answer_id) ON DELETE CASCADE,
            rating INTEGER NOT NULL CHECK (rating BETWEEN -1 AND 1),
            comment TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL
        );
        CREATE INDEX feedback_answer ON feedback(answer_id);
        """,
        // 5: retention trims the logs and the answer cache oldest first.
        """
        CREATE INDEX query_log_created ON query_log(created_at);
        CREATE INDEX feedback_created ON feedback(created_at);
        CREATE INDEX answer_cache_created ON answer_cache(created_at);
        """,
        // 6: the short answer of a logged answer, so rated answers can become QA cases (`rag feedback export`);
        // absent for answers logged before and answers without one. A table of its own, not ALTER TABLE ADD COLUMN:
        // with SQLite 3.40 a connection that ran ALTER TABLE and set user_version in one transaction fails to reload
        // the schema after another connection changes it ("no such table"), as IngestWriteLockTests showed.
        """
        CREATE TABLE query_log_short(
            answer_id TEXT PRIMARY KEY REFERENCES query_log(answer_id) ON DELETE CASCADE,
            short_answer TEXT NOT NULL
        ) WITHOUT ROWID;
        """,
        // 7: learned query-side maps (`rag index adapt`, `rag index distill`), each for the encoder it was fitted on.
        """
        CREATE TABLE query_maps(
            kind TEXT PRIMARY KEY,
            encoder TEXT NOT NULL,
            layers INTEGER,
            rows INTEGER NOT NULL,
            cols INTEGER NOT NULL,
            matrix BLOB NOT NULL,
            bias BLOB,
            info TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL
        ) WITHOUT ROWID;
        """,
    ]

    static var version: Int { migrations.count }

    /// The oldest version a read-only connection opens without migrating: later migrations only add tables whose
    /// absence readers handle (6: `query_log_short`, written and read only by commands that open the index
    /// read-write — serve's query log, `rag feedback`; 7: `query_maps`, read as "no map").
    static let readableFrom = 5
}
