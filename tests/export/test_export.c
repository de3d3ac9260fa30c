/* The field registry, records and the exporter, through the public API: a sink an embedder adds
 * through ntc_sink_ops, back-pressure (full queues drop and count), retries and reconnects,
 * refused batches, close with a dead sink, URI errors, CSV quoting and file rotation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ntopcore/ntopcore.h"
#include "pktgen.h"

/* ---- the registry ---- */


static void registry_names(void **state)
{
    int kinds[] = {NTC_RECORD_FLOW, NTC_RECORD_HOST, NTC_RECORD_APP, NTC_RECORD_CATEGORY,
                   NTC_RECORD_ALERT};
    for (size_t k = 0; k < 5; k++) {
        size_t n = ntc_field_count(kinds[k]);
        assert_true(n > 5);
        for (size_t i = 0; i < n; i++) {
            const ntc_field *f = ntc_field_at(kinds[k], i);
            assert_non_null(f);
            assert_int_equal(ntc_field_find(kinds[k], f->name), (int)i); /* names are unique */
            if (f->type == NTC_FIELD_UINT)
                assert_true(f->bits == 8 || f->bits == 16 || f->bits == 32 || f->bits == 64);
            assert_non_null(f->doc);
        }
        assert_null(ntc_field_at(kinds[k], n));
    }
    assert_int_equal(ntc_field_count(NTC_RECORD_ALERT), 15);
    assert_int_equal(ntc_field_find(NTC_RECORD_FLOW, "NO_SUCH_FIELD"), NTC_ENOKEY);
    /* Every metadata key of a flow is a flow field under the same name. */
    for (int m = 0; m < NTC_META_COUNT; m++)
        if (m != NTC_META_L7_NAME)
            assert_true(ntc_field_find(NTC_RECORD_FLOW, ntc_meta_name(m)) >= 0);
    const ntc_field *f = ntc_field_at(NTC_RECORD_FLOW, (size_t)ntc_field_find(NTC_RECORD_FLOW, "IN_BYTES"));
    assert_int_equal(f->nprobe_id, 1);
    assert_int_equal(f->type, NTC_FIELD_UINT);
}

/* ---- a record of a crafted TCP flow ---- */

typedef struct got_flow {
    ntc_record *rec;
    char json[2048];
} got_flow;

static void keep_flow(void *user, const ntc_flow *f, ntc_flow_end_reason why)
{
    got_flow *g = user;
    assert_int_equal(ntc_record_from_flow(f, &g->rec), 0);
    ntc_flow_format_json(f, 0, g->json, sizeof(g->json));
}

static void record_of_flow(void **state)
{
    ntc_config *cfg = ntc_config_new();
    ntc_config_set(cfg, "dpi.enable", "false");
    ntc_engine *eng;
    assert_int_equal(ntc_engine_new(&eng, cfg), 0);
    got_flow g = {0};
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = keep_flow};
    ntc_engine_set_callbacks(eng, &cb, &g);
    static pg_pkt p;
    pg_init(&p);
    pg_ipv4(&p, PG_IP4(10, 0, 0, 1), PG_IP4(10, 0, 0, 2), NULL);
    pg_tcp(&p, 1234, 80, &(pg_tcp_opt){.flags = PG_SYN, .win = 1000});
    pg_finish(&p);
    assert_int_equal(ntc_engine_ingest(eng, NTC_LINKTYPE_RAW, 1700000000123456ULL, p.data,
                                       (uint32_t)p.len, 0), 0);
    ntc_engine_flush(eng);
    assert_non_null(g.rec);
    ntc_record *r = g.rec;
    assert_int_equal(ntc_record_get_kind(r), NTC_RECORD_FLOW);
    assert_int_equal(ntc_record_time(r), 1700000000123456ULL);
    int src4 = ntc_field_find(NTC_RECORD_FLOW, "IPV4_SRC_ADDR");
    int src6 = ntc_field_find(NTC_RECORD_FLOW, "IPV6_SRC_ADDR");
    int dport = ntc_field_find(NTC_RECORD_FLOW, "L4_DST_PORT");
    int flags = ntc_field_find(NTC_RECORD_FLOW, "TCP_FLAGS");
    int l7 = ntc_field_find(NTC_RECORD_FLOW, "L7_PROTO_NAME");
    int first = ntc_field_find(NTC_RECORD_FLOW, "FIRST_SWITCHED");
    assert_string_equal(ntc_record_get_string(r, (size_t)src4), "10.0.0.1");
    assert_false(ntc_record_has(r, (size_t)src6));
    assert_null(ntc_record_get_string(r, (size_t)src6));
    uint64_t v = 0;
    assert_int_equal(ntc_record_get_uint(r, (size_t)dport, &v), 0);
    assert_int_equal(v, 80);
    assert_int_equal(ntc_record_get_uint(r, (size_t)flags, &v), 0);
    assert_int_equal(v, PG_SYN);
    assert_int_equal(ntc_record_get_uint(r, (size_t)first, &v), 0);
    assert_int_equal(v, 1700000000);
    assert_false(ntc_record_has(r, (size_t)l7)); /* DPI off: no L7 fields */
    assert_int_equal(ntc_record_get_uint(r, (size_t)src4, &v), NTC_ETYPE);
    assert_int_equal(ntc_record_get_uint(r, (size_t)l7, &v), NTC_ENOKEY);
    /* The record's JSON is the flow's JSON. */
    char json[2048];
    assert_int_equal(ntc_record_format_json(r, 0, json, sizeof(json)), (int)strlen(g.json));
    assert_string_equal(json, g.json);
    assert_non_null(strstr(json, "\"IPV4_SRC_ADDR\":\"10.0.0.1\",\"IPV4_DST_ADDR\":\"10.0.0.2\""));
    ntc_record_format_json(r, NTC_JSON_NPROBE_IDS, json, sizeof(json));
    assert_non_null(strstr(json, "{\"8\":\"10.0.0.1\",\"12\":\"10.0.0.2\",\"7\":1234,\"11\":80"));
    ntc_record_release(r);
    ntc_engine_free(eng);
    ntc_config_free(cfg);
}

/* ---- a sink of our own ---- */

typedef struct test_sink {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int gate_closed;        /* write() waits while set */
    int fail_eio;           /* this many writes fail with NTC_EIO */
    int fail_format;        /* every write fails with NTC_EFORMAT */
    int fail_forever;
    uint64_t records, calls, flushes;
    ntc_record *last_first; /* first record of the last batch seen */
    int same_batch_retried;
    int closed;
} test_sink;

static int ts_open(void **state, const char *uri, void *user, char *err, size_t errlen)
{
    *state = user;
    return strstr(uri, "refuse") ? (snprintf(err, errlen, "refused by the test"), NTC_EINVAL) : 0;
}

static int ts_write(void *state, ntc_record *const *recs, size_t n, char *err, size_t errlen)
{
    test_sink *t = state;
    pthread_mutex_lock(&t->mu);
    while (t->gate_closed)
        pthread_cond_wait(&t->cv, &t->mu);
    t->calls++;
    if (t->last_first == recs[0])
        t->same_batch_retried++;
    t->last_first = recs[0];
    int rc = 0;
    if (t->fail_forever || t->fail_eio > 0) {
        t->fail_eio--;
        snprintf(err, errlen, "test server down");
        rc = NTC_EIO;
    } else if (t->fail_format) {
        rc = NTC_EFORMAT;
    } else {
        t->records += n;
    }
    pthread_mutex_unlock(&t->mu);
    return rc;
}

static int ts_flush(void *state, char *err, size_t errlen)
{
    test_sink *t = state;
    pthread_mutex_lock(&t->mu);
    t->flushes++;
    pthread_mutex_unlock(&t->mu);
    return 0;
}

static void ts_close(void *state)
{
    test_sink *t = state;
    t->closed++;
}

static const ntc_sink_ops test_ops = {
    .version = NTC_SINK_OPS_VERSION,
    .scheme = "test",
    .kinds = 1u << NTC_RECORD_APP,
    .open = ts_open,
    .write = ts_write,
    .flush = ts_flush,
    .close = ts_close,
};

static void test_sink_init(test_sink *t)
{
    memset(t, 0, sizeof(*t));
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
}

static ntc_record *app_record(uint16_t id, const char *name)
{
    ntc_app_stats st = {.size = sizeof(st), .id = id, .flows = id, .cli2srv_bytes = 100};
    ntc_record *r = NULL;
    assert_int_equal(ntc_record_from_app(NTC_RECORD_APP, &st, name, 1000, 1700000000000000ULL, &r), 0);
    return r;
}

static void push_apps(ntc_exporter *x, int n)
{
    for (int i = 0; i < n; i++) {
        ntc_record *r = app_record((uint16_t)i, "App");
        ntc_exporter_push(x, r);
        ntc_record_release(r);
    }
}

static ntc_sink_stats stats(ntc_exporter *x, size_t i)
{
    ntc_sink_stats st = {.size = sizeof(st)};
    assert_int_equal(ntc_exporter_get_stats(x, i, &st), 0);
    return st;
}

/* Alert records: the JSON of a record made from an alert is the alert's own JSON
 * (ntc_alert_format_json), for every alert a port scan and a flow with risks raise. */
typedef struct alert_seen {
    int n, mismatches;
} alert_seen;

static void check_alert(void *user, const ntc_alert *a)
{
    alert_seen *s = user;
    char j1[4096], j2[4096];
    int n1 = ntc_alert_format_json(a, j1, sizeof(j1));
    ntc_record *rec = NULL;
    assert_int_equal(ntc_record_from_alert(a, &rec), 0);
    assert_int_equal(ntc_record_get_kind(rec), NTC_RECORD_ALERT);
    int n2 = ntc_record_format_json(rec, 0, j2, sizeof(j2));
    ntc_record_release(rec);
    s->n++;
    if (n1 != n2 || strcmp(j1, j2) != 0) {
        s->mismatches++;
        print_message("alert JSON:  %s\nrecord JSON: %s\n", j1, j2);
    }
}

static void record_of_alert(void **state)
{
    (void)state;
    ntc_config *cfg = ntc_config_new();
    assert_int_equal(ntc_config_set(cfg, "alert.port_scan_threshold", "5"), 0);
    ntc_engine *eng = NULL;
    assert_int_equal(ntc_engine_new(&eng, cfg), 0);
    ntc_config_free(cfg);
    alert_seen seen = {0, 0};
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .alert = check_alert};
    assert_int_equal(ntc_engine_set_callbacks(eng, &cb, &seen), 0);
    static pg_pkt p;
    uint64_t t = 1700000000000000ULL;
    for (int port = 1; port <= 8; port++) { /* SYNs to 8 ports, never answered */
        pg_init(&p);
        pg_ipv4(&p, PG_IP4(10, 0, 0, 1), PG_IP4(10, 0, 0, 2), NULL);
        pg_tcp(&p, 40000, (uint16_t)port, &(pg_tcp_opt){.flags = PG_SYN, .win = 1000});
        pg_finish(&p);
        assert_int_equal(ntc_engine_ingest(eng, NTC_LINKTYPE_RAW, t, p.data, (uint32_t)p.len, 0), 0);
        t += 1000;
    }
    assert_int_equal(ntc_engine_advance(eng, t + 120000000ULL), 0); /* the scan window ends */
    ntc_engine_flush(eng);
    assert_true(seen.n >= 1);
    assert_int_equal(seen.mismatches, 0);
    ntc_engine_free(eng);
}

static void custom_sink(void **state)
{
    test_sink t;
    test_sink_init(&t);
    ntc_exporter *x;
    assert_int_equal(ntc_exporter_new(&x), 0);
    assert_int_equal(ntc_exporter_register(x, &test_ops, &t), 0);
    assert_int_equal(ntc_exporter_add(x, "test:refuse"), NTC_EINVAL);
    assert_non_null(strstr(ntc_exporter_errmsg(x), "refused by the test"));
    assert_int_equal(ntc_exporter_add(x, "test:one?batch=7"), 0);
    push_apps(x, 100);
    /* A record of a kind the sink does not take is not offered to it. */
    ntc_app_stats cs = {.size = sizeof(cs), .id = 5};
    ntc_record *cat = NULL;
    assert_int_equal(ntc_record_from_app(NTC_RECORD_CATEGORY, &cs, "Web", 0, 0, &cat), 0);
    assert_int_equal(ntc_exporter_push(x, cat), 0);
    ntc_record_release(cat);
    assert_int_equal(ntc_exporter_flush(x, 10000), 0);
    ntc_sink_stats st = stats(x, 0);
    assert_int_equal(st.offered, 100);
    assert_int_equal(st.written, 100);
    assert_int_equal(t.records, 100);
    assert_int_equal(st.batches, t.calls);
    assert_true(t.calls >= 15); /* batches of at most 7 */
    assert_true(t.flushes >= 1);
    assert_int_equal(ntc_exporter_close(x, 1000), 0);
    assert_int_equal(t.closed, 1);
    ntc_record *r = app_record(1, "x");
    assert_int_equal(ntc_exporter_push(x, r), NTC_ESTATE);
    ntc_record_release(r);
    ntc_exporter_free(x);
    assert_int_equal(t.closed, 1);
}

/* A blocked sink: the queue fills, later records are dropped and counted, never waited for. */
static void queue_full_drops(void **state)
{
    test_sink t;
    test_sink_init(&t);
    t.gate_closed = 1;
    ntc_exporter *x;
    ntc_exporter_new(&x);
    ntc_exporter_register(x, &test_ops, &t);
    assert_int_equal(ntc_exporter_add(x, "test:q?queue=10&batch=5"), 0);
    int full = 0;
    for (int i = 0; i < 100; i++) {
        ntc_record *r = app_record((uint16_t)i, "App");
        full += ntc_exporter_push(x, r);
        ntc_record_release(r);
    }
    ntc_sink_stats st = stats(x, 0);
    assert_int_equal(st.offered, 100);
    assert_int_equal(st.dropped_full, (uint64_t)full);
    /* At most the queue (10) plus the batch being written (5) were kept. */
    assert_true(st.dropped_full >= 85);
    assert_int_equal(st.queued + st.dropped_full, 100);
    pthread_mutex_lock(&t.mu);
    t.gate_closed = 0;
    pthread_cond_broadcast(&t.cv);
    pthread_mutex_unlock(&t.mu);
    assert_int_equal(ntc_exporter_close(x, 5000), NTC_EIO); /* something was dropped */
    st = stats(x, 0);
    assert_int_equal(st.written + st.dropped_full, 100);
    assert_int_equal(st.written, t.records);
    assert_int_equal(st.dropped_error, 0);
    ntc_exporter_free(x);
}

static void retry_then_reconnect(void **state)
{
    test_sink t;
    test_sink_init(&t);
    t.fail_eio = 3;
    ntc_exporter *x;
    ntc_exporter_new(&x);
    ntc_exporter_register(x, &test_ops, &t);
    assert_int_equal(ntc_exporter_add(x, "test:r?batch=50"), 0);
    push_apps(x, 50);
    assert_int_equal(ntc_exporter_flush(x, 10000), 0);
    ntc_sink_stats st = stats(x, 0);
    assert_int_equal(st.written, 50);
    assert_int_equal(st.errors, 3);
    assert_int_equal(st.reconnects, 1);
    assert_int_equal(st.dropped_error + st.dropped_full, 0);
    assert_int_equal(t.same_batch_retried, 3); /* the same batch came back each time */
    assert_int_equal(ntc_exporter_close(x, 1000), 0);
    ntc_exporter_free(x);
}

static void refused_batch_dropped(void **state)
{
    test_sink t;
    test_sink_init(&t);
    t.fail_format = 1;
    ntc_exporter *x;
    ntc_exporter_new(&x);
    ntc_exporter_register(x, &test_ops, &t);
    ntc_exporter_add(x, "test:f?batch=10");
    push_apps(x, 30);
    assert_int_equal(ntc_exporter_flush(x, 10000), 0);
    ntc_sink_stats st = stats(x, 0);
    assert_int_equal(st.written, 0);
    assert_int_equal(st.dropped_error, 30);
    assert_int_equal(st.errors, t.calls);
    assert_int_equal(st.queued, 0);
    ntc_exporter_free(x);
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A sink whose server never comes back: flush gives up at its deadline, close drops and counts. */
static void close_with_dead_sink(void **state)
{
    test_sink t;
    test_sink_init(&t);
    t.fail_forever = 1;
    ntc_exporter *x;
    ntc_exporter_new(&x);
    ntc_exporter_register(x, &test_ops, &t);
    ntc_exporter_add(x, "test:dead?batch=10");
    push_apps(x, 25);
    uint64_t t0 = mono_ms();
    assert_int_equal(ntc_exporter_flush(x, 300), NTC_EIO);
    assert_non_null(strstr(ntc_exporter_errmsg(x), "not flushed"));
    assert_int_equal(ntc_exporter_close(x, 200), NTC_EIO);
    assert_true(mono_ms() - t0 < 3000);
    ntc_sink_stats st = stats(x, 0);
    assert_int_equal(st.written, 0);
    assert_int_equal(st.dropped_error, 25);
    assert_int_equal(st.queued, 0);
    assert_true(st.errors >= 1);
    ntc_exporter_free(x);
}

static void uri_errors(void **state)
{
    ntc_exporter *x;
    ntc_exporter_new(&x);
    assert_int_equal(ntc_exporter_add(x, "bogus:x"), NTC_ENOTSUP);
    assert_non_null(strstr(ntc_exporter_errmsg(x), "bogus:x"));
    assert_non_null(strstr(ntc_exporter_errmsg(x), "sqlite:"));
    assert_int_equal(ntc_exporter_add(x, "no-scheme"), NTC_EINVAL);
    assert_int_equal(ntc_exporter_add(x, "jsonl:"), NTC_EINVAL);
    assert_int_equal(ntc_exporter_add(x, "jsonl:/tmp/x?bogus=1"), NTC_EINVAL);
    assert_non_null(strstr(ntc_exporter_errmsg(x), "bogus=1"));
    assert_int_equal(ntc_exporter_add(x, "jsonl:/tmp/x?queue=0"), NTC_EINVAL);
    assert_non_null(strstr(ntc_exporter_errmsg(x), "queue"));
    assert_int_equal(ntc_exporter_add(x, "sqlite:/nonexistent-dir/x.db"), NTC_EIO);
    assert_int_equal(ntc_exporter_add(x, "sqlite:/tmp/x.db?max_mb=-1"), NTC_EINVAL);
    assert_int_equal(ntc_exporter_add(x, "clickhouse:ftp://x/"), NTC_EINVAL);
    assert_int_equal(ntc_exporter_add(x, "clickhouse:http://127.0.0.1:1/?table=a;drop"), NTC_EINVAL);
    assert_int_equal(ntc_exporter_sink_count(x), 0);
    ntc_sink_ops bad = test_ops;
    bad.version = NTC_SINK_OPS_VERSION + 1;
    assert_int_equal(ntc_exporter_register(x, &bad, NULL), NTC_EINVAL);
    bad.version = NTC_SINK_OPS_VERSION;
    bad.write = NULL;
    assert_int_equal(ntc_exporter_register(x, &bad, NULL), NTC_EINVAL);
    ntc_exporter_free(x);
}

/* ---- files ---- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void csv_quoting(void **state)
{
    char dir[] = "/tmp/ntc-export-test.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], uri[300];
    snprintf(path, sizeof(path), "%s/apps.csv", dir);
    snprintf(uri, sizeof(uri), "csv:%s", path);
    ntc_exporter *x;
    ntc_exporter_new(&x);
    assert_int_equal(ntc_exporter_add(x, uri), 0);
    ntc_record *r = app_record(7, "a,\"b\"\nc\xff");
    ntc_exporter_push(x, r);
    ntc_record_release(r);
    assert_int_equal(ntc_exporter_close(x, 5000), 0);
    ntc_exporter_free(x);
    const char *text = slurp(path);
    assert_non_null(text);
    assert_string_equal(text,
                        "L7_PROTO,L7_PROTO_NAME,FLOWS,IN_PKTS,IN_BYTES,OUT_PKTS,OUT_BYTES,"
                        "BYTES_PERCENT,TIMESTAMP\n"
                        "7,\"a,\"\"b\"\"\nc\xef\xbf\xbd\",7,0,100,0,0,10.00,1700000000\n");
    unlink(path);
    rmdir(dir);
}

static int count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d)
        closedir(d);
    return n;
}

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

static void rotation(void **state)
{
    char dir[] = "/tmp/ntc-export-test.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char uri[300];
    /* By size: 30000 JSON lines of ~150 bytes make 4.5 MB: files of 1 MB. */
    snprintf(uri, sizeof(uri), "jsonl:%s/size.json?rotate_mb=1", dir);
    ntc_exporter *x;
    ntc_exporter_new(&x);
    assert_int_equal(ntc_exporter_add(x, uri), 0);
    push_apps(x, 30000);
    assert_int_equal(ntc_exporter_close(x, 30000), 0);
    ntc_exporter_free(x);
    /* By time: one record, then another more than a second later: two files. */
    snprintf(uri, sizeof(uri), "csv:%s/time.csv?rotate_s=1", dir);
    ntc_exporter_new(&x);
    assert_int_equal(ntc_exporter_add(x, uri), 0);
    push_apps(x, 1);
    assert_int_equal(ntc_exporter_flush(x, 5000), 0);
    usleep(2300000);
    push_apps(x, 1);
    assert_int_equal(ntc_exporter_close(x, 5000), 0);
    ntc_exporter_free(x);
    int nsize = count_files(dir, "size.json");
    assert_true(nsize >= 4 && nsize <= 6);
    assert_int_equal(count_files(dir, "time.csv"), 2);
    /* Every line is in exactly one file; rotated files are at most ~1 MB. */
    DIR *d = opendir(dir);
    struct dirent *e;
    long lines = 0;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "size.json", 9) != 0)
            continue;
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        FILE *f = fopen(p, "r");
        int c;
        long bytes = 0;
        while ((c = fgetc(f)) != EOF) {
            lines += c == '\n';
            bytes++;
        }
        fclose(f);
        assert_true(bytes < 1001000);
    }
    closedir(d);
    assert_int_equal(lines, 30000);
    rm_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registry_names),
        cmocka_unit_test(record_of_flow),
        cmocka_unit_test(record_of_alert),
        cmocka_unit_test(custom_sink),
        cmocka_unit_test(queue_full_drops),
        cmocka_unit_test(retry_then_reconnect),
        cmocka_unit_test(refused_batch_dropped),
        cmocka_unit_test(close_with_dead_sink),
        cmocka_unit_test(uri_errors),
        cmocka_unit_test(csv_quoting),
        cmocka_unit_test(rotation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
