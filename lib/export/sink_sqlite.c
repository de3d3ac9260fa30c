/* sqlite:PATH — the embedded default store.
 *
 * One table per record kind (flows, hosts, applications, categories), whose columns are the
 * registry's fields (INTEGER, TEXT, REAL), created when missing; columns a newer library added
 * are added to an existing table. Indexes on time, addresses and application. WAL journal with
 * synchronous=NORMAL: a batch is one transaction, so a writer killed at any moment leaves a
 * database that passes PRAGMA integrity_check and lacks at most the batch being written.
 * Retention: retention_s=N deletes rows older than N seconds before the newest row (packet time,
 * so replayed captures keep their own timeline); max_mb=N deletes the oldest rows while the
 * database holds more than N MB of data, and gives the pages back (incremental vacuum). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/export_int.h"
#include "ntopcore/error.h"
#include "util/util.h"

#ifdef NTC_HAVE_SQLITE
#include <sqlite3.h>

#define NKINDS 6 /* record kinds are 1..5 */

typedef struct sqsink {
    sqlite3 *db;
    char path[4096];
    sqlite3_stmt *insert[NKINDS];
    uint64_t retention_s, max_bytes;
    uint64_t newest_s;          /* newest record time written (packet time) */
    uint64_t last_retention_us; /* wall clock of the last retention pass */
    uint64_t rows_since_check;
    ntc__sbuf text;
    char stack[1024];
} sqsink;

static const char *table_name(int kind)
{
    switch (kind) {
    case NTC_RECORD_FLOW: return "flows";
    case NTC_RECORD_HOST: return "hosts";
    case NTC_RECORD_APP: return "applications";
    case NTC_RECORD_CATEGORY: return "categories";
    case NTC_RECORD_ALERT: return "alerts";
    default: return NULL;
    }
}

/* The time column rows are aged by, and the indexes of each table. */
static const char *time_column(int kind)
{
    switch (kind) {
    case NTC_RECORD_FLOW: return "LAST_SWITCHED";
    case NTC_RECORD_HOST: return "LAST_SEEN";
    case NTC_RECORD_ALERT: return "ALERT_TIME";
    default: return "TIMESTAMP";
    }
}

static const char *const flow_indexes[] = {"FIRST_SWITCHED", "LAST_SWITCHED", "IPV4_SRC_ADDR",
                                           "IPV4_DST_ADDR", "IPV6_SRC_ADDR", "IPV6_DST_ADDR",
                                           "L7_PROTO_NAME", NULL};
static const char *const host_indexes[] = {"IP_ADDR", "LAST_SEEN", NULL};
static const char *const app_indexes[] = {"TIMESTAMP", NULL};
static const char *const alert_indexes[] = {"ALERT_TIME", "ALERT_TYPE", "ENTITY_ID", NULL};

static const char *sql_type(int type)
{
    if (ntc__field_is_text(type))
        return "TEXT";
    return type == NTC_FIELD_FLOAT ? "REAL" : "INTEGER";
}

static int sq_err(sqsink *s, char *err, size_t errlen, const char *what)
{
    ntc__fmt(err, errlen, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
    int code = sqlite3_errcode(s->db) & 0xff;
    /* Busy, locked, full disk, I/O: worth retrying. */
    return code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_FULL ||
                   code == SQLITE_IOERR || code == SQLITE_CANTOPEN
               ? NTC_EIO
               : NTC_EFORMAT;
}

static int exec(sqsink *s, const char *sql, char *err, size_t errlen)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return sq_err(s, err, errlen, sql);
    return 0;
}

/* Create the table of a kind (or add the columns it lacks), its indexes and its insert. */
static int prepare_kind(sqsink *s, int kind, char *err, size_t errlen)
{
    size_t n;
    const ntc__field_def *d = ntc__registry(kind, &n);
    const char *t = table_name(kind);
    ntc__sbuf q = ntc__sbuf_growing(NULL, 0);
    ntc__sbuf_printf(&q, "CREATE TABLE IF NOT EXISTS %s (", t);
    for (size_t i = 0; i < n; i++)
        ntc__sbuf_printf(&q, "%s%s %s", i ? ", " : "", d[i].pub.name, sql_type(d[i].pub.type));
    ntc__sbuf_put(&q, ")", 1);
    ntc__sbuf_finish(&q);
    int rc = q.oom ? NTC_ENOMEM : exec(s, q.buf, err, errlen);
    /* Columns of this registry missing from an older table. */
    for (size_t i = 0; !rc && i < n; i++) {
        sqlite3_stmt *st;
        q.len = 0;
        ntc__sbuf_printf(&q, "SELECT 1 FROM pragma_table_info('%s') WHERE name = '%s'", t,
                         d[i].pub.name);
        ntc__sbuf_finish(&q);
        if (q.oom || sqlite3_prepare_v2(s->db, q.buf, -1, &st, NULL) != SQLITE_OK) {
            rc = q.oom ? NTC_ENOMEM : sq_err(s, err, errlen, "reading the table's columns");
            break;
        }
        int have = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
        if (!have) {
            q.len = 0;
            ntc__sbuf_printf(&q, "ALTER TABLE %s ADD COLUMN %s %s", t, d[i].pub.name,
                             sql_type(d[i].pub.type));
            ntc__sbuf_finish(&q);
            rc = q.oom ? NTC_ENOMEM : exec(s, q.buf, err, errlen);
        }
    }
    const char *const *idx = kind == NTC_RECORD_FLOW   ? flow_indexes
                             : kind == NTC_RECORD_HOST ? host_indexes
                             : kind == NTC_RECORD_ALERT ? alert_indexes
                                                       : app_indexes;
    for (size_t i = 0; !rc && idx[i]; i++) {
        q.len = 0;
        ntc__sbuf_printf(&q, "CREATE INDEX IF NOT EXISTS %s_%s ON %s (%s)", t, idx[i], t, idx[i]);
        ntc__sbuf_finish(&q);
        rc = q.oom ? NTC_ENOMEM : exec(s, q.buf, err, errlen);
    }
    if (!rc) {
        q.len = 0;
        ntc__sbuf_printf(&q, "INSERT INTO %s (", t);
        for (size_t i = 0; i < n; i++)
            ntc__sbuf_printf(&q, "%s%s", i ? ", " : "", d[i].pub.name);
        ntc__sbuf_put(&q, ") VALUES (", 10);
        for (size_t i = 0; i < n; i++)
            ntc__sbuf_put(&q, i ? ", ?" : "?", i ? 3 : 1);
        ntc__sbuf_put(&q, ")", 1);
        ntc__sbuf_finish(&q);
        if (q.oom)
            rc = NTC_ENOMEM;
        else if (sqlite3_prepare_v2(s->db, q.buf, -1, &s->insert[kind], NULL) != SQLITE_OK)
            rc = sq_err(s, err, errlen, "preparing the insert");
    }
    ntc__sbuf_free(&q);
    return rc;
}

static void sq_close(void *state)
{
    sqsink *s = state;
    if (!s)
        return;
    for (int k = 0; k < NKINDS; k++)
        sqlite3_finalize(s->insert[k]);
    if (s->db) {
        /* Fold the WAL back into the database so the file stands alone. */
        sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
        sqlite3_close(s->db);
    }
    ntc__sbuf_free(&s->text);
    free(s);
}

static int sq_open(void **state, const char *uri, void *user, char *err, size_t errlen)
{
    static const char *const known[] = {"retention_s", "max_mb", NULL};
    if (ntc__uri_check_opts(uri, known, err, errlen))
        return NTC_EINVAL;
    sqsink *s = calloc(1, sizeof(*s));
    if (!s)
        return NTC_ENOMEM;
    s->text = ntc__sbuf_growing(s->stack, sizeof(s->stack));
    uint64_t mb = 0;
    if (ntc__uri_body(uri, s->path, sizeof(s->path))) {
        ntc__fmt(err, errlen, "missing path (sqlite:PATH)");
        free(s);
        return NTC_EINVAL;
    }
    if (ntc__uri_opt_u64(uri, "retention_s", 1, UINT32_MAX, &s->retention_s, err, errlen) ||
        ntc__uri_opt_u64(uri, "max_mb", 1, 10000000, &mb, err, errlen)) {
        free(s);
        return NTC_EINVAL;
    }
    s->max_bytes = mb * 1000000;
    /* Opened here, used on the sink thread only (never at the same time): no mutex needed. */
    if (sqlite3_open_v2(s->path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        ntc__fmt(err, errlen, "cannot open %s: %s", s->path,
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        sq_close(s);
        return NTC_EIO;
    }
    sqlite3_busy_timeout(s->db, 5000);
    /* auto_vacuum only takes effect on a new database (before its first table). */
    int rc = exec(s, "PRAGMA auto_vacuum = INCREMENTAL", err, errlen);
    if (!rc) {
        sqlite3_stmt *st;
        rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) == SQLITE_OK
                 ? 0 : sq_err(s, err, errlen, "journal_mode");
        if (!rc) {
            const unsigned char *mode = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
            if (!mode || strcmp((const char *)mode, "wal") != 0)
                rc = sq_err(s, err, errlen, "cannot use the WAL journal (is it a database?)");
            sqlite3_finalize(st);
        }
    }
    if (!rc)
        rc = exec(s, "PRAGMA synchronous = NORMAL", err, errlen);
    for (int k = NTC_RECORD_FLOW; !rc && k < NKINDS; k++)
        if (table_name(k) && ntc_field_count(k) > 0)
            rc = prepare_kind(s, k, err, errlen);
    if (rc) {
        sq_close(s);
        return rc == NTC_EFORMAT ? NTC_EIO : rc;
    }
    *state = s;
    return 0;
}

static int bind_record(sqsink *s, sqlite3_stmt *st, const ntc_record *r)
{
    size_t n;
    const ntc__field_def *d = ntc__registry(r->kind, &n);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (size_t i = 0; i < n; i++) {
        if (!r->slot[i])
            continue; /* NULL */
        const ntc__rval *v = &r->vals[r->slot[i] - 1];
        int c = (int)i + 1, rc;
        if (ntc__field_is_text(d[i].pub.type)) {
            s->text.len = 0;
            ntc__utf8_clean(&s->text, r->str + v->u, v->len);
            if (s->text.oom)
                return SQLITE_NOMEM;
            rc = sqlite3_bind_text(st, c, s->text.buf, (int)s->text.len, SQLITE_TRANSIENT);
        } else if (d[i].pub.type == NTC_FIELD_FLOAT) {
            /* The value the text outputs show (its decimals), so every output holds the same. */
            char num[64];
            snprintf(num, sizeof(num), "%.*f", d[i].pub.decimals, ntc__u2f(v->u));
            rc = sqlite3_bind_double(st, c, strtod(num, NULL));
        } else {
            /* 64-bit values above INT64_MAX (risk bitmaps with bit 63) read back negative. */
            rc = sqlite3_bind_int64(st, c, (sqlite3_int64)v->u);
        }
        if (rc != SQLITE_OK)
            return rc;
    }
    return sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
}

static int sq_write(void *state, ntc_record *const *recs, size_t n, char *err, size_t errlen)
{
    sqsink *s = state;
    int rc = exec(s, "BEGIN", err, errlen);
    if (rc)
        return rc;
    size_t skipped = 0;
    uint64_t newest = s->newest_s;
    for (size_t i = 0; i < n; i++) {
        int k = recs[i]->kind;
        sqlite3_stmt *st = k > 0 && k < NKINDS ? s->insert[k] : NULL;
        if (!st) {
            skipped++;
            continue;
        }
        if (bind_record(s, st, recs[i]) != SQLITE_OK) {
            rc = sq_err(s, err, errlen, "insert");
            sqlite3_reset(st);
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
        sqlite3_reset(st);
        if (k == NTC_RECORD_FLOW || k == NTC_RECORD_APP || k == NTC_RECORD_CATEGORY)
            newest = NTC__MAX(newest, recs[i]->time_us / 1000000);
    }
    if ((rc = exec(s, "COMMIT", err, errlen)) != 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    s->newest_s = newest;
    s->rows_since_check += n;
    if (skipped) {
        ntc__fmt(err, errlen, "%zu record(s) of a kind without a table skipped", skipped);
        return NTC_ENOTSUP;
    }
    return 0;
}

static int64_t query_int(sqsink *s, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}

/* Bytes of data held (pages in use). */
static int64_t data_bytes(sqsink *s)
{
    int64_t pages = query_int(s, "PRAGMA page_count"), free_pages = query_int(s, "PRAGMA freelist_count"),
            size = query_int(s, "PRAGMA page_size");
    return pages < 0 || free_pages < 0 || size < 0 ? -1 : (pages - free_pages) * size;
}

static int retention(sqsink *s, char *err, size_t errlen)
{
    char q[256];
    int rc = 0, deleted = 0;
    if (s->retention_s && s->newest_s > s->retention_s) {
        uint64_t cut = s->newest_s - s->retention_s;
        for (int k = NTC_RECORD_FLOW; !rc && k < NKINDS; k++) {
            if (!s->insert[k])
                continue;
            snprintf(q, sizeof(q), "DELETE FROM %s WHERE %s < %" PRIu64, table_name(k),
                     time_column(k), cut);
            rc = exec(s, q, err, errlen);
            deleted += sqlite3_changes(s->db) > 0;
        }
    }
    /* Size: delete the oldest tenth of the flows (then of the other tables) until under. */
    for (int round = 0; !rc && s->max_bytes && round < 20; round++) {
        int64_t bytes = data_bytes(s);
        if (bytes < 0 || (uint64_t)bytes <= s->max_bytes)
            break;
        int any = 0;
        for (int k = NTC_RECORD_FLOW; !rc && k < NKINDS && !any; k++) {
            if (!s->insert[k])
                continue;
            snprintf(q, sizeof(q), "SELECT count(*) FROM %s", table_name(k));
            int64_t rows = query_int(s, q);
            if (rows <= 0)
                continue;
            snprintf(q, sizeof(q),
                     "DELETE FROM %s WHERE rowid IN (SELECT rowid FROM %s ORDER BY rowid LIMIT %" PRId64 ")",
                     table_name(k), table_name(k), rows / 10 + 1);
            rc = exec(s, q, err, errlen);
            any = deleted = 1;
        }
        if (!any)
            break;
    }
    if (!rc && deleted) {
        rc = exec(s, "PRAGMA incremental_vacuum", err, errlen);
        if (!rc)
            sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    }
    return rc == NTC_EFORMAT ? NTC_EIO : rc;
}

static int sq_tick(void *state, uint64_t now_us, char *err, size_t errlen)
{
    sqsink *s = state;
    if ((!s->retention_s && !s->max_bytes) || !s->rows_since_check)
        return 0;
    /* At most every 5 s of wall time. */
    if (now_us - s->last_retention_us < 5000000)
        return 0;
    s->last_retention_us = now_us;
    s->rows_since_check = 0;
    return retention(s, err, errlen);
}

static int sq_flush(void *state, char *err, size_t errlen)
{
    sqsink *s = state;
    /* Commits are durable against a crash of this process already (WAL); apply retention now so
     * that a short run ends within its limits. */
    if ((s->retention_s || s->max_bytes) && s->rows_since_check) {
        s->rows_since_check = 0;
        s->last_retention_us = ntc__wall_us();
        return retention(s, err, errlen);
    }
    return 0;
}

const ntc_sink_ops ntc__sink_sqlite = {
    .version = NTC_SINK_OPS_VERSION,
    .scheme = "sqlite",
    .kinds = (1u << NTC_RECORD_FLOW) | (1u << NTC_RECORD_HOST) | (1u << NTC_RECORD_APP) |
             (1u << NTC_RECORD_CATEGORY) | (1u << NTC_RECORD_ALERT),
    .open = sq_open,
    .write = sq_write,
    .flush = sq_flush,
    .tick = sq_tick,
    .close = sq_close,
};

#else /* !NTC_HAVE_SQLITE */

static int sq_open(void **state, const char *uri, void *user, char *err, size_t errlen)
{
    ntc__fmt(err, errlen, "this libntopcore was built without SQLite");
    return NTC_ENOTSUP;
}
static int sq_write(void *state, ntc_record *const *recs, size_t n, char *err, size_t errlen)
{
    return NTC_ENOTSUP;
}
static void sq_close(void *state)
{
}
const ntc_sink_ops ntc__sink_sqlite = {
    .version = NTC_SINK_OPS_VERSION, .scheme = "sqlite", .open = sq_open, .write = sq_write,
    .close = sq_close};
#endif
