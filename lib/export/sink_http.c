/* HTTP sinks, through libcurl:
 *
 * clickhouse:http://HOST:PORT/?table=NAME[&database=DB][&user=U&password=P][&timeout_ms=N]
 *   Batched INSERT INTO NAME FORMAT JSONEachRow. The table is created when missing (MergeTree,
 *   partitioned by day of FIRST_SWITCHED, ordered by time and addresses), column types from the
 *   field registry; hosts go to NAME_hosts, applications to NAME_apps, categories to
 *   NAME_categories. Fields a record lacks take the column default (0 or ''). IPv4 addresses
 *   are UInt32 columns (IPv4NumToString() reads them), IPv6 addresses String (ClickHouse 18.16,
 *   Debian's, has no IPv4/IPv6 types).
 *
 * es:http://HOST:PORT/_bulk?index=PATTERN[&timeout_ms=N]
 *   Elasticsearch/OpenSearch bulk API: an "index" action per record into the index named by
 *   PATTERN (strftime fields, from the record's time in UTC; default ntop-%Y.%m.%d; hosts go to
 *   PATTERN_hosts, ...), the document being the record's JSON plus "@timestamp".
 *
 * Connection failures, HTTP 429 and 5xx answers are retried (NTC_EIO: the exporter pauses and
 * offers the batch again, libcurl reconnects); other answers drop the batch with the server's
 * message, as does a 5xx answer repeated for the same batch three times (a batch the server
 * cannot take). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export/export_int.h"
#include "ntopcore/error.h"
#include "util/util.h"

#ifdef NTC_HAVE_CURL
#include <curl/curl.h>

#define NKINDS 6

typedef struct hsink {
    int es;
    CURL *curl;
    char base[2048];     /* http://HOST:PORT/ (ClickHouse) or the whole bulk URL (es) */
    char name[256];      /* table (ClickHouse) or index pattern (es) */
    char database[128];
    char user[128], password[128];
    long timeout_ms;
    int created[NKINDS];
    int answered_failures; /* consecutive 5xx answers for one batch */
    ntc__sbuf body, resp, url;
} hsink;

static const char *kind_suffix(int kind)
{
    switch (kind) {
    case NTC_RECORD_FLOW: return "";
    case NTC_RECORD_HOST: return "_hosts";
    case NTC_RECORD_APP: return "_apps";
    case NTC_RECORD_CATEGORY: return "_categories";
    case NTC_RECORD_ALERT: return "_alerts";
    default: return NULL;
    }
}

static size_t on_data(char *p, size_t size, size_t n, void *user)
{
    ntc__sbuf *r = user;
    size_t len = size * n;
    if (r->len < 4096)
        ntc__sbuf_put(r, p, NTC__MIN(len, 4096 - r->len));
    return len;
}

static void http_close(void *state)
{
    hsink *s = state;
    if (!s)
        return;
    if (s->curl)
        curl_easy_cleanup(s->curl);
    ntc__sbuf_free(&s->body);
    ntc__sbuf_free(&s->resp);
    ntc__sbuf_free(&s->url);
    free(s);
}

static int http_open(void **state, const char *uri, int es, char *err, size_t errlen)
{
    static const char *const known_ch[] = {"table", "database", "user", "password", "timeout_ms",
                                           NULL};
    static const char *const known_es[] = {"index", "timeout_ms", NULL};
    if (ntc__uri_check_opts(uri, es ? known_es : known_ch, err, errlen))
        return NTC_EINVAL;
    hsink *s = calloc(1, sizeof(*s));
    if (!s)
        return NTC_ENOMEM;
    s->es = es;
    s->body = ntc__sbuf_growing(NULL, 0);
    s->resp = ntc__sbuf_growing(NULL, 0);
    s->url = ntc__sbuf_growing(NULL, 0);
    if (ntc__uri_body(uri, s->base, sizeof(s->base)) ||
        (strncmp(s->base, "http://", 7) != 0 && strncmp(s->base, "https://", 8) != 0)) {
        ntc__fmt(err, errlen, "want %s", es ? "es:http://HOST:PORT/_bulk?index=PATTERN"
                                            : "clickhouse:http://HOST:PORT/?table=NAME");
        http_close(s);
        return NTC_EINVAL;
    }
    uint64_t timeout = 10000;
    if (ntc__uri_opt_u64(uri, "timeout_ms", 100, 600000, &timeout, err, errlen)) {
        http_close(s);
        return NTC_EINVAL;
    }
    s->timeout_ms = (long)timeout;
    snprintf(s->name, sizeof(s->name), "%s", es ? "ntop-%Y.%m.%d" : "ntop_flows");
    ntc__uri_opt(uri, es ? "index" : "table", s->name, sizeof(s->name));
    ntc__uri_opt(uri, "database", s->database, sizeof(s->database));
    ntc__uri_opt(uri, "user", s->user, sizeof(s->user));
    ntc__uri_opt(uri, "password", s->password, sizeof(s->password));
    if (!s->name[0]) {
        ntc__fmt(err, errlen, "empty %s name", es ? "index" : "table");
        http_close(s);
        return NTC_EINVAL;
    }
    if (!es) {
        /* Names are pasted into SQL: plain identifiers only. */
        for (const char *p = s->name; *p; p++)
            if (!(*p == '_' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
                  (*p >= 'A' && *p <= 'Z'))) {
                ntc__fmt(err, errlen, "table name '%s': letters, digits and '_' only", s->name);
                http_close(s);
                return NTC_EINVAL;
            }
        for (const char *p = s->database; *p; p++)
            if (!(*p == '_' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
                  (*p >= 'A' && *p <= 'Z'))) {
                ntc__fmt(err, errlen, "database name '%s': letters, digits and '_' only",
                         s->database);
                http_close(s);
                return NTC_EINVAL;
            }
    }
    s->curl = curl_easy_init();
    if (!s->curl) {
        ntc__fmt(err, errlen, "cannot start libcurl");
        http_close(s);
        return NTC_ENOMEM;
    }
    *state = s;
    return 0;
}

static int ch_open(void **state, const char *uri, void *user, char *err, size_t errlen)
{
    return http_open(state, uri, 0, err, errlen);
}

static int es_open(void **state, const char *uri, void *user, char *err, size_t errlen)
{
    return http_open(state, uri, 1, err, errlen);
}

/* POST body to url. 0 on a 2xx answer (the answer in s->resp), NTC_EIO for a failure worth
 * retrying, NTC_EFORMAT otherwise. */
static int post(hsink *s, const char *url, const char *ctype, const char *body, size_t len,
                char *err, size_t errlen)
{
    CURL *c = s->curl;
    struct curl_slist *hdr = NULL;
    char h[96];
    snprintf(h, sizeof(h), "Content-Type: %s", ctype);
    hdr = curl_slist_append(hdr, h);
    s->resp.len = 0;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, NTC__MIN(s->timeout_ms, 3000L));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s->resp);
    CURLcode cc = curl_easy_perform(c);
    curl_slist_free_all(hdr);
    ntc__sbuf_finish(&s->resp);
    if (cc != CURLE_OK) {
        ntc__fmt(err, errlen, "%s", curl_easy_strerror(cc));
        s->answered_failures = 0;
        return NTC_EIO;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
        s->answered_failures = 0;
        return 0;
    }
    /* The server's message, on one line. */
    char msg[300];
    size_t m = 0;
    for (size_t i = 0; i < s->resp.len && m + 1 < sizeof(msg); i++)
        msg[m++] = s->resp.buf[i] == '\n' || s->resp.buf[i] == '\r' ? ' ' : s->resp.buf[i];
    while (m && msg[m - 1] == ' ')
        m--;
    msg[m] = 0;
    ntc__fmt(err, errlen, "HTTP %ld: %s", status, msg);
    if (status == 429 || status >= 500) {
        if (++s->answered_failures < 3)
            return NTC_EIO;
        s->answered_failures = 0;
    }
    return NTC_EFORMAT;
}

/* ---- ClickHouse ---- */

static const char *ch_type(const ntc_field *f)
{
    switch (f->type) {
    case NTC_FIELD_UINT:
        return f->bits <= 8 ? "UInt8" : f->bits <= 16 ? "UInt16" : f->bits <= 32 ? "UInt32" : "UInt64";
    case NTC_FIELD_TIME:
        return f->bits <= 32 ? "DateTime" : "UInt64";
    case NTC_FIELD_IPV4:
        return "UInt32";
    case NTC_FIELD_FLOAT:
        return "Float64";
    default:
        return "String";
    }
}

/* The table's time column (partition and first ordering key) and further ordering keys. */
static void ch_keys(int kind, const char **time_col, const char **order)
{
    switch (kind) {
    case NTC_RECORD_FLOW:
        *time_col = "FIRST_SWITCHED";
        *order = "FIRST_SWITCHED, IPV4_SRC_ADDR, IPV4_DST_ADDR, IPV6_SRC_ADDR, IPV6_DST_ADDR";
        break;
    case NTC_RECORD_HOST:
        *time_col = "FIRST_SEEN";
        *order = "FIRST_SEEN, IP_ADDR";
        break;
    default:
        *time_col = "TIMESTAMP";
        *order = "TIMESTAMP, L7_PROTO_NAME";
        break;
    }
    if (kind == NTC_RECORD_CATEGORY)
        *order = "TIMESTAMP, L7_PROTO_CATEGORY";
    if (kind == NTC_RECORD_ALERT) {
        *time_col = "ALERT_TIME";
        *order = "ALERT_TIME, ALERT_TYPE";
    }
}

static void url_param(hsink *s, const char *key, const char *value, int *first)
{
    char *v = curl_easy_escape(s->curl, value, 0);
    ntc__sbuf_printf(&s->url, "%s%s=%s", *first ? "?" : "&", key, v ? v : "");
    curl_free(v);
    *first = 0;
}

/* The server's URL, with the credentials and the query (when given) as parameters. */
static void ch_url(hsink *s, const char *query)
{
    int first = 1;
    s->url.len = 0;
    ntc__sbuf_printf(&s->url, "%s", s->base);
    if (s->user[0]) {
        url_param(s, "user", s->user, &first);
        url_param(s, "password", s->password, &first);
    }
    if (query)
        url_param(s, "query", query, &first);
    ntc__sbuf_finish(&s->url);
}

static void ch_table(hsink *s, int kind, ntc__sbuf *q)
{
    if (s->database[0])
        ntc__sbuf_printf(q, "%s.", s->database);
    ntc__sbuf_printf(q, "%s%s", s->name, kind_suffix(kind));
}

static int ch_create(hsink *s, int kind, char *err, size_t errlen)
{
    size_t n;
    const ntc__field_def *d = ntc__registry(kind, &n);
    const char *time_col, *order;
    ch_keys(kind, &time_col, &order);
    ntc__sbuf q = ntc__sbuf_growing(NULL, 0);
    ntc__sbuf_printf(&q, "CREATE TABLE IF NOT EXISTS ");
    ch_table(s, kind, &q);
    ntc__sbuf_put(&q, " (", 2);
    for (size_t i = 0; i < n; i++)
        ntc__sbuf_printf(&q, "%s%s %s", i ? ", " : "", d[i].pub.name, ch_type(&d[i].pub));
    ntc__sbuf_printf(&q, ") ENGINE = MergeTree() PARTITION BY toYYYYMMDD(%s) ORDER BY (%s)",
                     time_col, order);
    ntc__sbuf_finish(&q);
    int rc = NTC_ENOMEM;
    if (!q.oom) {
        ch_url(s, NULL); /* the statement goes in the body */
        rc = post(s, s->url.buf, "text/plain", q.buf, q.len, err, errlen);
    }
    ntc__sbuf_free(&q);
    return rc;
}

/* One record as a JSONEachRow object: absent fields left out (column defaults), IPv4 as numbers. */
static void ch_row(ntc__sbuf *b, const ntc_record *r)
{
    size_t n;
    const ntc__field_def *d = ntc__registry(r->kind, &n);
    int first = 1;
    ntc__sbuf_put(b, "{", 1);
    for (size_t i = 0; i < n; i++) {
        if (!r->slot[i])
            continue;
        const ntc__rval *v = &r->vals[r->slot[i] - 1];
        const ntc_field *f = &d[i].pub;
        ntc__sbuf_printf(b, "%s\"%s\":", first ? "" : ",", f->name);
        first = 0;
        if (f->type == NTC_FIELD_IPV4) {
            struct in_addr a;
            uint32_t u = inet_pton(AF_INET, r->str + v->u, &a) == 1 ? ntohl(a.s_addr) : 0;
            ntc__sbuf_printf(b, "%" PRIu32, u);
        } else if (ntc__field_is_text(f->type)) {
            ntc__json_str(b, r->str + v->u, v->len);
        } else if (f->type == NTC_FIELD_FLOAT) {
            ntc__sbuf_printf(b, "%.*f", f->decimals, ntc__u2f(v->u));
        } else {
            ntc__sbuf_printf(b, "%" PRIu64, v->u);
        }
    }
    ntc__sbuf_put(b, "}\n", 2);
}

static int ch_write(void *state, ntc_record *const *recs, size_t n, char *err, size_t errlen)
{
    hsink *s = state;
    /* One INSERT per record kind present in the batch. */
    for (int k = 1; k < NKINDS; k++) {
        if (!kind_suffix(k) || ntc_field_count(k) == 0)
            continue;
        s->body.len = 0;
        size_t rows = 0;
        for (size_t i = 0; i < n; i++)
            if (recs[i]->kind == k) {
                ch_row(&s->body, recs[i]);
                rows++;
            }
        if (!rows)
            continue;
        if (s->body.oom) {
            ntc__fmt(err, errlen, "out of memory");
            s->body.oom = 0;
            return NTC_ENOMEM;
        }
        int rc;
        if (!s->created[k]) {
            if ((rc = ch_create(s, k, err, errlen)) != 0)
                return rc;
            s->created[k] = 1;
        }
        ntc__sbuf q = ntc__sbuf_growing(NULL, 0);
        ntc__sbuf_printf(&q, "INSERT INTO ");
        ch_table(s, k, &q);
        ntc__sbuf_printf(&q, " FORMAT JSONEachRow");
        ntc__sbuf_finish(&q);
        ch_url(s, q.oom ? "" : q.buf);
        ntc__sbuf_free(&q);
        rc = post(s, s->url.buf, "application/x-ndjson", s->body.buf, s->body.len, err, errlen);
        if (rc) {
            /* The server may have lost its tables (restarted empty): create them again. */
            memset(s->created, 0, sizeof(s->created));
            return rc;
        }
    }
    return 0;
}

/* ---- Elasticsearch ---- */

static int es_write(void *state, ntc_record *const *recs, size_t n, char *err, size_t errlen)
{
    hsink *s = state;
    s->body.len = 0;
    for (size_t i = 0; i < n; i++) {
        const ntc_record *r = recs[i];
        const char *suffix = kind_suffix(r->kind);
        if (!suffix)
            continue;
        time_t t = (time_t)(r->time_us / 1000000);
        struct tm tm;
        gmtime_r(&t, &tm);
        char index[300], stamp[32];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        size_t il = strftime(index, sizeof(index), s->name, &tm); /* the user's index pattern */
#pragma GCC diagnostic pop
        if (il == 0)
            snprintf(index, sizeof(index), "ntop");
        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
        ntc__sbuf_put(&s->body, "{\"index\":{\"_index\":", 19);
        char full[320];
        snprintf(full, sizeof(full), "%s%s", index, suffix);
        ntc__json_str(&s->body, full, strlen(full));
        ntc__sbuf_put(&s->body, "}}\n", 3);
        size_t start = s->body.len;
        ntc__record_json(r, 0, &s->body);
        if (!s->body.oom && s->body.len > start + 2) {
            s->body.len--; /* the closing brace */
            ntc__sbuf_printf(&s->body, ",\"@timestamp\":\"%s\"}", stamp);
        }
        ntc__sbuf_put(&s->body, "\n", 1);
    }
    if (s->body.oom) {
        s->body.oom = 0;
        ntc__fmt(err, errlen, "out of memory");
        return NTC_ENOMEM;
    }
    if (!s->body.len)
        return 0;
    int rc = post(s, s->base, "application/x-ndjson", s->body.buf, s->body.len, err, errlen);
    if (rc)
        return rc;
    /* HTTP 200 with "errors":true: some documents were refused. */
    if (s->resp.len && strstr(s->resp.buf, "\"errors\":true")) {
        size_t bad = 0;
        for (const char *p = s->resp.buf; (p = strstr(p, "\"error\":")) != NULL; p++)
            bad++;
        const char *first = strstr(s->resp.buf, "\"error\":");
        ntc__fmt(err, errlen, "the server refused %zu of %zu documents%s%.200s",
                 bad, n, first ? ": " : "", first ? first : "");
        return NTC_EFORMAT;
    }
    return 0;
}

const ntc_sink_ops ntc__sink_clickhouse = {
    .version = NTC_SINK_OPS_VERSION,
    .scheme = "clickhouse",
    .kinds = (1u << NTC_RECORD_FLOW) | (1u << NTC_RECORD_HOST) | (1u << NTC_RECORD_APP) |
             (1u << NTC_RECORD_CATEGORY) | (1u << NTC_RECORD_ALERT),
    .open = ch_open,
    .write = ch_write,
    .close = http_close,
    .default_batch = 10000, /* every INSERT makes a part on disk: fewer, bigger ones */
};

const ntc_sink_ops ntc__sink_es = {
    .version = NTC_SINK_OPS_VERSION,
    .scheme = "es",
    .kinds = (1u << NTC_RECORD_FLOW) | (1u << NTC_RECORD_HOST) | (1u << NTC_RECORD_APP) |
             (1u << NTC_RECORD_CATEGORY) | (1u << NTC_RECORD_ALERT),
    .open = es_open,
    .write = es_write,
    .close = http_close,
};

#else /* !NTC_HAVE_CURL */

static int no_open(void **state, const char *uri, void *user, char *err, size_t errlen)
{
    ntc__fmt(err, errlen, "this libntopcore was built without libcurl (HTTP outputs)");
    return NTC_ENOTSUP;
}
static int no_write(void *state, ntc_record *const *recs, size_t n, char *err, size_t errlen)
{
    return NTC_ENOTSUP;
}
static void no_close(void *state)
{
}
const ntc_sink_ops ntc__sink_clickhouse = {
    .version = NTC_SINK_OPS_VERSION, .scheme = "clickhouse", .open = no_open, .write = no_write,
    .close = no_close};
const ntc_sink_ops ntc__sink_es = {
    .version = NTC_SINK_OPS_VERSION, .scheme = "es", .open = no_open, .write = no_write,
    .close = no_close};
#endif
