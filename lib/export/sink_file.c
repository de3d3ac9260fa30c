/* File sinks: jsonl:PATH|- (one JSON object per line) and csv:PATH (header line, one row per
 * record, the registry's fields as columns), with rotation by size (rotate_mb=N) or time
 * (rotate_s=N). A rotated file is renamed PATH.YYYYMMDDTHHMMSSZ (UTC, with .1, .2, ... if taken)
 * and a new PATH is started. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "export/export_int.h"
#include "ntopcore/error.h"
#include "util/util.h"

typedef struct fsink {
    int csv;
    int to_stdout;
    unsigned json_flags;
    char path[4096];
    FILE *f;
    uint64_t bytes;       /* written to the current file */
    uint64_t opened_us;   /* wall time the current file was started */
    uint64_t rotate_bytes, rotate_us;
    int kind;             /* csv: the record kind of the header (0: none written yet) */
    ntc__sbuf line;
    char stack[4096];
} fsink;

static int fsink_open_file(fsink *s, char *err, size_t errlen)
{
    s->f = fopen(s->path, "w");
    if (!s->f) {
        ntc__fmt(err, errlen, "cannot write %s: %s", s->path, strerror(errno));
        return NTC_EIO;
    }
    s->bytes = 0;
    s->kind = 0;
    s->opened_us = ntc__wall_us();
    return 0;
}

static int file_open(void **state, const char *uri, int csv, char *err, size_t errlen)
{
    static const char *const known_json[] = {"rotate_mb", "rotate_s", "format", NULL};
    static const char *const known_csv[] = {"rotate_mb", "rotate_s", NULL};
    if (ntc__uri_check_opts(uri, csv ? known_csv : known_json, err, errlen))
        return NTC_EINVAL;
    fsink *s = calloc(1, sizeof(*s));
    if (!s)
        return NTC_ENOMEM;
    s->csv = csv;
    s->line = ntc__sbuf_growing(s->stack, sizeof(s->stack));
    uint64_t mb = 0, secs = 0;
    char fmt[16] = "names";
    if (ntc__uri_body(uri, s->path, sizeof(s->path))) {
        ntc__fmt(err, errlen, "missing path (%s)", csv ? "csv:PATH" : "jsonl:PATH, or jsonl:- for stdout");
        free(s);
        return NTC_EINVAL;
    }
    if (ntc__uri_opt_u64(uri, "rotate_mb", 1, 1000000, &mb, err, errlen) ||
        ntc__uri_opt_u64(uri, "rotate_s", 1, 100000000, &secs, err, errlen)) {
        free(s);
        return NTC_EINVAL;
    }
    ntc__uri_opt(uri, "format", fmt, sizeof(fmt));
    if (strcmp(fmt, "nprobe") == 0) {
        s->json_flags = NTC_JSON_NPROBE_IDS;
    } else if (strcmp(fmt, "names") != 0) {
        ntc__fmt(err, errlen, "option format=%s: want names or nprobe", fmt);
        free(s);
        return NTC_EINVAL;
    }
    s->rotate_bytes = mb * 1000000;
    s->rotate_us = secs * 1000000;
    if (!csv && strcmp(s->path, "-") == 0) {
        if (mb || secs) {
            ntc__fmt(err, errlen, "standard output cannot be rotated");
            free(s);
            return NTC_EINVAL;
        }
        s->to_stdout = 1;
        s->f = stdout;
        *state = s;
        return 0;
    }
    int rc = fsink_open_file(s, err, errlen);
    if (rc) {
        free(s);
        return rc;
    }
    *state = s;
    return 0;
}

static int jsonl_open(void **state, const char *uri, void *user, char *err, size_t errlen)
{
    return file_open(state, uri, 0, err, errlen);
}

static int csv_open(void **state, const char *uri, void *user, char *err, size_t errlen)
{
    return file_open(state, uri, 1, err, errlen);
}

static int rotate(fsink *s, char *err, size_t errlen)
{
    if (fclose(s->f) != 0) {
        s->f = NULL;
        ntc__fmt(err, errlen, "write error on %s: %s", s->path, strerror(errno));
        return NTC_EIO;
    }
    s->f = NULL;
    char stamp[32], dest[4200];
    time_t t = (time_t)(ntc__wall_us() / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    snprintf(dest, sizeof(dest), "%s.%s", s->path, stamp);
    for (int i = 1; access(dest, F_OK) == 0 && i < 1000; i++)
        snprintf(dest, sizeof(dest), "%s.%s.%d", s->path, stamp, i);
    if (rename(s->path, dest) != 0) {
        ntc__fmt(err, errlen, "cannot rotate %s: %s", s->path, strerror(errno));
        return NTC_EIO;
    }
    return fsink_open_file(s, err, errlen);
}

/* A CSV cell: quoted when it holds a comma, quote, CR or LF (RFC 4180), valid UTF-8. */
static void csv_cell(ntc__sbuf *b, const char *p, size_t n)
{
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = p[i] == ',' || p[i] == '"' || p[i] == '\r' || p[i] == '\n';
    if (!quote) {
        ntc__utf8_clean(b, p, n);
        return;
    }
    ntc__sbuf_put(b, "\"", 1);
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"') {
            ntc__utf8_clean(b, p + start, i + 1 - start);
            ntc__sbuf_put(b, "\"", 1);
            start = i + 1;
        }
    }
    ntc__utf8_clean(b, p + start, n - start);
    ntc__sbuf_put(b, "\"", 1);
}

static void csv_header(ntc__sbuf *b, int kind)
{
    size_t n;
    const ntc__field_def *d = ntc__registry(kind, &n);
    for (size_t i = 0; i < n; i++) {
        if (i)
            ntc__sbuf_put(b, ",", 1);
        ntc__sbuf_put(b, d[i].pub.name, strlen(d[i].pub.name));
    }
    ntc__sbuf_put(b, "\n", 1);
}

static void csv_row(ntc__sbuf *b, const ntc_record *r)
{
    size_t n;
    const ntc__field_def *d = ntc__registry(r->kind, &n);
    for (size_t i = 0; i < n; i++) {
        if (i)
            ntc__sbuf_put(b, ",", 1);
        if (!r->slot[i])
            continue;
        const ntc__rval *v = &r->vals[r->slot[i] - 1];
        if (ntc__field_is_text(d[i].pub.type))
            csv_cell(b, r->str + v->u, v->len);
        else if (d[i].pub.type == NTC_FIELD_FLOAT)
            ntc__sbuf_printf(b, "%.*f", d[i].pub.decimals, ntc__u2f(v->u));
        else
            ntc__sbuf_printf(b, "%llu", (unsigned long long)v->u);
    }
    ntc__sbuf_put(b, "\n", 1);
}

static int file_write(void *state, ntc_record *const *recs, size_t n, char *err, size_t errlen)
{
    fsink *s = state;
    if (!s->f) { /* a failed rotation: try again */
        int rc = fsink_open_file(s, err, errlen);
        if (rc)
            return rc;
    }
    int other_kind = 0;
    for (size_t i = 0; i < n; i++) {
        s->line.len = 0;
        if (s->csv) {
            if (!s->kind) {
                s->kind = recs[i]->kind;
                csv_header(&s->line, s->kind);
            } else if (recs[i]->kind != s->kind) {
                other_kind++;
                continue;
            }
            csv_row(&s->line, recs[i]);
        } else {
            ntc__record_json(recs[i], s->json_flags, &s->line);
            ntc__sbuf_put(&s->line, "\n", 1);
        }
        if (s->line.oom) {
            ntc__fmt(err, errlen, "out of memory");
            return NTC_ENOMEM;
        }
        if (fwrite(s->line.buf, 1, s->line.len, s->f) != s->line.len) {
            ntc__fmt(err, errlen, "write error on %s: %s", s->to_stdout ? "standard output" : s->path,
                     strerror(errno));
            clearerr(s->f);
            return NTC_EIO;
        }
        s->bytes += s->line.len;
        if (s->rotate_bytes && s->bytes >= s->rotate_bytes) {
            int rc = rotate(s, err, errlen);
            if (rc)
                return rc;
        }
    }
    /* Once per batch: the lines are visible (a live capture on stdout is read as it goes), and a
     * full disk or a closed pipe shows here, where it is counted, rather than at close. */
    if (fflush(s->f) != 0) {
        ntc__fmt(err, errlen, "write error on %s: %s", s->to_stdout ? "standard output" : s->path,
                 strerror(errno));
        clearerr(s->f);
        return NTC_EIO;
    }
    if (other_kind) {
        ntc__fmt(err, errlen, "a CSV file holds one record kind: %d record(s) of another kind skipped",
                 other_kind);
        return NTC_EINVAL;
    }
    return 0;
}

static int file_flush(void *state, char *err, size_t errlen)
{
    fsink *s = state;
    if (s->f && fflush(s->f) != 0) {
        ntc__fmt(err, errlen, "write error on %s: %s", s->to_stdout ? "standard output" : s->path,
                 strerror(errno));
        return NTC_EIO;
    }
    return 0;
}

static int file_tick(void *state, uint64_t now_us, char *err, size_t errlen)
{
    fsink *s = state;
    if (s->f && !s->to_stdout && s->rotate_us && now_us - s->opened_us >= s->rotate_us && s->bytes)
        return rotate(s, err, errlen);
    return 0;
}

static void file_close(void *state)
{
    fsink *s = state;
    if (!s)
        return;
    if (s->f && !s->to_stdout)
        fclose(s->f);
    else if (s->f)
        fflush(s->f);
    ntc__sbuf_free(&s->line);
    free(s);
}

const ntc_sink_ops ntc__sink_jsonl = {
    .version = NTC_SINK_OPS_VERSION,
    .scheme = "jsonl",
    .kinds = 0,
    .open = jsonl_open,
    .write = file_write,
    .flush = file_flush,
    .tick = file_tick,
    .close = file_close,
};

const ntc_sink_ops ntc__sink_csv = {
    .version = NTC_SINK_OPS_VERSION,
    .scheme = "csv",
    .kinds = 0,
    .open = csv_open,
    .write = file_write,
    .flush = file_flush,
    .tick = file_tick,
    .close = file_close,
};
