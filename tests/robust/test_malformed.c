/* The malformed-capture corpus (make_malformed.c) through the engine, as ntop-export reads files:
 * ntc_engine_open_file() + ntc_engine_run() + ntc_engine_flush(). For each file: the exact
 * interface counters (packets, bytes, decode errors by reason, IP packets, fragments, clock
 * resyncs), the flows it ended with (key, packets, how they ended), or the exact error message of
 * a corrupt file and how many packets were read before it. Nothing may crash, hang or leak
 * (the suite runs under ASan/UBSan).
 *
 * Usage: test_malformed DIR            (DIR: where make-malformed wrote the files)
 *        test_malformed --dump DIR     (print what the engine makes of every file, for debugging) */
#include <arpa/inet.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ntopcore/ntopcore.h"

#define SEC 1000000ULL
#define T0 (1700000000ULL * SEC)
#define MAX_FLOWS 32

static const char *dir;

typedef struct flow_ev {
    ntc_flow_info fi;
    int reason;
} flow_ev;

typedef struct result {
    char path[4096];
    int open_rc, run_rc;
    char open_err[512], run_err[512];
    ntc_iface_stats st;
    flow_ev flows[MAX_FLOWS];
    int nflows;
    int ticks[6];   /* tick callbacks by ntc_tick */
} result;

static void on_flow(void *u, const ntc_flow *f, ntc_flow_end_reason why)
{
    result *r = u;
    assert_true(r->nflows < MAX_FLOWS);
    flow_ev *ev = &r->flows[r->nflows++];
    memset(ev, 0, sizeof(*ev));
    ev->fi.size = sizeof(ev->fi);
    assert_int_equal(ntc_flow_get_info(f, &ev->fi), 0);
    ev->reason = (int)why;
}

static void on_tick(void *u, ntc_tick t, uint64_t now)
{
    result *r = u;
    (void)now;
    assert_true(t >= 1 && t <= 5);
    r->ticks[t]++;
}

/* Read one file of the corpus with a default engine (DPI on, as the tools run). */
static result *run(const char *name)
{
    result *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    snprintf(r->path, sizeof(r->path), "%s/%s", dir, name);
    ntc_engine *e = NULL;
    assert_int_equal(ntc_engine_new(&e, NULL), 0);
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = on_flow, .tick = on_tick};
    assert_int_equal(ntc_engine_set_callbacks(e, &cb, r), 0);
    r->open_rc = ntc_engine_open_file(e, r->path);
    snprintf(r->open_err, sizeof(r->open_err), "%s", r->open_rc ? ntc_engine_errmsg(e) : "");
    if (r->open_rc == 0) {
        r->run_rc = ntc_engine_run(e, 0);
        snprintf(r->run_err, sizeof(r->run_err), "%s", r->run_rc ? ntc_engine_errmsg(e) : "");
    }
    assert_int_equal(ntc_engine_flush(e), 0);
    r->st.size = sizeof(r->st);
    assert_int_equal(ntc_engine_get_iface_stats(e, &r->st), 0);
    ntc_engine_free(e);
    return r;
}

static void dump(const result *r)
{
    const ntc_iface_stats *s = &r->st;
    printf("%s: open %d [%s] run %d [%s]\n", r->path, r->open_rc, r->open_err, r->run_rc, r->run_err);
    printf("  packets %" PRIu64 " bytes %" PRIu64 " ip %" PRIu64 " (v4 %" PRIu64 " v6 %" PRIu64
           ") nonip %" PRIu64 " tcp %" PRIu64 " udp %" PRIu64 " icmp %" PRIu64 " other %" PRIu64
           " frags %" PRIu64 " resyncs %" PRIu64 " flows %" PRIu64 " first %" PRIu64 " last %" PRIu64
           " ticks %d/%d/%d/%d/%d\n",
           s->packets, s->bytes, s->ip_packets, s->ipv4_packets, s->ipv6_packets, s->nonip_packets,
           s->tcp_packets, s->udp_packets, s->icmp_packets, s->other_l4_packets, s->fragments,
           s->clock_resyncs, s->flows_total, s->first_us, s->last_us, r->ticks[1], r->ticks[2],
           r->ticks[3], r->ticks[4], r->ticks[5]);
    printf("  decode errors %" PRIu64 ":", s->decode_errors_total);
    for (int i = 0; i < NTC_DECODE_ERROR_COUNT; i++)
        if (s->decode_errors[i])
            printf(" %s=%" PRIu64, ntc_decode_error_name(i), s->decode_errors[i]);
    printf("\n");
    for (int i = 0; i < r->nflows; i++) {
        const ntc_flow_info *f = &r->flows[i].fi;
        char a[64], b[64];
        inet_ntop(f->ip_version == 4 ? AF_INET : AF_INET6, f->cli_addr, a, sizeof(a));
        inet_ntop(f->ip_version == 4 ? AF_INET : AF_INET6, f->srv_addr, b, sizeof(b));
        printf("  flow %s:%u -> %s:%u proto %u pkts %" PRIu64 "+%" PRIu64 " bytes %" PRIu64
               "+%" PRIu64 " frags %u first %" PRIu64 " last %" PRIu64 " end %s\n",
               a, f->cli_port, b, f->srv_port, f->l4_proto, f->cli2srv_packets, f->srv2cli_packets,
               f->cli2srv_bytes, f->srv2cli_bytes, f->fragments, f->first_us, f->last_us,
               ntc_flow_end_reason_name(r->flows[i].reason));
    }
}

/* ---- expectations ------------------------------------------------------------------------- */

typedef struct expect {
    uint64_t packets, bytes;
    uint64_t ip, ipv4, ipv6, tcp, udp, other_l4, fragments;
    uint64_t resyncs, flows;
    uint64_t errors[NTC_DECODE_ERROR_COUNT]; /* by ntc_decode_error; the rest must be 0 */
} expect;

static void check_stats(const result *r, const expect *x)
{
    const ntc_iface_stats *s = &r->st;
    assert_int_equal(s->packets, x->packets);
    assert_int_equal(s->bytes, x->bytes);
    assert_int_equal(s->ip_packets, x->ip);
    assert_int_equal(s->ipv4_packets, x->ipv4);
    assert_int_equal(s->ipv6_packets, x->ipv6);
    assert_int_equal(s->tcp_packets, x->tcp);
    assert_int_equal(s->udp_packets, x->udp);
    assert_int_equal(s->icmp_packets, 0);
    assert_int_equal(s->other_l4_packets, x->other_l4);
    assert_int_equal(s->nonip_packets, 0);
    assert_int_equal(s->fragments, x->fragments);
    assert_int_equal(s->clock_resyncs, x->resyncs);
    assert_int_equal(s->flows_total, x->flows);
    assert_int_equal(r->nflows, (int)x->flows); /* every flow ended through the callback */
    uint64_t total = 0;
    for (int i = 0; i < NTC_DECODE_ERROR_SLOTS; i++) {
        uint64_t want = i < NTC_DECODE_ERROR_COUNT ? x->errors[i] : 0;
        if (s->decode_errors[i] != want)
            fail_msg("%s: decode errors %s: %" PRIu64 ", expected %" PRIu64, r->path,
                     ntc_decode_error_name(i), s->decode_errors[i], want);
        total += want;
    }
    assert_int_equal(s->decode_errors_total, total);
    /* Each frame is exactly one of: IP, non-IP, a decode error. */
    assert_int_equal(s->ip_packets + s->nonip_packets + s->decode_errors_total -
                         s->decode_errors[NTC_DECODE_FRAG_DROPPED],
                     s->packets);
}

/* The flow that ended with this protocol and client/server ports (asserts there is one). */
static const flow_ev *flow(const result *r, int ipv, uint8_t proto, uint16_t cport, uint16_t sport)
{
    const flow_ev *found = NULL;
    for (int i = 0; i < r->nflows; i++) {
        const ntc_flow_info *f = &r->flows[i].fi;
        if (f->ip_version == ipv && f->l4_proto == proto && f->cli_port == cport &&
            f->srv_port == sport) {
            if (found)
                fail_msg("%s: two flows IPv%d %u %u -> %u", r->path, ipv, proto, cport, sport);
            found = &r->flows[i];
        }
    }
    if (!found)
        fail_msg("%s: no flow IPv%d %u %u -> %u", r->path, ipv, proto, cport, sport);
    return found;
}

/* A flow (IPv4 or 6) with packets and IP bytes client->server / server->client, and how it ended. */
static void check_flow(const result *r, int ipv, uint8_t proto, uint16_t cport, uint16_t sport,
                       uint64_t c2s_pkts, uint64_t c2s_bytes, uint64_t s2c_pkts, uint64_t s2c_bytes,
                       uint32_t fragments, int reason)
{
    const flow_ev *ev = flow(r, ipv, proto, cport, sport);
    assert_int_equal(ev->fi.cli2srv_packets, c2s_pkts);
    assert_int_equal(ev->fi.cli2srv_bytes, c2s_bytes);
    assert_int_equal(ev->fi.srv2cli_packets, s2c_pkts);
    assert_int_equal(ev->fi.srv2cli_bytes, s2c_bytes);
    assert_int_equal(ev->fi.fragments, fragments);
    assert_int_equal(ev->reason, reason);
}

static void check_times(const result *r, int ipv, uint8_t proto, uint16_t cport, uint16_t sport,
                        uint64_t first, uint64_t last)
{
    const flow_ev *ev = flow(r, ipv, proto, cport, sport);
    assert_int_equal(ev->fi.first_us, first);
    assert_int_equal(ev->fi.last_us, last);
}

/* The file opens and reads to its end. */
static result *run_ok(const char *name)
{
    result *r = run(name);
    if (r->open_rc != 0 || r->run_rc != 0)
        fail_msg("%s: open %d (%s), run %d (%s)", r->path, r->open_rc, r->open_err, r->run_rc,
                 r->run_err);
    return r;
}

static void assert_msg(const result *r, const char *got, const char *suffix)
{
    char want[4600];
    snprintf(want, sizeof(want), "%s: %s", r->path, suffix);
    if (strcmp(got, want) != 0)
        fail_msg("message\n  got:      %s\n  expected: %s", got, want);
}

/* ---- well-formed files, malformed packets ------------------------------------------------- */

static void truncated_headers(void **state)
{
    (void)state;
    result *r = run_ok("truncated-headers.pcap");
    expect x = {.packets = 8, .bytes = 54 + 46 + 60 + 60 + 62 + 54 + 62 + 58};
    x.errors[NTC_DECODE_TRUNCATED_L2] = 3; /* Ethernet cut, VLAN tag cut, nothing captured */
    x.errors[NTC_DECODE_TRUNCATED_IP] = 2; /* IPv4 and IPv6 headers cut */
    x.errors[NTC_DECODE_TRUNCATED_L4] = 3; /* TCP, UDP, ICMP headers cut */
    check_stats(r, &x);
    free(r);
}

static void caplen_gt_len(void **state)
{
    (void)state;
    result *r = run_ok("caplen-gt-len.pcap");
    /* caplen 60 > len 50 (or 0): the frame is as long as what was captured. */
    expect x = {.packets = 4, .bytes = 4 * 60, .ip = 4, .ipv4 = 4, .udp = 4, .flows = 1};
    check_stats(r, &x);
    check_flow(r, 4, 17, 1000, 53, 4, 4 * 46, 0, 0, 0, NTC_FLOW_END_FLUSH);
    free(r);
}

static void bogus_ip_lengths(void **state)
{
    (void)state;
    result *r = run_ok("bogus-ip-lengths.pcap");
    expect x = {.packets = 9, .bytes = 60 + 60 + 60 + 54 + 60 + 62 + 60 + 60 + 60, .ip = 3,
                .ipv4 = 3, .tcp = 2, .udp = 1, .flows = 3};
    x.errors[NTC_DECODE_BAD_IP_LENGTH] = 3; /* total < header, IPv4 and IPv6 lengths past the wire */
    x.errors[NTC_DECODE_BAD_IPV4_IHL] = 1;
    x.errors[NTC_DECODE_TRUNCATED_IP] = 1;  /* a 60-byte header in a 40-byte packet */
    x.errors[NTC_DECODE_BAD_IP_VERSION] = 1;
    check_stats(r, &x);
    check_flow(r, 4, 6, 40007, 80, 1, 46, 0, 0, 0, NTC_FLOW_END_FLUSH); /* length 0: the wire's */
    check_flow(r, 4, 6, 40008, 80, 1, 40, 0, 0, 0, NTC_FLOW_END_FLUSH); /* padding not counted */
    check_flow(r, 4, 17, 1009, 53, 1, 46, 0, 0, 0, NTC_FLOW_END_FLUSH); /* UDP length ignored */
    free(r);
}

static void bogus_tcp(void **state)
{
    (void)state;
    result *r = run_ok("bogus-tcp.pcap");
    expect x = {.packets = 4, .bytes = 60 + 54 + 104 + 54, .ip = 2, .ipv4 = 2, .tcp = 2, .flows = 2};
    x.errors[NTC_DECODE_BAD_TCP_HEADER] = 2; /* data offset 3; data offset past the segment */
    check_stats(r, &x);
    check_flow(r, 4, 6, 40003, 80, 1, 90, 0, 0, 0, NTC_FLOW_END_FLUSH);
    /* Every flag set, SYN+ACK among them: the sender is taken as the server. */
    check_flow(r, 4, 6, 80, 40004, 0, 0, 1, 40, 0, NTC_FLOW_END_FLUSH);
    free(r);
}

static void ipv6_ext_chains(void **state)
{
    (void)state;
    result *r = run_ok("ipv6-ext-chains.pcap");
    expect x = {.packets = 9, .bytes = 126 + 134 + 374 + 70 + 70 + 78 + 78 + 78 + 70, .ip = 4,
                .ipv6 = 4, .udp = 3, .other_l4 = 1, .fragments = 1, .flows = 2};
    /* Nine headers, a loop of 40, a header longer than the packet, one cut by the capture, a
     * chain longer than the payload length. */
    x.errors[NTC_DECODE_IPV6_EXT_LIMIT] = 5;
    check_stats(r, &x);
    /* 8 options headers + UDP; AH + UDP; hop-by-hop + orphan fragment of UDP. */
    check_flow(r, 6, 17, 0, 0, 3, (40 + 64 + 8) + (40 + 16 + 8) + (40 + 8 + 8 + 8), 0, 0, 1,
               NTC_FLOW_END_FLUSH);
    check_flow(r, 6, 59, 0, 0, 1, 40 + 16, 0, 0, 0, NTC_FLOW_END_FLUSH);
    free(r);
}

static void overlapping_fragments(void **state)
{
    (void)state;
    result *r = run_ok("overlapping-fragments.pcap");
    expect x = {.packets = 10, .bytes = 5 * 58 + 50 + 42 + 46 + 2 * 78, .ip = 10, .ipv4 = 8,
                .ipv6 = 2, .tcp = 2, .udp = 8, .fragments = 10, .flows = 4};
    check_stats(r, &x);
    /* First, overlapping, duplicate first, overlapping last: the ports of the first. */
    check_flow(r, 4, 17, 5000, 6000, 4, 4 * 44, 0, 0, 4, NTC_FLOW_END_FLUSH);
    /* A fragment after the last one (its first forgotten), and the "ping of death" (offset 65528
     * + 16 bytes, past 65535, first never seen): orphans, ports unknown. Nothing is reassembled,
     * so nothing overflows. */
    check_flow(r, 4, 17, 0, 0, 2, 44 + 36, 0, 0, 2, NTC_FLOW_END_FLUSH);
    /* A first fragment of 8 TCP bytes (ports only), then the rest. */
    check_flow(r, 4, 6, 7000, 8000, 2, 28 + 32, 0, 0, 2, NTC_FLOW_END_FLUSH);
    /* IPv6: a first fragment and one overlapping it. */
    check_flow(r, 6, 17, 5000, 6000, 2, 2 * (40 + 8 + 16), 0, 0, 2, NTC_FLOW_END_FLUSH);
    free(r);
}

static void time_backwards(void **state)
{
    (void)state;
    result *r = run_ok("time-backwards.pcap");
    expect x = {.packets = 8, .bytes = 8 * 52, .ip = 8, .ipv4 = 8, .udp = 8, .resyncs = 1,
                .flows = 2};
    check_stats(r, &x);
    const uint64_t back = T0 - 7200 * SEC;
    /* A step back of 0.5 s is kept (the clock does not go back); one of two hours restarts the
     * clock and ends the flows of the old time (reason flush). */
    check_flow(r, 4, 17, 1000, 53, 4, 4 * 38, 0, 0, 0, NTC_FLOW_END_FLUSH);
    check_times(r, 4, 17, 1000, 53, T0, T0 + 2 * SEC);
    check_flow(r, 4, 17, 1001, 53, 4, 4 * 38, 0, 0, 0, NTC_FLOW_END_FLUSH);
    check_times(r, 4, 17, 1001, 53, back, back + 3 * SEC);
    assert_int_equal(r->st.first_us, back); /* uptime restarts with the clock */
    assert_int_equal(r->st.last_us, back + 3 * SEC);
    /* Second ticks: T0+1, T0+2, back+1, back+3 (none for the steps back). */
    assert_int_equal(r->ticks[NTC_TICK_SECOND], 4);
    free(r);
}

static void huge_timestamps_pcap(void **state)
{
    (void)state;
    result *r = run_ok("huge-timestamps.pcap");
    expect x = {.packets = 5, .bytes = 5 * 60, .ip = 5, .ipv4 = 5, .udp = 5, .resyncs = 2,
                .flows = 3};
    check_stats(r, &x);
    check_flow(r, 4, 17, 1000, 53, 1, 46, 0, 0, 0, NTC_FLOW_END_FLUSH);
    check_times(r, 4, 17, 1000, 53, 2147483647999999ULL, 2147483647999999ULL);
    /* A microsecond field of 2000000 counts as 2 s more; the packet after it, 1 s behind, stays. */
    check_flow(r, 4, 17, 1001, 53, 3, 3 * 46, 0, 0, 0, NTC_FLOW_END_FLUSH);
    check_times(r, 4, 17, 1001, 53, T0, T0 + 3 * SEC);
    /* -1 s (before the epoch) is time 0. */
    check_flow(r, 4, 17, 1002, 53, 1, 46, 0, 0, 0, NTC_FLOW_END_FLUSH);
    check_times(r, 4, 17, 1002, 53, 0, 0);
    assert_int_equal(r->st.last_us, 0);
    assert_int_equal(r->ticks[NTC_TICK_SECOND], 1); /* T0 + 3 */
    free(r);
}

static void huge_timestamps_pcapng(void **state)
{
    (void)state;
    result *r = run_ok("huge-timestamps.pcapng");
    expect x = {.packets = 5, .bytes = 5 * 60, .ip = 5, .ipv4 = 5, .udp = 5, .resyncs = 1,
                .flows = 2};
    check_stats(r, &x);
    check_flow(r, 4, 17, 1000, 53, 3, 3 * 46, 0, 0, 0, NTC_FLOW_END_FLUSH);
    check_times(r, 4, 17, 1000, 53, UINT64_MAX - 300000, UINT64_MAX);
    check_flow(r, 4, 17, 1001, 53, 2, 2 * 46, 0, 0, 0, NTC_FLOW_END_FLUSH);
    check_times(r, 4, 17, 1001, 53, T0, T0 + SEC);
    /* No one-second boundary lies between the first three packets (the next one would be past
     * 2^64): only T0 + 1 s is a tick. */
    assert_int_equal(r->ticks[NTC_TICK_SECOND], 1);
    free(r);
}

static void unknown_linktype(void **state)
{
    (void)state;
    result *r = run_ok("unknown-linktype.pcap");
    expect x = {.packets = 3, .bytes = 3 * 60};
    x.errors[NTC_DECODE_UNKNOWN_LINKTYPE] = 3;
    check_stats(r, &x);
    free(r);
}

/* ---- corrupt files: the exact error, and what was read before it ------------------------------ */

/* A file that cannot be opened: NTC_EFORMAT, the message names it, nothing is counted. */
static void check_open_error(const char *name, const char *msg)
{
    result *r = run(name);
    assert_int_equal(r->open_rc, NTC_EFORMAT);
    assert_msg(r, r->open_err, msg);
    expect x = {0};
    check_stats(r, &x);
    free(r);
}

/* A file that fails after `packets` good UDP packets (10.0.0.1:1000 -> :53, 60-byte frames, one
 * a second from T0): NTC_EFORMAT from the run, the message, and the packets before it counted. */
static void check_read_error(const char *name, uint64_t packets, const char *msg)
{
    result *r = run(name);
    assert_int_equal(r->open_rc, 0);
    assert_int_equal(r->run_rc, NTC_EFORMAT);
    assert_msg(r, r->run_err, msg);
    expect x = {.packets = packets, .bytes = packets * 60, .ip = packets, .ipv4 = packets,
                .udp = packets, .flows = 1};
    check_stats(r, &x);
    check_flow(r, 4, 17, 1000, 53, packets, packets * 46, 0, 0, 0, NTC_FLOW_END_FLUSH);
    free(r);
}

static void corrupt_headers(void **state)
{
    (void)state;
    check_open_error("empty.pcap", "truncated dump file; tried to read 4 file header bytes, only got 0");
    check_open_error("bad-magic.pcap", "unknown file format");
    check_open_error("short-header.pcap",
                     "truncated dump file; tried to read 24 file header bytes, only got 6");
    check_open_error("bad-version.pcap", "archaic pcap savefile format");
    check_open_error("pcapng-bad-shb-length.pcapng",
                     "Section Header Block in pcapng dump file has invalid length 28 < _12_ < "
                     "1048576 (BT_SHB_INSANE_MAX)");
}

static void corrupt_records(void **state)
{
    (void)state;
    check_read_error("truncated-record-header.pcap", 2,
                     "corrupt or truncated after 2 packets: truncated dump file; tried to read 16 "
                     "header bytes, only got 8");
    check_read_error("truncated-record-data.pcap", 2,
                     "corrupt or truncated after 2 packets: truncated dump file; tried to read 100 "
                     "captured bytes, only got 50");
    check_read_error("caplen-huge.pcap", 1,
                     "corrupt or truncated after 1 packets: invalid packet capture length 300000, "
                     "bigger than snaplen of 65535");
    check_read_error("pcapng-no-idb.pcapng", 1,
                     "corrupt or truncated after 1 packets: a packet arrived on interface 1, but "
                     "there's no Interface Description Block for that interface");
    check_read_error("pcapng-truncated-block.pcapng", 2,
                     "corrupt or truncated after 2 packets: truncated pcapng dump file; tried to "
                     "read 84 bytes, only got 32");
    check_read_error("pcapng-caplen-past-block.pcapng", 1,
                     "corrupt or truncated after 1 packets: block of type 6 in pcapng dump file is "
                     "too short");
}

static const char *const all_files[] = {
    "truncated-headers.pcap", "caplen-gt-len.pcap", "bogus-ip-lengths.pcap", "bogus-tcp.pcap",
    "ipv6-ext-chains.pcap", "overlapping-fragments.pcap", "time-backwards.pcap",
    "huge-timestamps.pcap", "huge-timestamps.pcapng", "unknown-linktype.pcap", "empty.pcap",
    "bad-magic.pcap", "short-header.pcap", "bad-version.pcap", "truncated-record-header.pcap",
    "truncated-record-data.pcap", "caplen-huge.pcap", "pcapng-bad-shb-length.pcapng",
    "pcapng-no-idb.pcapng", "pcapng-truncated-block.pcapng", "pcapng-caplen-past-block.pcapng",
};

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--dump") == 0) {
        dir = argv[2];
        for (size_t i = 0; i < sizeof(all_files) / sizeof(all_files[0]); i++) {
            result *r = run(all_files[i]);
            dump(r);
            free(r);
        }
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: test_malformed DIR | --dump DIR\n");
        return 2;
    }
    dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(truncated_headers),
        cmocka_unit_test(caplen_gt_len),
        cmocka_unit_test(bogus_ip_lengths),
        cmocka_unit_test(bogus_tcp),
        cmocka_unit_test(ipv6_ext_chains),
        cmocka_unit_test(overlapping_fragments),
        cmocka_unit_test(time_backwards),
        cmocka_unit_test(huge_timestamps_pcap),
        cmocka_unit_test(huge_timestamps_pcapng),
        cmocka_unit_test(unknown_linktype),
        cmocka_unit_test(corrupt_headers),
        cmocka_unit_test(corrupt_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
