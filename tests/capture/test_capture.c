/* Unit tests of lib/capture: capture files (pcap, pcapng) written by the test itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/capture.h"
#include "ntopcore/error.h"

/* ---- a tiny pcap / pcapng writer --------------------------------------------------------------- */

#define PATHLEN 512
static char tmpdir[200];

static void make_path(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", tmpdir, name);
}

typedef struct wpkt {
    uint64_t ts;          /* in the file's time unit (µs or ns) */
    const uint8_t *data;
    uint32_t caplen;
    uint32_t wirelen;
} wpkt;

static void put32(FILE *f, uint32_t v) { assert_int_equal(fwrite(&v, 4, 1, f), 1); }
static void put16(FILE *f, uint16_t v) { assert_int_equal(fwrite(&v, 2, 1, f), 1); }

/* Classic pcap, native byte order. nano: nanosecond magic. */
static void write_pcap(const char *path, uint32_t linktype, int nano, const wpkt *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    uint32_t div = nano ? 1000000000u : 1000000u;
    size_t i;

    assert_non_null(f);
    put32(f, nano ? 0xa1b23c4du : 0xa1b2c3d4u);
    put16(f, 2);
    put16(f, 4);
    put32(f, 0);
    put32(f, 0);
    put32(f, 65535);
    put32(f, linktype);
    for (i = 0; i < n; i++) {
        put32(f, (uint32_t)(p[i].ts / div));
        put32(f, (uint32_t)(p[i].ts % div));
        put32(f, p[i].caplen);
        put32(f, p[i].wirelen);
        if (p[i].caplen)
            assert_int_equal(fwrite(p[i].data, 1, p[i].caplen, f), p[i].caplen);
    }
    assert_int_equal(fclose(f), 0);
}

/* pcapng: SHB, one IDB (if_tsresol 6 or 9), EPBs. */
static void write_pcapng(const char *path, uint16_t linktype, int nano, const wpkt *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    static const uint8_t zero[4];
    size_t i;

    assert_non_null(f);
    /* Section Header Block */
    put32(f, 0x0A0D0D0Au);
    put32(f, 28);
    put32(f, 0x1A2B3C4Du);
    put16(f, 1);
    put16(f, 0);
    put32(f, 0xffffffffu);
    put32(f, 0xffffffffu);
    put32(f, 28);
    /* Interface Description Block with if_tsresol */
    put32(f, 1);
    put32(f, 32);
    put16(f, linktype);
    put16(f, 0);
    put32(f, 65535);
    put16(f, 9);          /* if_tsresol */
    put16(f, 1);
    assert_int_equal(fwrite((uint8_t[4]){(uint8_t)(nano ? 9 : 6), 0, 0, 0}, 1, 4, f), 4);
    put16(f, 0);          /* opt_endofopt */
    put16(f, 0);
    put32(f, 32);
    for (i = 0; i < n; i++) {
        uint32_t pad = (4 - (p[i].caplen & 3)) & 3;
        uint32_t blen = 32 + p[i].caplen + pad;
        put32(f, 6);
        put32(f, blen);
        put32(f, 0);
        put32(f, (uint32_t)(p[i].ts >> 32));
        put32(f, (uint32_t)p[i].ts);
        put32(f, p[i].caplen);
        put32(f, p[i].wirelen);
        if (p[i].caplen)
            assert_int_equal(fwrite(p[i].data, 1, p[i].caplen, f), p[i].caplen);
        if (pad)
            assert_int_equal(fwrite(zero, 1, pad, f), pad);
        put32(f, blen);
    }
    assert_int_equal(fclose(f), 0);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len)
        assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    long sz;
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    sz = ftell(f);
    fclose(f);
    return sz;
}

static void truncate_to(const char *path, long size)
{
    assert_int_equal(truncate(path, size), 0);
}

/* ---- frames ----------------------------------------------------------------------------------- */

/* Ethernet + IPv4 + UDP with 4 payload bytes; tag goes into the payload. 46 bytes. */
#define UDP_FRAME_LEN 46
static void udp_frame(uint8_t *f, uint16_t sport, uint16_t dport, uint32_t tag)
{
    static const uint8_t head[14 + 20] = {
        0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
        0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
    memcpy(f, head, sizeof(head));
    f[34] = (uint8_t)(sport >> 8);
    f[35] = (uint8_t)sport;
    f[36] = (uint8_t)(dport >> 8);
    f[37] = (uint8_t)dport;
    f[38] = 0;
    f[39] = 12;
    f[40] = 0;
    f[41] = 0;
    memcpy(f + 42, &tag, 4);
}

/* ---- collecting packets ----------------------------------------------------------------------- */

#define MAXGOT 4096
typedef struct got_pkt {
    uint64_t ts;
    uint32_t caplen, wirelen;
    int linktype;
    uint8_t data[64];
} got_pkt;

typedef struct collector {
    got_pkt p[MAXGOT];
    size_t n;
} collector;

static void collect(void *user, const ntc__cap_pkt *pkt)
{
    collector *c = user;
    got_pkt *g;

    assert_true(c->n < MAXGOT);
    g = &c->p[c->n++];
    g->ts = pkt->ts_us;
    g->caplen = pkt->caplen;
    g->wirelen = pkt->wirelen;
    g->linktype = pkt->linktype;
    memset(g->data, 0, sizeof(g->data));
    memcpy(g->data, pkt->data, pkt->caplen < sizeof(g->data) ? pkt->caplen : sizeof(g->data));
}

static uint32_t tag_of(const got_pkt *g)
{
    uint32_t t;
    memcpy(&t, g->data + 42, 4);
    return t;
}

/* Poll until EOF with a budget; returns the last return code. */
static int drain(ntc__capture *cap, unsigned budget, collector *c, char *err, size_t errlen)
{
    int rc;
    do {
        rc = ntc__capture_poll(cap, 0, budget, collect, c, err, errlen);
        if (rc >= 0)
            assert_true((unsigned)rc <= budget);
    } while (rc >= 0);
    return rc;
}

static collector *new_collector(void)
{
    collector *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    return c;
}

/* A file of `n` UDP frames with tags base+i, at times ts[i] (µs). */
static void write_tagged(const char *path, int ng, const uint64_t *ts, size_t n, uint32_t base)
{
    uint8_t frames[64][UDP_FRAME_LEN];
    wpkt p[64];
    size_t i;

    assert_true(n <= 64);
    for (i = 0; i < n; i++) {
        udp_frame(frames[i], 1000, 2000, base + (uint32_t)i);
        p[i].ts = ts[i];
        p[i].data = frames[i];
        p[i].caplen = p[i].wirelen = UDP_FRAME_LEN;
    }
    if (ng)
        write_pcapng(path, 1, 0, p, n);
    else
        write_pcap(path, 1, 0, p, n);
}

/* ---- tests ------------------------------------------------------------------------------------ */

static void test_empty_set(void **state)
{
    collector *c = new_collector();
    ntc__capture *cap = ntc__capture_new();
    char err[256] = "";
    uint64_t r = 1, d = 1, f = 1;

    (void)state;
    assert_non_null(cap);
    assert_int_equal(ntc__capture_count(cap), 0);
    assert_int_equal(ntc__capture_live_count(cap), 0);
    assert_int_equal(ntc__capture_poll(cap, 0, 10, collect, c, err, sizeof(err)), NTC_EOF);
    ntc__capture_stats(cap, &r, &d, &f);
    assert_true(r == 0 && d == 0 && f == 0);
    assert_int_equal(ntc__capture_add_file(cap, NULL, NULL, err, sizeof(err)), NTC_EINVAL);
    assert_int_equal(ntc__capture_poll(NULL, 0, 10, collect, c, err, sizeof(err)), NTC_EINVAL);
    ntc__capture_free(cap);
    ntc__capture_free(NULL);
    free(c);
}

static void test_merge_two_files(void **state)
{
    static const uint64_t ta[] = {1000001, 1000003, 1000005, 1000007, 1000007};
    static const uint64_t tb[] = {1000002, 1000003, 1000004, 1000007, 1000008, 1000009};
    /* expected (tag): a=100+i, b=200+i; ties go to the first file added (a) */
    static const uint32_t want[] = {100, 200, 101, 201, 202, 102, 103, 104, 203, 204, 205};
    static const uint64_t want_ts[] = {1000001, 1000002, 1000003, 1000003, 1000004, 1000005,
                                       1000007, 1000007, 1000007, 1000008, 1000009};
    char pa[PATHLEN], pb[PATHLEN], err[512] = "";
    unsigned budgets[] = {1000, 1, 2, 3, 4};
    size_t bi, i;

    (void)state;
    make_path(pa, sizeof(pa), "merge-a.pcap");
    make_path(pb, sizeof(pb), "merge-b.pcapng");
    write_tagged(pa, 0, ta, 5, 100);
    write_tagged(pb, 1, tb, 6, 200);

    for (bi = 0; bi < sizeof(budgets) / sizeof(budgets[0]); bi++) {
        collector *c = new_collector();
        ntc__capture *cap = ntc__capture_new();
        assert_int_equal(ntc__capture_add_file(cap, pa, NULL, err, sizeof(err)), 0);
        assert_int_equal(ntc__capture_add_file(cap, pb, "", err, sizeof(err)), 0);
        assert_int_equal(ntc__capture_count(cap), 2);
        assert_int_equal(drain(cap, budgets[bi], c, err, sizeof(err)), NTC_EOF);
        assert_int_equal(c->n, 11);
        for (i = 0; i < c->n; i++) {
            assert_int_equal(tag_of(&c->p[i]), want[i]);
            assert_int_equal(c->p[i].ts, want_ts[i]);
            assert_int_equal(c->p[i].caplen, UDP_FRAME_LEN);
            assert_int_equal(c->p[i].wirelen, UDP_FRAME_LEN);
            assert_int_equal(c->p[i].linktype, 1);
        }
        assert_int_equal(ntc__capture_count(cap), 0);
        ntc__capture_free(cap);
        free(c);
    }
}

/* A file added after reading started joins the merge. */
static void test_merge_add_later(void **state)
{
    static const uint64_t ta[] = {10, 20, 30, 40};
    static const uint64_t tb[] = {25, 35};
    char pa[PATHLEN], pb[PATHLEN], err[512] = "";
    collector *c = new_collector();
    ntc__capture *cap = ntc__capture_new();
    static const uint32_t want[] = {100, 101, 200, 102, 201, 103};
    size_t i;

    (void)state;
    make_path(pa, sizeof(pa), "late-a.pcap");
    make_path(pb, sizeof(pb), "late-b.pcap");
    write_tagged(pa, 0, ta, 4, 100);
    write_tagged(pb, 0, tb, 2, 200);
    assert_int_equal(ntc__capture_add_file(cap, pa, NULL, err, sizeof(err)), 0);
    assert_int_equal(ntc__capture_poll(cap, 0, 2, collect, c, err, sizeof(err)), 2);
    assert_int_equal(ntc__capture_add_file(cap, pb, NULL, err, sizeof(err)), 0);
    assert_int_equal(drain(cap, 1000, c, err, sizeof(err)), NTC_EOF);
    assert_int_equal(c->n, 6);
    for (i = 0; i < 6; i++)
        assert_int_equal(tag_of(&c->p[i]), want[i]);
    ntc__capture_free(cap);
    free(c);
}

/* Many files: heap merge, sorted output, ties by source order. */
static void test_merge_many(void **state)
{
    enum { NF = 9, NP = 40 };
    char path[NF][PATHLEN], err[512] = "";
    uint64_t ts[NP];
    uint32_t seed = 12345;
    collector *c = new_collector();
    ntc__capture *cap = ntc__capture_new();
    size_t f, i;

    (void)state;
    for (f = 0; f < NF; f++) {
        uint64_t t = 5000;
        char name[32];
        for (i = 0; i < NP; i++) {
            seed = seed * 1103515245u + 12345u;
            t += (seed >> 16) % 4;          /* many equal timestamps across files */
            ts[i] = t;
        }
        snprintf(name, sizeof(name), "many-%zu.%s", f, f % 2 ? "pcapng" : "pcap");
        make_path(path[f], sizeof(path[f]), name);
        write_tagged(path[f], (int)(f % 2), ts, NP, (uint32_t)(f * 1000));
        assert_int_equal(ntc__capture_add_file(cap, path[f], NULL, err, sizeof(err)), 0);
    }
    assert_int_equal(drain(cap, 7, c, err, sizeof(err)), NTC_EOF);
    assert_int_equal(c->n, NF * NP);
    for (i = 1; i < c->n; i++) {
        uint32_t pt = tag_of(&c->p[i - 1]), t = tag_of(&c->p[i]);
        assert_true(c->p[i - 1].ts <= c->p[i].ts);
        if (c->p[i - 1].ts == c->p[i].ts && pt / 1000 != t / 1000)
            assert_true(pt / 1000 < t / 1000);       /* tie: earlier source first */
        if (pt / 1000 == t / 1000)
            assert_true(pt < t);                     /* a file's own order is kept */
    }
    ntc__capture_free(cap);
    free(c);
}

static void test_nanoseconds(void **state)
{
    uint8_t fr[UDP_FRAME_LEN];
    wpkt p[2];
    char png[PATHLEN], pcp[PATHLEN], err[512] = "";
    int k;

    (void)state;
    udp_frame(fr, 1, 2, 7);
    p[0].ts = 1700000000123456789ull;   /* ns */
    p[1].ts = 1700000001000000999ull;
    p[0].data = p[1].data = fr;
    p[0].caplen = p[0].wirelen = p[1].caplen = p[1].wirelen = UDP_FRAME_LEN;
    make_path(png, sizeof(png), "nano.pcapng");
    make_path(pcp, sizeof(pcp), "nano.pcap");
    write_pcapng(png, 1, 1, p, 2);
    write_pcap(pcp, 1, 1, p, 2);
    for (k = 0; k < 2; k++) {
        collector *c = new_collector();
        ntc__capture *cap = ntc__capture_new();
        assert_int_equal(ntc__capture_add_file(cap, k ? pcp : png, NULL, err, sizeof(err)), 0);
        assert_int_equal(drain(cap, 100, c, err, sizeof(err)), NTC_EOF);
        assert_int_equal(c->n, 2);
        assert_int_equal(c->p[0].ts, 1700000000123456ull);
        assert_int_equal(c->p[1].ts, 1700000001000000ull);
        ntc__capture_free(cap);
        free(c);
    }
}

static void test_filter(void **state)
{
    static const uint16_t dports[] = {53, 80, 53, 123, 443, 53, 5353};
    uint8_t frames[7][UDP_FRAME_LEN];
    wpkt p[7];
    char path[PATHLEN], err[512] = "";
    size_t i;
    int ng;

    (void)state;
    for (i = 0; i < 7; i++) {
        udp_frame(frames[i], 40000, dports[i], (uint32_t)i);
        p[i].ts = 1000 + i;
        p[i].data = frames[i];
        p[i].caplen = p[i].wirelen = UDP_FRAME_LEN;
    }
    for (ng = 0; ng < 2; ng++) {
        collector *c = new_collector();
        ntc__capture *cap = ntc__capture_new();
        make_path(path, sizeof(path), ng ? "filter.pcapng" : "filter.pcap");
        if (ng)
            write_pcapng(path, 1, 0, p, 7);
        else
            write_pcap(path, 1, 0, p, 7);
        assert_int_equal(ntc__capture_add_file(cap, path, "udp dst port 53", err, sizeof(err)), 0);
        assert_int_equal(drain(cap, 2, c, err, sizeof(err)), NTC_EOF);
        assert_int_equal(c->n, 3);
        assert_int_equal(tag_of(&c->p[0]), 0);
        assert_int_equal(tag_of(&c->p[1]), 2);
        assert_int_equal(tag_of(&c->p[2]), 5);
        ntc__capture_free(cap);
        free(c);
    }
}

static void test_bad_filter(void **state)
{
    static const uint64_t t[] = {1};
    char path[PATHLEN], err[512] = "";
    ntc__capture *cap = ntc__capture_new();

    (void)state;
    make_path(path, sizeof(path), "badfilter.pcap");
    write_tagged(path, 0, t, 1, 0);
    assert_int_equal(ntc__capture_add_file(cap, path, "udp prot 53 and", err, sizeof(err)),
                     NTC_EINVAL);
    assert_non_null(strstr(err, "udp prot 53 and"));
    assert_non_null(strstr(err, path));
    assert_true(strlen(err) > strlen(path) + strlen("udp prot 53 and") + 20); /* libpcap's text */
    assert_int_equal(ntc__capture_count(cap), 0);
    ntc__capture_free(cap);
}

static void test_missing_file(void **state)
{
    char path[PATHLEN], err[512] = "";
    ntc__capture *cap = ntc__capture_new();

    (void)state;
    make_path(path, sizeof(path), "does-not-exist.pcap");
    assert_int_equal(ntc__capture_add_file(cap, path, NULL, err, sizeof(err)), NTC_EIO);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "No such file"));
    /* a directory is an I/O error too, not a format error */
    assert_int_equal(ntc__capture_add_file(cap, tmpdir, NULL, err, sizeof(err)), NTC_EIO);
    assert_non_null(strstr(err, tmpdir));
    /* err may be NULL */
    assert_int_equal(ntc__capture_add_file(cap, path, NULL, NULL, 0), NTC_EIO);
    assert_int_equal(ntc__capture_count(cap), 0);
    ntc__capture_free(cap);
}

static void test_garbage_and_empty(void **state)
{
    char path[PATHLEN], err[512] = "";
    uint8_t junk[1000];
    ntc__capture *cap = ntc__capture_new();
    collector *c = new_collector();
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(i * 37 + 11);
    make_path(path, sizeof(path), "garbage.pcap");
    write_bytes(path, junk, sizeof(junk));
    assert_int_equal(ntc__capture_add_file(cap, path, NULL, err, sizeof(err)), NTC_EFORMAT);
    assert_non_null(strstr(err, path));

    make_path(path, sizeof(path), "zero-bytes.pcap");
    write_bytes(path, junk, 0);
    assert_int_equal(ntc__capture_add_file(cap, path, NULL, err, sizeof(err)), NTC_EFORMAT);
    assert_non_null(strstr(err, path));
    assert_int_equal(ntc__capture_count(cap), 0);

    /* header only: opens, then a clean EOF */
    make_path(path, sizeof(path), "empty.pcap");
    write_pcap(path, 1, 0, NULL, 0);
    assert_int_equal(ntc__capture_add_file(cap, path, NULL, err, sizeof(err)), 0);
    make_path(path, sizeof(path), "empty.pcapng");
    write_pcapng(path, 1, 0, NULL, 0);
    assert_int_equal(ntc__capture_add_file(cap, path, NULL, err, sizeof(err)), 0);
    assert_int_equal(ntc__capture_count(cap), 2);
    assert_int_equal(ntc__capture_poll(cap, 0, 10, collect, c, err, sizeof(err)), NTC_EOF);
    assert_int_equal(c->n, 0);
    assert_int_equal(ntc__capture_count(cap), 0);
    assert_int_equal(ntc__capture_poll(cap, 0, 10, collect, c, err, sizeof(err)), NTC_EOF);
    ntc__capture_free(cap);
    free(c);
}

/* 5 records of 46 bytes; cut at `cut` bytes into record 3 (0-based), or other corruptions. */
static void check_truncated(const char *name, int ng, long cut_from_end, unsigned budget)
{
    static const uint64_t t[] = {1, 2, 3, 4, 5};
    char path[PATHLEN], err[512] = "", want[64];
    collector *c = new_collector();
    ntc__capture *cap = ntc__capture_new();
    int rc;

    make_path(path, sizeof(path), name);
    write_tagged(path, ng, t, 5, 0);
    truncate_to(path, file_size(path) - cut_from_end);
    assert_int_equal(ntc__capture_add_file(cap, path, NULL, err, sizeof(err)), 0);
    do {
        rc = ntc__capture_poll(cap, 0, budget, collect, c, err, sizeof(err));
    } while (rc > 0);
    assert_int_equal(rc, NTC_EFORMAT);
    assert_int_equal(c->n, 3);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "corrupt or truncated after 3 packets: "));
    snprintf(want, sizeof(want), "after 3 packets: ");
    assert_true(strlen(strstr(err, want)) > strlen(want));        /* libpcap's message follows */
    assert_int_equal(ntc__capture_count(cap), 0);
    assert_int_equal(ntc__capture_poll(cap, 0, budget, collect, c, err, sizeof(err)), NTC_EOF);
    ntc__capture_free(cap);
    free(c);
}

static void test_truncated(void **state)
{
    const long rec = 16 + UDP_FRAME_LEN, ngrec = 32 + UDP_FRAME_LEN + 2;
    (void)state;
    /* pcap: cut inside the data of record 4 */
    check_truncated("trunc-data.pcap", 0, rec + 20, 100);
    check_truncated("trunc-data-b1.pcap", 0, rec + 20, 1);
    /* pcap: cut inside the header of record 4 */
    check_truncated("trunc-hdr.pcap", 0, rec + UDP_FRAME_LEN + 7, 100);
    /* pcapng: cut inside block 4 */
    check_truncated("trunc.pcapng", 1, ngrec + 30, 100);
    check_truncated("trunc-b2.pcapng", 1, ngrec + 30, 2);
}

/* A record with an absurd caplen: corrupt, not merely truncated. */
static void test_corrupt_caplen(void **state)
{
    static const uint64_t t[] = {1, 2, 3, 4};
    char path[PATHLEN], err[512] = "";
    collector *c = new_collector();
    ntc__capture *cap = ntc__capture_new();
    uint32_t bad = 0x7fffffffu;
    FILE *f;

    (void)state;
    make_path(path, sizeof(path), "badcaplen.pcap");
    write_tagged(path, 0, t, 4, 0);
    f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 24 + 2 * (16 + UDP_FRAME_LEN) + 8, SEEK_SET), 0);
    assert_int_equal(fwrite(&bad, 4, 1, f), 1);
    fclose(f);
    assert_int_equal(ntc__capture_add_file(cap, path, NULL, err, sizeof(err)), 0);
    assert_int_equal(ntc__capture_poll(cap, 0, 100, collect, c, err, sizeof(err)), NTC_EFORMAT);
    assert_int_equal(c->n, 2);
    assert_non_null(strstr(err, "after 2 packets"));
    assert_int_equal(ntc__capture_poll(cap, 0, 100, collect, c, err, sizeof(err)), NTC_EOF);
    ntc__capture_free(cap);
    free(c);
}

/* A truncated file among others: the others go on to the end. */
static void test_truncated_in_merge(void **state)
{
    static const uint64_t ta[] = {10, 20, 30, 40, 50};
    static const uint64_t tb[] = {15, 25, 35, 45, 55, 65};
    char pa[PATHLEN], pb[PATHLEN], err[512] = "";
    collector *c = new_collector();
    ntc__capture *cap = ntc__capture_new();
    static const uint32_t want[] = {100, 200, 101, 201, 102, 202, 203, 204, 205};
    int rc, errors = 0;
    size_t i;

    (void)state;
    make_path(pa, sizeof(pa), "mtrunc-a.pcap");
    make_path(pb, sizeof(pb), "mtrunc-b.pcap");
    write_tagged(pa, 0, ta, 5, 100);
    write_tagged(pb, 0, tb, 6, 200);
    truncate_to(pa, file_size(pa) - (16 + UDP_FRAME_LEN) - 10);   /* 3 whole records in a */
    assert_int_equal(ntc__capture_add_file(cap, pa, NULL, err, sizeof(err)), 0);
    assert_int_equal(ntc__capture_add_file(cap, pb, NULL, err, sizeof(err)), 0);
    for (;;) {
        rc = ntc__capture_poll(cap, 0, 2, collect, c, err, sizeof(err));
        if (rc == NTC_EOF)
            break;
        if (rc < 0) {
            assert_int_equal(rc, NTC_EFORMAT);
            assert_non_null(strstr(err, pa));
            assert_non_null(strstr(err, "after 3 packets"));
            assert_int_equal(ntc__capture_count(cap), 1);
            errors++;
        }
    }
    assert_int_equal(errors, 1);
    assert_int_equal(c->n, 9);
    for (i = 0; i < 9; i++)
        assert_int_equal(tag_of(&c->p[i]), want[i]);
    ntc__capture_free(cap);
    free(c);
}

static void test_budget(void **state)
{
    uint64_t t[10];
    char path[PATHLEN], err[512] = "";
    collector *c = new_collector();
    ntc__capture *cap = ntc__capture_new();
    size_t i;

    (void)state;
    for (i = 0; i < 10; i++)
        t[i] = 100 + i;
    make_path(path, sizeof(path), "budget.pcap");
    write_tagged(path, 0, t, 10, 0);
    assert_int_equal(ntc__capture_add_file(cap, path, NULL, err, sizeof(err)), 0);
    assert_int_equal(ntc__capture_poll(cap, 0, 0, collect, c, err, sizeof(err)), 0);
    assert_int_equal(ntc__capture_poll(cap, 0, 3, collect, c, err, sizeof(err)), 3);
    assert_int_equal(c->n, 3);
    assert_int_equal(ntc__capture_poll(cap, 0, 3, collect, c, err, sizeof(err)), 3);
    assert_int_equal(ntc__capture_poll(cap, 0, 3, collect, c, err, sizeof(err)), 3);
    assert_int_equal(ntc__capture_poll(cap, 0, 3, collect, c, err, sizeof(err)), 1);
    assert_int_equal(ntc__capture_poll(cap, 0, 3, collect, c, err, sizeof(err)), NTC_EOF);
    assert_int_equal(c->n, 10);
    for (i = 0; i < 10; i++)
        assert_int_equal(tag_of(&c->p[i]), i);
    ntc__capture_free(cap);
    free(c);
}

static void test_linktypes(void **state)
{
    static const struct {
        uint32_t file;  /* LINKTYPE_ in the file */
        int want;
    } lt[] = {{1, 1}, {0, 0}, {101, 101}, {108, 108}, {113, 113}, {228, 228}, {229, 229},
              {276, 276}, {147, 147}, {127, 127}};
    uint8_t raw[28] = {0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
                       0, 1, 0, 2, 0, 8, 0, 0};
    wpkt p = {.ts = 5, .data = raw, .caplen = 28, .wirelen = 28};
    char path[PATHLEN], err[512] = "";
    size_t i;
    int ng;

    (void)state;
    for (i = 0; i < sizeof(lt) / sizeof(lt[0]); i++) {
        for (ng = 0; ng < 2; ng++) {
            collector *c = new_collector();
            ntc__capture *cap = ntc__capture_new();
            char name[64];
            snprintf(name, sizeof(name), "lt-%u.%s", (unsigned)lt[i].file, ng ? "pcapng" : "pcap");
            make_path(path, sizeof(path), name);
            if (ng)
                write_pcapng(path, (uint16_t)lt[i].file, 0, &p, 1);
            else
                write_pcap(path, lt[i].file, 0, &p, 1);
            assert_int_equal(ntc__capture_add_file(cap, path, NULL, err, sizeof(err)), 0);
            assert_int_equal(drain(cap, 10, c, err, sizeof(err)), NTC_EOF);
            assert_int_equal(c->n, 1);
            assert_int_equal(c->p[0].linktype, lt[i].want);
            assert_memory_equal(c->p[0].data, raw, 28);
            ntc__capture_free(cap);
            free(c);
        }
    }
}

/* wirelen below caplen is raised to caplen; caplen above the snaplen passes as libpcap gives it */
static void test_lengths(void **state)
{
    uint8_t fr[UDP_FRAME_LEN];
    wpkt p[3];
    char path[PATHLEN], err[512] = "";
    collector *c = new_collector();
    ntc__capture *cap = ntc__capture_new();

    (void)state;
    udp_frame(fr, 1, 2, 3);
    p[0] = (wpkt){.ts = 1, .data = fr, .caplen = UDP_FRAME_LEN, .wirelen = 10};
    p[1] = (wpkt){.ts = 2, .data = fr, .caplen = UDP_FRAME_LEN, .wirelen = 1500};
    p[2] = (wpkt){.ts = 3, .data = fr, .caplen = 0, .wirelen = 60};
    make_path(path, sizeof(path), "lengths.pcap");
    write_pcap(path, 1, 0, p, 3);
    assert_int_equal(ntc__capture_add_file(cap, path, NULL, err, sizeof(err)), 0);
    assert_int_equal(drain(cap, 10, c, err, sizeof(err)), NTC_EOF);
    assert_int_equal(c->n, 3);
    assert_int_equal(c->p[0].caplen, UDP_FRAME_LEN);
    assert_int_equal(c->p[0].wirelen, UDP_FRAME_LEN);
    assert_int_equal(c->p[1].caplen, UDP_FRAME_LEN);
    assert_int_equal(c->p[1].wirelen, 1500);
    assert_int_equal(c->p[2].caplen, 0);
    assert_int_equal(c->p[2].wirelen, 60);
    ntc__capture_free(cap);
    free(c);
}

static void test_live_errors(void **state)
{
    char err[512] = "";
    ntc__live_opts o = {.snaplen = 128, .promisc = 0, .buffer_mb = 1};
    ntc__capture *cap = ntc__capture_new();

    (void)state;
    /* Without root this fails with "permission denied", with root "no such device": either way
     * an error that names the interface. */
    assert_true(ntc__capture_add_live(cap, "ntc-nosuch9", &o, NULL, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "ntc-nosuch9"));
    assert_int_equal(ntc__capture_add_live(cap, "", &o, NULL, err, sizeof(err)), NTC_EINVAL);
    assert_int_equal(ntc__capture_live_count(cap), 0);
    ntc__capture_free(cap);
}

typedef struct addr_seen {
    int n4, n6, loop4;
} addr_seen;

static void on_addr(void *user, int v, const uint8_t *a)
{
    addr_seen *s = user;
    if (v == 4) {
        s->n4++;
        if (a[0] == 127 && a[1] == 0 && a[2] == 0 && a[3] == 1)
            s->loop4 = 1;
    } else {
        assert_int_equal(v, 6);
        s->n6++;
    }
}

static void test_iface_addresses(void **state)
{
    addr_seen s = {0, 0, 0};
    int n;

    (void)state;
    n = ntc__capture_iface_addresses("lo", on_addr, &s);
    assert_int_equal(n, s.n4 + s.n6);
    if (n > 0)
        assert_true(s.loop4 || s.n6 > 0);
    memset(&s, 0, sizeof(s));
    assert_int_equal(ntc__capture_iface_addresses("ntc-nosuch9", on_addr, &s), 0);
    assert_int_equal(ntc__capture_iface_addresses(NULL, on_addr, &s), NTC_EINVAL);
}

static int setup(void **state)
{
    const char *base = getenv("TMPDIR");
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "%s/ntc-capture-XXXXXX", base && base[0] ? base : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    (void)state;
    return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_set),
        cmocka_unit_test(test_merge_two_files),
        cmocka_unit_test(test_merge_add_later),
        cmocka_unit_test(test_merge_many),
        cmocka_unit_test(test_nanoseconds),
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_bad_filter),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_garbage_and_empty),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corrupt_caplen),
        cmocka_unit_test(test_truncated_in_merge),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_linktypes),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_live_errors),
        cmocka_unit_test(test_iface_addresses),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
