/* embed_ingest — libntopcore inside a program that owns its capture loop.
 *
 * An appliance usually has its own capture (libpcap here; a DPDK or AF_XDP ring works the same).
 * It hands each packet to the engine with ntc_engine_ingest(), gets finished flows back through
 * the flow_end callback, and at the end calls ntc_engine_flush() for the flows still open.
 *
 *   embed-ingest -r FILE      read a capture file (pcap or pcapng)
 *   embed-ingest -i IFACE     capture live until Ctrl-C (needs root or CAP_NET_RAW)
 *
 * Prints the 10 largest flows by bytes and the interface totals.
 * Build: cc embed_ingest.c $(pkg-config --cflags --libs ntopcore libpcap)
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <ntopcore/ntopcore.h>

#define TOP_N 10

/* The largest flows seen so far, largest first. Filled by the flow_end callback. */
typedef struct top_flows {
    ntc_flow_info flows[TOP_N];
    int count;
} top_flows;

static uint64_t flow_bytes(const ntc_flow_info *f)
{
    return f->cli2srv_bytes + f->srv2cli_bytes;
}

/* Runs on the engine thread (here: our only thread) during ingest/flush. The flow pointer is only
 * valid during the call, so copy what we need: ntc_flow_get_info() into our own struct. */
static void on_flow_end(void *user, const ntc_flow *flow, ntc_flow_end_reason reason)
{
    top_flows *top = user;
    if (reason == NTC_FLOW_END_ACTIVE)
        return; /* a progress report of a flow that goes on (flow.active_timeout); it ends later */

    ntc_flow_info info = {.size = sizeof(info)}; /* `size` first: lets the struct grow safely */
    if (ntc_flow_get_info(flow, &info) != 0)
        return;

    /* Insert into the sorted top-N array. */
    int i = top->count < TOP_N ? top->count++ : TOP_N;
    while (i > 0 && flow_bytes(&top->flows[i - 1]) < flow_bytes(&info)) {
        if (i < TOP_N)
            top->flows[i] = top->flows[i - 1];
        i--;
    }
    if (i < TOP_N)
        top->flows[i] = info;
}

/* The engine expects LINKTYPE_ numbers (the values stored in capture files). pcap_datalink()
 * returns DLT_ values, which are the same except for a few, notably raw IP (DLT_RAW is 12 or 14,
 * LINKTYPE_RAW is 101). */
static int linktype_of(pcap_t *p)
{
    int dlt = pcap_datalink(p);
    if (dlt == DLT_RAW || dlt == 12 || dlt == 14)
        return NTC_LINKTYPE_RAW;
    return dlt; /* EN10MB (1), NULL (0), LINUX_SLL (113), LINUX_SLL2 (276), ...: same numbers */
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* What the pcap callback needs. */
typedef struct capture {
    pcap_t *pcap;
    ntc_engine *eng;
    int linktype;
    int unsupported;
} capture;

/* One packet from libpcap: hand it to the engine with its link type and timestamp. */
static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    capture *c = (capture *)(void *)user;
    uint64_t ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    if (ntc_engine_ingest(c->eng, c->linktype, ts_us, data, h->caplen, h->len) == NTC_ENOTSUP) {
        c->unsupported = 1; /* counted by the engine; no use going on with this source */
        pcap_breakloop(c->pcap);
    }
}

static uint64_t wall_us(void)
{
    struct timeval now;
    gettimeofday(&now, NULL);
    return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_usec;
}

static void print_addr(const ntc_flow_info *f, const uint8_t *addr, uint16_t port)
{
    char s[INET6_ADDRSTRLEN], hp[INET6_ADDRSTRLEN + 10];
    inet_ntop(f->ip_version == 6 ? AF_INET6 : AF_INET, addr, s, sizeof(s));
    snprintf(hp, sizeof(hp), f->ip_version == 6 ? "[%s]:%u" : "%s:%u", s, port);
    printf("%-47s", hp);
}

static void report(const top_flows *top, ntc_engine *eng)
{
    printf("top flows by bytes:\n");
    printf("%-47s    %-47s %5s %10s %12s\n", "client", "server", "proto", "packets", "bytes");
    for (int i = 0; i < top->count; i++) {
        const ntc_flow_info *f = &top->flows[i];
        print_addr(f, f->cli_addr, f->cli_port);
        printf(" -> ");
        print_addr(f, f->srv_addr, f->srv_port);
        printf(" %5u %10" PRIu64 " %12" PRIu64 "\n", f->l4_proto,
               f->cli2srv_packets + f->srv2cli_packets, flow_bytes(f));
    }

    ntc_iface_stats st = {.size = sizeof(st)};
    if (ntc_engine_get_iface_stats(eng, &st) != 0)
        return;
    printf("\ninterface totals:\n");
    printf("  packets %" PRIu64 ", bytes %" PRIu64 " (IP: %" PRIu64 " packets, %" PRIu64
           " bytes; non-IP %" PRIu64 ")\n",
           st.packets, st.bytes, st.ip_packets, st.ip_bytes, st.nonip_packets);
    printf("  TCP %" PRIu64 ", UDP %" PRIu64 ", ICMP %" PRIu64 ", other %" PRIu64
           " packets; %" PRIu64 " undecodable\n",
           st.tcp_packets, st.udp_packets, st.icmp_packets, st.other_l4_packets,
           st.decode_errors_total);
    printf("  flows %" PRIu64 " (%" PRIu64 " expired, %" PRIu64 " evicted), hosts %" PRIu64
           ", peak %.0f bit/s\n",
           st.flows_total, st.flows_expired, st.flows_evicted, st.hosts_total, st.peak_bps);
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "-r") != 0 && strcmp(argv[1], "-i") != 0)) {
        fprintf(stderr, "usage: %s -r FILE | -i IFACE\n", argv[0]);
        return 2;
    }
    int live = argv[1][1] == 'i';

    /* 1. Our own capture. */
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = live ? pcap_open_live(argv[2], 65535, 1, 100 /* ms */, errbuf)
                     : pcap_open_offline(argv[2], errbuf);
    if (!p) {
        fprintf(stderr, "%s: %s\n", argv[2], errbuf);
        return 1;
    }

    /* 2. An engine (NULL config: defaults; see ntc_config_* to change them) and its callbacks. */
    ntc_engine *eng = NULL;
    int rc = ntc_engine_new(&eng, NULL);
    if (rc != 0) {
        /* On failure eng may still be set, only to say why: print its message, then free it. */
        fprintf(stderr, "ntc_engine_new: %s%s%s\n", ntc_strerror(rc), eng ? ": " : "",
                eng ? ntc_engine_errmsg(eng) : "");
        ntc_engine_free(eng);
        pcap_close(p);
        return 1;
    }
    top_flows top = {.count = 0};
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = on_flow_end};
    ntc_engine_set_callbacks(eng, &cb, &top);

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    /* 3. The loop. A live source is non-blocking, and we wait for it with poll(): when the link
     * is idle, the engine clock still moves on with the wall clock (so idle flows end), and
     * Ctrl-C is seen at once. A file is read in batches until it ends. */
    capture c = {.pcap = p, .eng = eng, .linktype = linktype_of(p)};
    int fd = -1, status = 0;
    if (live && pcap_setnonblock(p, 1, errbuf) != 0) {
        fprintf(stderr, "%s: %s\n", argv[2], errbuf);
        status = 1;
    } else if (live && (fd = pcap_get_selectable_fd(p)) < 0) {
        fprintf(stderr, "%s: this source cannot be polled\n", argv[2]);
        status = 1;
    }
    while (!stop && !status) {
        int n = pcap_dispatch(p, 4096, on_packet, (u_char *)&c);
        if (n == PCAP_ERROR) {
            fprintf(stderr, "%s: %s\n", argv[2], pcap_geterr(p));
            status = 1;
        } else if (c.unsupported) {
            fprintf(stderr, "%s: link type %d is not supported\n", argv[2], c.linktype);
            status = 1;
        } else if (n == 0 && !live) {
            break; /* end of file */
        } else if (n == 0) {
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            if (poll(&pfd, 1, 100 /* ms */) == 0)
                ntc_engine_advance(eng, wall_us());
        }
    }

    /* 4. End of input: the flows still open end now (flow_end with NTC_FLOW_END_FLUSH). */
    ntc_engine_flush(eng);
    report(&top, eng);

    ntc_engine_free(eng);
    pcap_close(p);
    return status;
}
