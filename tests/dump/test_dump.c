/* lib/dump: the packet dumper fed by an engine's callbacks, on crafted packets. Files are read
 * back with libpcap (pcap) or parsed block by block (pcapng), and the directory is listed, so
 * every count, name and byte checked is what another tool would see. */
#include <dirent.h>
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#undef h_addr /* <netdb.h>, through libpcap's header, defines it; the harness has a type of that name */
#include "../core/ntc_harness.h"

#define MS 1000ULL

/* ---- fixture: a temporary directory, an engine and a dumper wired together ---- */

typedef struct fx fx;
struct fx {
    char dir[64];
    char pattern[128];
    ntc_engine *e;
    ntc_dump *d;
    int last_rc;          /* last error a dumper call returned inside the callbacks */
    void (*before_verdict)(struct fx *x, const ntc_flow *f); /* e.g. an alert marking the flow */
};

static void fx_packet(void *u, const ntc_flow *f, int dir, uint64_t ts, int lt, const uint8_t *data,
                      uint32_t caplen, uint32_t wirelen)
{
    fx *x = u;
    int rc = ntc_dump_packet(x->d, f, dir, ts, lt, data, caplen, wirelen);
    if (rc)
        x->last_rc = rc;
}

static void fx_verdict(void *u, const ntc_flow *f)
{
    fx *x = u;
    if (x->before_verdict)
        x->before_verdict(x, f);
    int rc = ntc_dump_flow_verdict(x->d, f);
    if (rc)
        x->last_rc = rc;
}

static void fx_end(void *u, const ntc_flow *f, ntc_flow_end_reason why)
{
    fx *x = u;
    int rc = ntc_dump_flow_end(x->d, f, why);
    if (rc)
        x->last_rc = rc;
}

/* Engine + dumper from key/value pairs (NULL-terminated), writing DIR/base (a strftime pattern).
 * Rotation by time is off unless set. */
static fx *fx_new_named(const char *base, const char *first_key, ...)
{
    fx *x = calloc(1, sizeof(*x));
    assert_non_null(x);
    snprintf(x->dir, sizeof(x->dir), "/tmp/ntc-dump-test-XXXXXX");
    assert_non_null(mkdtemp(x->dir));
    snprintf(x->pattern, sizeof(x->pattern), "%s/%s", x->dir, base);
    ntc_config *cfg = ntc_config_new();
    assert_non_null(cfg);
    assert_int_equal(ntc_config_set(cfg, "dump.path", x->pattern), 0);
    assert_int_equal(ntc_config_set(cfg, "dump.file_seconds", "0"), 0);
    va_list ap;
    va_start(ap, first_key);
    for (const char *k = first_key; k; k = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);
        if (ntc_config_set(cfg, k, v))
            fail_msg("config %s = %s: %s", k, v, ntc_config_errmsg(cfg));
    }
    va_end(ap);
    assert_int_equal(ntc_engine_new(&x->e, cfg), 0);
    int rc = ntc_dump_new(&x->d, x->e, cfg);
    if (rc)
        fail_msg("ntc_dump_new: %s", x->d ? ntc_dump_errmsg(x->d) : ntc_strerror(rc));
    ntc_config_free(cfg);
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = fx_end, .packet = fx_packet,
                        .flow_verdict = fx_verdict};
    assert_int_equal(ntc_engine_set_callbacks(x->e, &cb, x), 0);
    return x;
}

#define fx_new(...) fx_new_named("d-%H%M%S.pcap", __VA_ARGS__)

/* Flush the engine (every verdict), close the dumper's files. */
static void fx_close(fx *x)
{
    assert_int_equal(ntc_engine_flush(x->e), 0);
    assert_int_equal(ntc_dump_close(x->d), 0);
    assert_int_equal(x->last_rc, 0);
}

static ntc_dump_stats fx_stats(const fx *x)
{
    ntc_dump_stats s;
    memset(&s, 0, sizeof(s));
    s.size = sizeof(s);
    assert_int_equal(ntc_dump_get_stats(x->d, &s), 0);
    return s;
}

/* Sorted names of the files in the directory. */
typedef struct flist {
    char name[32][64];
    int n;
} flist;

static int cmp_names(const void *a, const void *b)
{
    return strcmp(a, b);
}

static flist fx_files(const fx *x)
{
    flist l;
    memset(&l, 0, sizeof(l));
    DIR *dp = opendir(x->dir);
    assert_non_null(dp);
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        assert_true(l.n < 32 && strlen(de->d_name) < 64);
        memcpy(l.name[l.n++], de->d_name, strlen(de->d_name) + 1);
    }
    closedir(dp);
    qsort(l.name, (size_t)l.n, 64, cmp_names);
    return l;
}

static uint64_t fx_disk_bytes(const fx *x)
{
    flist l = fx_files(x);
    uint64_t total = 0;
    for (int i = 0; i < l.n; i++) {
        char path[160];
        snprintf(path, sizeof(path), "%s/%s", x->dir, l.name[i]);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        total += (uint64_t)st.st_size;
    }
    return total;
}

static void fx_free(fx *x)
{
    ntc_dump_free(x->d);
    ntc_engine_free(x->e);
    flist l = fx_files(x);
    for (int i = 0; i < l.n; i++) {
        char path[160];
        snprintf(path, sizeof(path), "%s/%s", x->dir, l.name[i]);
        unlink(path);
    }
    rmdir(x->dir);
    free(x);
}

/* ---- reading files back ---- */

#define MAX_PKTS 64

typedef struct rpkt {
    uint64_t ts;
    uint32_t caplen, len;
    int linktype;
    uint8_t data[1600];
} rpkt;

typedef struct rfile {
    int linktype;
    uint32_t snaplen;
    int n;
    rpkt p[MAX_PKTS];
} rfile;

/* Read a pcap file with libpcap (which also checks the format). */
static void read_pcap(const fx *x, const char *name, rfile *out)
{
    char path[160], err[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof(path), "%s/%s", x->dir, name);
    memset(out, 0, sizeof(*out));
    pcap_t *p = pcap_open_offline(path, err);
    if (!p)
        fail_msg("libpcap cannot read %s: %s", path, err);
    out->linktype = pcap_datalink(p);
    out->snaplen = (uint32_t)pcap_snapshot(p);
    struct pcap_pkthdr *h;
    const u_char *d;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        assert_true(out->n < MAX_PKTS);
        rpkt *r = &out->p[out->n++];
        r->ts = (uint64_t)h->ts.tv_sec * SEC + (uint64_t)h->ts.tv_usec;
        r->caplen = h->caplen;
        r->len = h->len;
        r->linktype = out->linktype;
        assert_true(h->caplen <= sizeof(r->data));
        memcpy(r->data, d, h->caplen);
    }
    assert_int_equal(rc, PCAP_ERROR_BREAK); /* end of file, not an error */
    pcap_close(p);
}

static uint32_t rd32(const uint8_t *b)
{
    uint32_t v;
    memcpy(&v, b, 4);
    return v;
}

/* Parse a pcapng file block by block: SHB first, IDBs, EPBs (each EPB's link type from its IDB). */
static void read_pcapng(const fx *x, const char *name, rfile *out, int *idbs)
{
    char path[160];
    snprintf(path, sizeof(path), "%s/%s", x->dir, name);
    memset(out, 0, sizeof(*out));
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    int lts[16], nlts = 0;
    size_t off = 0;
    assert_true(n >= 28);
    assert_true(rd32(buf) == 0x0A0D0D0Au);
    assert_true(rd32(buf + 8) == 0x1A2B3C4Du);
    while (off < n) {
        assert_true(off + 12 <= n);
        uint32_t type = rd32(buf + off), len = rd32(buf + off + 4);
        assert_true(len % 4 == 0 && len >= 12 && off + len <= n);
        assert_true(rd32(buf + off + len - 4) == len); /* trailing length */
        if (type == 1) {
            assert_true(nlts < 16);
            uint16_t lt;
            memcpy(&lt, buf + off + 8, 2);
            lts[nlts++] = lt;
            out->snaplen = rd32(buf + off + 12);
        } else if (type == 6) {
            uint32_t iface = rd32(buf + off + 8);
            assert_true((int)iface < nlts);
            assert_true(out->n < MAX_PKTS);
            rpkt *r = &out->p[out->n++];
            r->ts = (uint64_t)rd32(buf + off + 12) << 32 | rd32(buf + off + 16);
            r->caplen = rd32(buf + off + 20);
            r->len = rd32(buf + off + 24);
            r->linktype = lts[iface];
            assert_true(32 + r->caplen <= len && r->caplen <= sizeof(r->data));
            memcpy(r->data, buf + off + 28, r->caplen);
        } else {
            assert_true(type == 0x0A0D0D0Au && off == 0);
        }
        off += len;
    }
    *idbs = nlts;
}

/* ---- traffic ---- */

static pg_pkt g_pkt;

/* A UDP datagram whose frame is exactly `frame` bytes (>= 42), its last byte a stamp. */
static void udp_frame(fx *x, uint64_t ts, const char *src, uint16_t sport, const char *dst,
                      uint16_t dport, size_t frame, uint8_t stamp)
{
    h_build_udp(&g_pkt, 0, src, sport, dst, dport, frame - 42);
    assert_int_equal(g_pkt.len, frame);
    g_pkt.data[frame - 1] = stamp;
    h_feed(x->e, ts, &g_pkt);
}

typedef struct conv {
    fx *x;
    const char *ip[2];
    uint16_t port[2];
    uint32_t seq[2];
    uint64_t ts;
    int n;
    pg_pkt sent[16];      /* the frames, in order */
    void (*after_send)(fx *x, int n); /* called after each frame, with the count sent */
} conv;

static void tcp_send(conv *c, int dir, uint8_t flags, const char *data)
{
    size_t len = data ? strlen(data) : 0;
    h_l2l3(&g_pkt, 0, c->ip[dir], c->ip[1 - dir], 0);
    pg_tcp_opt o;
    memset(&o, 0, sizeof(o));
    o.flags = flags;
    o.seq = c->seq[dir];
    o.ack = (flags & PG_ACK) ? c->seq[1 - dir] : 0;
    o.win = 65535;
    pg_tcp(&g_pkt, c->port[dir], c->port[1 - dir], &o);
    if (len)
        pg_data(&g_pkt, data, len);
    h_finish(&g_pkt);
    h_feed(c->x->e, c->ts, &g_pkt);
    assert_true(c->n < 16);
    c->sent[c->n++] = g_pkt;
    if (c->after_send)
        c->after_send(c->x, c->n);
    c->ts += MS;
    c->seq[dir] += (uint32_t)len + ((flags & (PG_SYN | PG_FIN)) ? 1u : 0u);
}

/* An HTTP exchange in 8 packets; nDPI's verdict comes with the 6th (the response). */
static void http(conv *c, fx *x, uint64_t ts, uint16_t cport, const char *host)
{
    void (*after)(fx *, int) = c->after_send;
    memset(c, 0, sizeof(*c));
    c->after_send = after;
    c->x = x;
    c->ip[0] = "192.168.1.10";
    c->ip[1] = "93.184.216.34";
    c->port[0] = cport;
    c->port[1] = 80;
    c->seq[0] = 0x10000000u;
    c->seq[1] = 0x20000000u;
    c->ts = ts;
    char req[256];
    snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\n"
             "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0\r\n\r\n", host);
    tcp_send(c, 0, PG_SYN, NULL);
    tcp_send(c, 1, PG_SYN | PG_ACK, NULL);
    tcp_send(c, 0, PG_ACK, NULL);
    tcp_send(c, 0, PG_PSH | PG_ACK, req);
    tcp_send(c, 1, PG_ACK, NULL);
    tcp_send(c, 1, PG_PSH | PG_ACK,
             "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi");
    tcp_send(c, 0, PG_ACK, NULL);
    tcp_send(c, 0, PG_FIN | PG_ACK, NULL);
}

static void assert_same_frame(const rpkt *r, const pg_pkt *p)
{
    assert_int_equal(r->caplen, p->len);
    assert_int_equal(r->len, p->len);
    assert_memory_equal(r->data, p->data, p->len);
}

/* ---- rotation ---- */

/* A new file every 10 packets; names from the first packet's time (UTC here), "-N" when a name
 * repeats; every packet read back as written. */
static void rotate_by_packets(void **state)
{
    (void)state;
    fx *x = fx_new("dump.file_packets", "10", NULL);
    for (int i = 0; i < 25; i++)
        udp_frame(x, T0 + (uint64_t)i * 10 * MS, "10.0.0.1", 1000, "10.0.0.2", 9999, 60 + (size_t)i,
                  (uint8_t)i);
    fx_close(x);
    flist l = fx_files(x);
    assert_int_equal(l.n, 3);
    /* T0 is 2023-11-14 22:13:20 UTC; all three files start within that second */
    assert_string_equal(l.name[0], "d-221320-1.pcap");
    assert_string_equal(l.name[1], "d-221320-2.pcap");
    assert_string_equal(l.name[2], "d-221320.pcap");
    static rfile f;
    const char *order[3] = {"d-221320.pcap", "d-221320-1.pcap", "d-221320-2.pcap"};
    int k = 0;
    for (int i = 0; i < 3; i++) {
        read_pcap(x, order[i], &f);
        assert_int_equal(f.linktype, DLT_EN10MB);
        assert_int_equal(f.n, i < 2 ? 10 : 5);
        for (int j = 0; j < f.n; j++, k++) {
            assert_true(f.p[j].ts == T0 + (uint64_t)k * 10 * MS);
            assert_int_equal(f.p[j].caplen, 60 + k);
            assert_int_equal(f.p[j].data[f.p[j].caplen - 1], k);
        }
    }
    ntc_dump_stats s = fx_stats(x);
    assert_int_equal(s.packets_seen, 25);
    assert_int_equal(s.packets_written, 25);
    assert_int_equal(s.files_opened, 3);
    fx_free(x);
}

/* A new file when the packet time reaches the first packet's time + 3 s (exact boundary). */
static void rotate_by_seconds(void **state)
{
    (void)state;
    fx *x = fx_new("dump.file_seconds", "3", NULL);
    uint64_t ts[] = {0, 1 * SEC, 3 * SEC - 1, 3 * SEC, 5 * SEC, 6 * SEC + 500 * MS, 20 * SEC};
    for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++)
        udp_frame(x, T0 + ts[i], "10.0.0.1", 1000, "10.0.0.2", 9999, 60, (uint8_t)i);
    fx_close(x);
    flist l = fx_files(x);
    assert_int_equal(l.n, 4);
    const char *names[4] = {"d-221320.pcap", "d-221323.pcap", "d-221326.pcap", "d-221340.pcap"};
    int want[4] = {3, 2, 1, 1};
    static rfile f;
    int k = 0;
    for (int i = 0; i < 4; i++) {
        assert_string_equal(l.name[i], names[i]);
        read_pcap(x, names[i], &f);
        assert_int_equal(f.n, want[i]);
        for (int j = 0; j < f.n; j++, k++)
            assert_true(f.p[j].ts == T0 + ts[k]);
    }
    fx_free(x);
}

/* A new file before one would exceed dump.file_bytes: 24-byte header + 76-byte records. */
static void rotate_by_size(void **state)
{
    (void)state;
    const char *limits[2] = {"252", "251"}; /* exactly 3 records; one byte less: 2 */
    int per_file[2] = {3, 2};
    for (int t = 0; t < 2; t++) {
        fx *x = fx_new_named("s%S.pcap", "dump.file_bytes", limits[t], NULL);
        for (int i = 0; i < 7; i++)
            udp_frame(x, T0 + (uint64_t)i * SEC, "10.0.0.1", 1000, "10.0.0.2", 9999, 60, (uint8_t)i);
        fx_close(x);
        flist l = fx_files(x);
        int nfiles = (7 + per_file[t] - 1) / per_file[t];
        assert_int_equal(l.n, nfiles);
        static rfile f;
        for (int i = 0; i < nfiles; i++) {
            char name[32];
            snprintf(name, sizeof(name), "s%02d.pcap", 20 + i * per_file[t]);
            assert_string_equal(l.name[i], name);
            read_pcap(x, name, &f);
            assert_int_equal(f.n, i < nfiles - 1 ? per_file[t] : 7 - per_file[t] * (nfiles - 1));
            char path[160];
            snprintf(path, sizeof(path), "%s/%s", x->dir, name);
            struct stat st;
            assert_int_equal(stat(path, &st), 0);
            assert_true((uint64_t)st.st_size <= (uint64_t)atoi(limits[t]));
            assert_int_equal(st.st_size, 24 + 76 * f.n);
        }
        fx_free(x);
    }
}

/* The ring keeps the 3 newest files: the oldest are deleted, the newest hold the last packets. */
static void ring_of_files(void **state)
{
    (void)state;
    fx *x = fx_new("dump.file_packets", "2", "dump.ring_files", "3", NULL);
    for (int i = 0; i < 11; i++) {
        udp_frame(x, T0 + (uint64_t)i * SEC, "10.0.0.1", 1000, "10.0.0.2", 9999, 60, (uint8_t)i);
        assert_true(fx_files(x).n <= 3);
    }
    fx_close(x);
    flist l = fx_files(x);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.name[0], "d-221326.pcap");
    assert_string_equal(l.name[1], "d-221328.pcap");
    assert_string_equal(l.name[2], "d-221330.pcap");
    static rfile f;
    int k = 6;
    for (int i = 0; i < 3; i++) {
        read_pcap(x, l.name[i], &f);
        assert_int_equal(f.n, i < 2 ? 2 : 1);
        for (int j = 0; j < f.n; j++, k++)
            assert_int_equal(f.p[j].data[59], k);
    }
    ntc_dump_stats s = fx_stats(x);
    assert_int_equal(s.files_opened, 6);
    assert_int_equal(s.files_deleted, 3);
    assert_int_equal(s.ring_files, 3);
    assert_int_equal(s.ring_bytes, fx_disk_bytes(x));
    fx_free(x);
}

/* The ring never holds more than dump.ring_bytes, on disk or in its count, after any packet; what
 * remains is the newest packets without a gap; a packet that cannot fit alone is counted. */
static void ring_of_bytes(void **state)
{
    (void)state;
    fx *x = fx_new("dump.ring_bytes", "1000", "dump.file_packets", "0", NULL);
    int n = 0;
    size_t sizes[] = {60, 200, 90, 300, 60, 150, 400, 70, 1300, 80, 120, 60, 500, 60};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        udp_frame(x, T0 + i * SEC, "10.0.0.1", 1000, "10.0.0.2", 9999, sizes[i], (uint8_t)i);
        n++;
        ntc_dump_stats s = fx_stats(x);
        assert_true(s.ring_bytes <= 1000);
        assert_true(fx_disk_bytes(x) <= s.ring_bytes);
    }
    fx_close(x);
    ntc_dump_stats s = fx_stats(x);
    assert_true(s.ring_bytes_peak <= 1000);
    assert_int_equal(s.packets_too_big, 1); /* the 1300-byte frame: 24 + 16 + 1300 > 1000 */
    assert_int_equal(s.ring_bytes, fx_disk_bytes(x));
    assert_true(s.files_deleted > 0);
    /* Read every file left, oldest first: the stamps are consecutive and end with the last one. */
    flist l = fx_files(x);
    static rfile f;
    int prev = -1;
    for (int i = 0; i < l.n; i++) {
        read_pcap(x, l.name[i], &f);
        for (int j = 0; j < f.n; j++) {
            int stamp = f.p[j].data[f.p[j].caplen - 1];
            if (prev >= 0)
                assert_int_equal(stamp, prev + 1 + (prev + 1 == 8)); /* 8 was too big */
            prev = stamp;
            assert_true(f.p[j].caplen <= 500);
        }
    }
    assert_int_equal(prev, n - 1);
    fx_free(x);
}

/* pcapng: one interface block per link type in the same file; pcap: a new file per link type. */
static void link_types(void **state)
{
    (void)state;
    for (int ng = 0; ng < 2; ng++) {
        fx *x = fx_new("dump.pcapng", ng ? "true" : "false", "dump.snaplen", "50", NULL);
        h_build_udp(&g_pkt, 0, "10.0.0.1", 1000, "10.0.0.2", 2000, 100);
        pg_pkt eth = g_pkt;
        h_feed(x->e, T0, &eth);
        assert_int_equal(ntc_engine_ingest(x->e, NTC_LINKTYPE_RAW, T0 + SEC, eth.data + 14,
                                           (uint32_t)eth.len - 14, 0), 0);
        h_feed(x->e, T0 + 2 * SEC, &eth);
        fx_close(x);
        flist l = fx_files(x);
        static rfile f;
        if (ng) {
            assert_int_equal(l.n, 1);
            int idbs = 0;
            read_pcapng(x, l.name[0], &f, &idbs);
            assert_int_equal(idbs, 2);
            assert_int_equal(f.n, 3);
            assert_int_equal(f.p[0].linktype, 1);
            assert_int_equal(f.p[1].linktype, 101);
            assert_int_equal(f.p[2].linktype, 1);
            assert_int_equal(f.snaplen, 50);
            for (int j = 0; j < 3; j++) {
                assert_true(f.p[j].ts == T0 + (uint64_t)j * SEC);
                assert_int_equal(f.p[j].caplen, 50); /* dump.snaplen */
                assert_int_equal(f.p[j].len, j == 1 ? eth.len - 14 : eth.len);
            }
            assert_memory_equal(f.p[1].data, eth.data + 14, 50);
        } else {
            assert_int_equal(l.n, 3);
            int want[3] = {DLT_EN10MB, DLT_RAW, DLT_EN10MB};
            for (int i = 0; i < 3; i++) {
                read_pcap(x, l.name[i], &f);
                assert_int_equal(f.linktype, want[i]);
                assert_int_equal(f.n, 1);
                assert_int_equal(f.p[0].caplen, 50);
                assert_int_equal(f.snaplen, 50);
            }
        }
        fx_free(x);
    }
}

/* ---- selection ---- */

/* Three UDP flows (5, 2 and 7 packets, interleaved) and one ARP frame. */
static void three_flows(fx *x)
{
    int left[3] = {5, 2, 7};
    const char *src[3] = {"10.0.0.1", "10.0.1.1", "192.168.5.5"};
    const char *dst[3] = {"10.0.0.2", "8.8.8.8", "10.0.0.9"};
    uint64_t ts = T0;
    for (int round = 0; round < 7; round++) {
        for (int k = 0; k < 3; k++) {
            if (left[k]-- <= 0)
                continue;
            int back = round % 2; /* alternate directions */
            uint16_t port = (uint16_t)(1000 + k);
            if (back)
                udp_frame(x, ts, dst[k], 9999, src[k], port, 60 + (size_t)k, (uint8_t)(k * 16 + round));
            else
                udp_frame(x, ts, src[k], port, dst[k], 9999, 60 + (size_t)k, (uint8_t)(k * 16 + round));
            ts += MS;
        }
    }
    pg_init(&g_pkt);
    pg_eth(&g_pkt, PG_MAC(0xff, 0xff, 0xff, 0xff, 0xff, 0xff), PG_MAC(2, 0, 0, 0, 0, 1), 0);
    pg_arp(&g_pkt, 1, PG_MAC(2, 0, 0, 0, 0, 1), PG_IP4(10, 0, 0, 1), PG_MAC(0, 0, 0, 0, 0, 0),
           PG_IP4(10, 0, 0, 2));
    h_finish(&g_pkt);
    h_feed(x->e, ts, &g_pkt);
}

/* Stamps (flow * 16 + index) of the packets in the one file written. */
static int stamps(fx *x, int *out, int max)
{
    flist l = fx_files(x);
    assert_int_equal(l.n, 1);
    static rfile f;
    read_pcap(x, l.name[0], &f);
    assert_true(f.n <= max);
    for (int i = 0; i < f.n; i++)
        out[i] = f.p[i].caplen >= 60 ? f.p[i].data[f.p[i].caplen - 1] : -1;
    return f.n;
}

static void select_hosts(void **state)
{
    (void)state;
    fx *x = fx_new("dump.hosts", "10.0.0.0/24", "dpi.enable", "false", NULL);
    three_flows(x);
    fx_close(x);
    int s[32], n = stamps(x, s, 32);
    /* flows 0 (10.0.0.1 <-> 10.0.0.2) and 2 (192.168.5.5 <-> 10.0.0.9), in capture order */
    int want[] = {0, 32, 1, 33, 2, 34, 3, 35, 4, 36, 37, 38};
    assert_int_equal(n, 12);
    for (int i = 0; i < n; i++)
        assert_int_equal(s[i], want[i]);
    ntc_dump_stats st = fx_stats(x);
    assert_int_equal(st.packets_seen, 15);
    assert_int_equal(st.packets_written, 12);
    assert_int_equal(st.packets_not_selected, 3); /* flow 1 and the ARP frame */
    fx_free(x);
}

static void select_first_packets(void **state)
{
    (void)state;
    fx *x = fx_new("dump.flow_packets", "3", NULL);
    three_flows(x);
    fx_close(x);
    int s[32], n = stamps(x, s, 32);
    int want[] = {0, 16, 32, 1, 17, 33, 2, 34, -1}; /* the ARP frame too (no flow selector) */
    assert_int_equal(n, 9);
    for (int i = 0; i < n; i++)
        assert_int_equal(s[i], want[i]);
    ntc_dump_stats st = fx_stats(x);
    assert_int_equal(st.packets_over_flow_limit, 2 + 4);
    assert_int_equal(st.packets_written, 9);
    fx_free(x);
}

/* An application selection includes the packets sent before the verdict (held, then written in
 * order at the verdict); other flows' held packets are dropped. */
static void select_l7_with_held_packets(void **state)
{
    (void)state;
    const char *names[] = {"HTTP", "http", "Web"};
    for (int t = 0; t < 3; t++) {
        fx *x = fx_new(t == 2 ? "dump.categories" : "dump.l7", names[t], NULL);
        static conv c;
        http(&c, x, T0, 40001, "www.example.com");
        h_udp(x->e, c.ts, "192.168.1.10", 50000, "10.9.9.9", 40404, 16); /* unknown, pending */
        h_udp(x->e, c.ts + MS, "10.9.9.9", 40404, "192.168.1.10", 50000, 16);
        ntc_dump_stats st = fx_stats(x);
        assert_int_equal(st.packets_released, 5);  /* HTTP's first 5, at the verdict */
        assert_int_equal(st.packets_held, 2);      /* UDP's, waiting */
        fx_close(x);
        static rfile f;
        flist l = fx_files(x);
        assert_int_equal(l.n, 1);
        read_pcap(x, l.name[0], &f);
        assert_int_equal(f.n, 8);
        for (int i = 0; i < 8; i++) {
            assert_same_frame(&f.p[i], &c.sent[i]);
            assert_true(f.p[i].ts == T0 + (uint64_t)i * MS);
        }
        st = fx_stats(x);
        assert_int_equal(st.packets_discarded, 2);
        assert_int_equal(st.packets_held, 0);
        assert_int_equal(st.bytes_held, 0);
        fx_free(x);
    }
}

static void select_unknown(void **state)
{
    (void)state;
    fx *x = fx_new("dump.unknown", "true", "dpi.guess", "false", NULL);
    static conv c;
    http(&c, x, T0, 40001, "www.example.com");
    h_udp(x->e, c.ts, "192.168.1.10", 50000, "10.9.9.9", 40404, 16);
    h_udp(x->e, c.ts + MS, "10.9.9.9", 40404, "192.168.1.10", 50000, 17);
    h_udp(x->e, c.ts + 2 * MS, "192.168.1.10", 50000, "10.9.9.9", 40404, 18);
    fx_close(x); /* the flush gives the UDP flow its verdict: Unknown */
    static rfile f;
    flist l = fx_files(x);
    assert_int_equal(l.n, 1);
    read_pcap(x, l.name[0], &f);
    assert_int_equal(f.n, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(f.p[i].caplen, 14 + 20 + 8 + 16 + i);
    ntc_dump_stats st = fx_stats(x);
    assert_int_equal(st.packets_released, 3);
    assert_int_equal(st.packets_discarded, 5); /* HTTP's held packets */
    assert_int_equal(st.packets_not_selected, 3); /* HTTP's after its verdict */
    fx_free(x);
}

/* nDPI flags HTTP to a numeric Host as a risk: only that flow is written with dump.risky. */
static void select_risky(void **state)
{
    (void)state;
    fx *x = fx_new("dump.risky", "true", NULL);
    static conv a, b;
    http(&a, x, T0, 40001, "www.example.com");
    http(&b, x, T0 + SEC, 40002, "93.184.216.34");
    fx_close(x);
    static rfile f;
    flist l = fx_files(x);
    assert_int_equal(l.n, 1);
    read_pcap(x, l.name[0], &f);
    assert_int_equal(f.n, 8);
    for (int i = 0; i < 8; i++)
        assert_same_frame(&f.p[i], &b.sent[i]);
    fx_free(x);
}

/* With a tiny buffer nothing can be held: the packets before the verdict are counted as dropped. */
static void held_buffer_full(void **state)
{
    (void)state;
    fx *x = fx_new("dump.l7", "HTTP", "dump.buffer_bytes", "1", NULL);
    static conv c;
    http(&c, x, T0, 40001, "www.example.com");
    fx_close(x);
    static rfile f;
    read_pcap(x, fx_files(x).name[0], &f);
    assert_int_equal(f.n, 3);
    for (int i = 0; i < 3; i++)
        assert_same_frame(&f.p[i], &c.sent[5 + i]);
    ntc_dump_stats st = fx_stats(x);
    assert_int_equal(st.packets_buffer_full, 5);
    assert_int_equal(st.packets_released, 0);
    fx_free(x);
}

static int mark_flow_cb(void *u, const ntc_flow *f)
{
    fx *x = u;
    ntc_flow_info fi = {.size = sizeof(fi)};
    ntc_flow_get_info(f, &fi);
    if (h_addr_is(fi.cli_addr, "192.168.5.5") || h_addr_is(fi.srv_addr, "192.168.5.5"))
        assert_int_equal(ntc_dump_mark_flow(x->d, f, NTC_DUMP_MARK_EXPLICIT), 0);
    return 0;
}

/* Marks: an explicit host mark writes every packet; an alert mark 1 of N (counted per mark); an
 * explicit mark is never sampled; flow marks last until the flow ends; at most max_marks. */
static void marks_and_sampling(void **state)
{
    (void)state;
    fx *x = fx_new("dump.marked_only", "true", "dump.alert_sampling", "3", "dump.max_marks", "3",
                   "dpi.enable", "false", NULL);
    h_addr a1 = h_ip("10.0.0.1"), a2 = h_ip("10.0.1.1"), a3 = h_ip("10.0.0.9"), a4 = h_ip("1.2.3.4");
    assert_int_equal(ntc_dump_mark_host(x->d, 4, a1.b, NTC_DUMP_MARK_EXPLICIT), 0);
    assert_int_equal(ntc_dump_mark_host(x->d, 4, a1.b, NTC_DUMP_MARK_ALERT), 0); /* same mark */
    assert_int_equal(ntc_dump_mark_host(x->d, 4, a2.b, NTC_DUMP_MARK_ALERT), 0);
    assert_int_equal(ntc_dump_mark_host(x->d, 4, a3.b, (ntc_dump_mark_kind)7), NTC_EINVAL);
    assert_int_equal(ntc_dump_mark_host(x->d, 5, a3.b, NTC_DUMP_MARK_ALERT), NTC_EINVAL);
    /* flow 2 (192.168.5.5 <-> 10.0.0.9) is marked once it exists, after its first packet */
    udp_frame(x, T0, "192.168.5.5", 1002, "10.0.0.9", 9999, 62, 0xff); /* before the mark: not written */
    assert_int_equal(ntc_engine_foreach_flow(x->e, mark_flow_cb, x), 0);
    assert_int_equal(fx_stats(x).marks, 3);
    assert_int_equal(ntc_dump_mark_host(x->d, 4, a4.b, NTC_DUMP_MARK_EXPLICIT), NTC_EFULL);
    three_flows(x);
    /* the alert mark of 10.0.0.1 goes; its explicit mark stays */
    assert_int_equal(ntc_dump_unmark_host(x->d, 4, a1.b, NTC_DUMP_MARK_ALERT), 0);
    udp_frame(x, T0 + SEC, "10.0.0.1", 1000, "10.0.0.2", 9999, 60, 0xee);
    fx_close(x);
    int s[32], n = stamps(x, s, 32);
    /* flow 0 (explicit) every packet; flow 1 (alert, 1 of 3): its 1st packet; flow 2 (marked
     * flow): every packet; no ARP */
    int want[] = {0, 16, 32, 1, 33, 2, 34, 3, 35, 4, 36, 37, 38, 0xee};
    assert_int_equal(n, 14);
    for (int i = 0; i < n; i++)
        assert_int_equal(s[i], want[i]);
    ntc_dump_stats st = fx_stats(x);
    assert_int_equal(st.packets_sampled_out, 1);
    assert_int_equal(st.marks_refused, 1);
    assert_int_equal(st.marks, 2); /* the flow mark ended with its flow */
    fx_free(x);

    /* 1 of 3 over 7 packets of an alert-marked host: the 1st, 4th and 7th */
    x = fx_new("dump.marked_only", "true", "dump.alert_sampling", "3", "dpi.enable", "false", NULL);
    assert_int_equal(ntc_dump_mark_host(x->d, 4, h_ip("192.168.5.5").b, NTC_DUMP_MARK_ALERT), 0);
    three_flows(x);
    fx_close(x);
    n = stamps(x, s, 32);
    assert_int_equal(n, 3);
    assert_int_equal(s[0], 32);
    assert_int_equal(s[1], 35);
    assert_int_equal(s[2], 38);
    assert_int_equal(fx_stats(x).packets_sampled_out, 4);
    fx_free(x);
}

/* Alert marks are counted: a host engaged in two alerts stays marked until both are released. */
static void alert_marks_counted(void **state)
{
    (void)state;
    fx *x = fx_new("dump.marked_only", "true", "dpi.enable", "false", NULL);
    h_addr ha = h_ip("10.0.1.1");
    const uint8_t *addr = ha.b;
    assert_int_equal(ntc_dump_mark_host(x->d, 4, addr, NTC_DUMP_MARK_ALERT), 0);
    assert_int_equal(ntc_dump_mark_host(x->d, 4, addr, NTC_DUMP_MARK_ALERT), 0);
    assert_int_equal(ntc_dump_unmark_host(x->d, 4, addr, NTC_DUMP_MARK_ALERT), 0);
    udp_frame(x, T0, "10.0.1.1", 1000, "10.0.0.2", 9999, 60, 1);       /* still marked */
    assert_int_equal(ntc_dump_unmark_host(x->d, 4, addr, NTC_DUMP_MARK_ALERT), 0);
    assert_int_equal(fx_stats(x).marks, 0);
    udp_frame(x, T0 + MS, "10.0.1.1", 1000, "10.0.0.2", 9999, 60, 2);  /* not any more */
    assert_int_equal(ntc_dump_unmark_host(x->d, 4, addr, NTC_DUMP_MARK_ALERT), 0); /* no-op */
    fx_close(x);
    int s[4], n = stamps(x, s, 4);
    assert_int_equal(n, 1);
    assert_int_equal(s[0], 1);
    fx_free(x);
}

static void mark_http_flow(fx *x, const ntc_flow *f)
{
    ntc_flow_info fi = {.size = sizeof(fi)};
    assert_int_equal(ntc_flow_get_info(f, &fi), 0);
    if (fi.srv_port == 80)
        assert_int_equal(ntc_dump_mark_flow(x->d, f, NTC_DUMP_MARK_ALERT), 0);
}

/* A flow marked at its verdict (as a flow alert would) keeps the packets sent before it: they
 * were held; an unmarked flow's held packets are dropped. With sampling 1:2 over the HTTP flow's 8
 * packets: the 1st, 3rd, 5th and 7th. */
static void marked_at_verdict(void **state)
{
    (void)state;
    for (int t = 0; t < 2; t++) {
        fx *x = fx_new("dump.marked_only", "true", "dump.alert_sampling", t ? "2" : "1", NULL);
        x->before_verdict = mark_http_flow;
        static conv c;
        http(&c, x, T0, 40001, "www.example.com");
        h_udp(x->e, c.ts, "192.168.1.10", 50000, "10.9.9.9", 40404, 16);
        fx_close(x);
        static rfile f;
        read_pcap(x, fx_files(x).name[0], &f);
        assert_int_equal(f.n, t ? 4 : 8);
        for (int i = 0; i < f.n; i++)
            assert_same_frame(&f.p[i], &c.sent[t ? 2 * i : i]);
        ntc_dump_stats st = fx_stats(x);
        assert_int_equal(st.packets_released, t ? 3 : 5);
        assert_int_equal(st.packets_sampled_out, t ? 4 : 0);
        assert_int_equal(st.packets_discarded, 1); /* the UDP flow's, never marked */
        fx_free(x);
    }
}

static void mark_client_after_3(fx *x, int i)
{
    if (i == 3)
        assert_int_equal(ntc_dump_mark_host(x->d, 4, h_ip("192.168.1.10").b, NTC_DUMP_MARK_EXPLICIT), 0);
}

/* A host marked while its flow is being classified: the flow's packets stay in order (those held
 * before the mark, and those after it until the verdict, are written at the verdict). */
static void marked_while_pending(void **state)
{
    (void)state;
    fx *x = fx_new("dump.marked_only", "true", NULL);
    static conv c;
    c.after_send = mark_client_after_3;
    http(&c, x, T0, 40001, "www.example.com");
    fx_close(x);
    static rfile f;
    read_pcap(x, fx_files(x).name[0], &f);
    assert_int_equal(f.n, 8);
    for (int i = 0; i < 8; i++)
        assert_same_frame(&f.p[i], &c.sent[i]);
    assert_int_equal(fx_stats(x).packets_released, 5);
    fx_free(x);
}

/* ---- errors ---- */

static void errors(void **state)
{
    (void)state;
    ntc_dump *d = NULL;
    ntc_config *cfg = ntc_config_new();
    assert_int_equal(ntc_dump_new(&d, NULL, cfg), NTC_EINVAL);
    assert_non_null(strstr(ntc_dump_errmsg(d), "no output"));
    ntc_dump_free(d);
    ntc_engine *e = h_engine(NULL, NULL);
    ntc_config_set(cfg, "dump.path", "/tmp/x.pcap");
    ntc_config_set(cfg, "dump.l7", "TLS,NoSuchApp");
    assert_int_equal(ntc_dump_new(&d, e, cfg), NTC_EINVAL);
    assert_non_null(strstr(ntc_dump_errmsg(d), "NoSuchApp"));
    ntc_dump_free(d);
    ntc_config_set(cfg, "dump.l7", "tls.youtube, DNS");
    assert_int_equal(ntc_dump_new(&d, e, cfg), 0);
    ntc_dump_free(d);
    ntc_config_set(cfg, "dump.categories", "NoSuchCategory");
    assert_int_equal(ntc_dump_new(&d, e, cfg), NTC_EINVAL);
    assert_non_null(strstr(ntc_dump_errmsg(d), "NoSuchCategory"));
    ntc_dump_free(d);
    ntc_config_set(cfg, "dump.categories", "");
    ntc_config_set(cfg, "dpi.enable", "false");
    assert_int_equal(ntc_dump_new(&d, e, cfg), NTC_EINVAL);
    assert_non_null(strstr(ntc_dump_errmsg(d), "dpi.enable"));
    ntc_dump_free(d);
    ntc_config_set(cfg, "dump.l7", "");
    ntc_config_set(cfg, "dump.tap", "a-name-far-too-long-for-linux");
    assert_int_equal(ntc_dump_new(&d, e, cfg), NTC_EINVAL);
    assert_non_null(strstr(ntc_dump_errmsg(d), "dump.tap"));
    ntc_dump_free(d);
    assert_int_equal(ntc_config_set(cfg, "dump.hosts", "10.0.0.0/33"), NTC_EFORMAT);

    /* A file that cannot be created: the first packet fails naming it, later ones too. */
    ntc_config_set(cfg, "dump.tap", "");
    ntc_config_set(cfg, "dump.path", "/nonexistent-dir/d.pcap");
    assert_int_equal(ntc_dump_new(&d, e, cfg), 0);
    h_build_udp(&g_pkt, 0, "10.0.0.1", 1, "10.0.0.2", 2, 10);
    assert_int_equal(ntc_dump_packet(d, NULL, -1, T0, 1, g_pkt.data, (uint32_t)g_pkt.len, 0), NTC_EIO);
    assert_non_null(strstr(ntc_dump_errmsg(d), "/nonexistent-dir/d.pcap"));
    assert_int_equal(ntc_dump_packet(d, NULL, -1, T0, 1, g_pkt.data, (uint32_t)g_pkt.len, 0), NTC_EIO);
    assert_int_equal(ntc_dump_close(d), NTC_EIO);
    ntc_dump_stats st = {.size = sizeof(st)};
    assert_int_equal(ntc_dump_get_stats(d, &st), 0);
    assert_int_equal(st.write_errors, 1);
    assert_int_equal(st.packets_written, 0);
    assert_int_equal(ntc_dump_packet(d, NULL, -1, T0, 1, NULL, 5, 0), NTC_EINVAL);
    ntc_dump_free(d);
    ntc_dump_free(NULL);
    assert_int_equal(ntc_dump_packet(NULL, NULL, -1, T0, 1, g_pkt.data, 1, 0), NTC_EINVAL);
    ntc_engine_free(e);
    ntc_config_free(cfg);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rotate_by_packets),
        cmocka_unit_test(rotate_by_seconds),
        cmocka_unit_test(rotate_by_size),
        cmocka_unit_test(ring_of_files),
        cmocka_unit_test(ring_of_bytes),
        cmocka_unit_test(link_types),
        cmocka_unit_test(select_hosts),
        cmocka_unit_test(select_first_packets),
        cmocka_unit_test(select_l7_with_held_packets),
        cmocka_unit_test(select_unknown),
        cmocka_unit_test(select_risky),
        cmocka_unit_test(held_buffer_full),
        cmocka_unit_test(marks_and_sampling),
        cmocka_unit_test(alert_marks_counted),
        cmocka_unit_test(marked_at_verdict),
        cmocka_unit_test(marked_while_pending),
        cmocka_unit_test(errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
