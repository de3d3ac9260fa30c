/* live-rate: the live-capture rate test's two halves (live_rate_test.sh, bench/live-rate.sh).
 *
 *   live-rate capture IFACE PORT COUNT MAX_MS READY_FILE [KEY=VALUE...]
 *       an engine (default configuration, DPI on, plus the KEY=VALUE settings) captures IFACE
 *       with the filter "udp dst port PORT"; creates READY_FILE once capturing, then polls until
 *       COUNT UDP packets were counted or MAX_MS passed, then 1.2 s more (the kernel's counters
 *       reach ntc_iface_stats at the engine's one-second ticks). Prints one line:
 *       "udp=N packets=N kernel_received=N kernel_dropped=N ifdrops=N flows=N"
 *   live-rate send IFACE DST_MAC PORT COUNT RATE
 *       sends COUNT Ethernet/IPv4/UDP frames (60 bytes, 10.88.0.1 -> 10.88.0.2:PORT, 16 source
 *       ports so 16 flows) out of IFACE through a packet socket, paced at RATE frames a second
 *       (each frame due at start + i / RATE; the sender sleeps when ahead). Prints
 *       "sent=N seconds=S rate=R" (the rate achieved).
 *
 * Needs CAP_NET_RAW (root). Exit status: 0 done, 1 error, 2 usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ntopcore/ntopcore.h"
#include "pktgen.h"

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(void)
{
    fprintf(stderr, "usage: live-rate capture IFACE PORT COUNT MAX_MS READY_FILE [KEY=VALUE...]\n"
                    "       live-rate send IFACE DST_MAC PORT COUNT RATE\n");
    return 2;
}

static int capture(int argc, char **argv)
{
    if (argc < 7)
        return usage();
    const char *ifname = argv[2], *ready = argv[6];
    unsigned long port = strtoul(argv[3], NULL, 10);
    uint64_t count = strtoull(argv[4], NULL, 10);
    double max_s = strtod(argv[5], NULL) / 1000.0;
    char filter[64];
    snprintf(filter, sizeof(filter), "udp dst port %lu", port);
    ntc_config *cfg = ntc_config_new();
    if (!cfg || ntc_config_set(cfg, "capture.filter", filter) != 0)
        return 1;
    for (int i = 7; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq)
            return usage();
        *eq = '\0';
        if (ntc_config_set(cfg, argv[i], eq + 1) != 0) {
            fprintf(stderr, "live-rate: %s\n", ntc_config_errmsg(cfg));
            return 1;
        }
    }
    ntc_engine *e = NULL;
    if (ntc_engine_new(&e, cfg) != 0) {
        fprintf(stderr, "live-rate: %s\n", ntc_engine_errmsg(e));
        return 1;
    }
    ntc_config_free(cfg);
    if (ntc_engine_open_live(e, ifname) != 0) {
        fprintf(stderr, "live-rate: %s\n", ntc_engine_errmsg(e));
        ntc_engine_free(e);
        return 1;
    }
    FILE *f = fopen(ready, "w");
    if (!f || fclose(f) != 0)
        return 1;
    ntc_iface_stats st = {.size = sizeof(st)};
    double start = mono(), done_at = 0;
    for (;;) {
        int n = ntc_engine_poll(e, 50);
        if (n < 0) {
            fprintf(stderr, "live-rate: %s\n", ntc_engine_errmsg(e));
            break;
        }
        ntc_engine_get_iface_stats(e, &st);
        double t = mono();
        if (!done_at && (st.udp_packets >= count || t - start > max_s))
            done_at = t;
        if (done_at && t - done_at > 1.2)
            break;
    }
    ntc_engine_get_iface_stats(e, &st);
    printf("udp=%" PRIu64 " packets=%" PRIu64 " kernel_received=%" PRIu64 " kernel_dropped=%" PRIu64
           " ifdrops=%" PRIu64 " flows=%" PRIu64 "\n",
           st.udp_packets, st.packets, st.kernel_received, st.kernel_dropped, st.ifdrops,
           st.flows_total);
    ntc_engine_free(e);
    return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        return -1;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return 0;
}

#define BATCH 256

static int send_frames(int argc, char **argv)
{
    if (argc != 7)
        return usage();
    const char *ifname = argv[2];
    uint8_t dmac[6];
    if (parse_mac(argv[3], dmac) != 0)
        return usage();
    uint16_t port = (uint16_t)strtoul(argv[4], NULL, 10);
    uint64_t count = strtoull(argv[5], NULL, 10);
    double rate = strtod(argv[6], NULL);
    if (rate <= 0)
        return usage();

    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) {
        perror("live-rate: packet socket");
        return 1;
    }
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = (int)if_nametoindex(ifname);
    sll.sll_halen = 6;
    memcpy(sll.sll_addr, dmac, 6);
    /* Straight to the device, past the queueing discipline: the sender should not be the limit. */
    int one = 1;
    (void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
    if (sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
        perror("live-rate: bind");
        close(fd);
        return 1;
    }
    /* 16 frames, one per source port (flow), prepared once. */
    static pg_pkt frames[16];
    for (int k = 0; k < 16; k++) {
        pg_pkt *p = &frames[k];
        pg_init(p);
        pg_eth(p, dmac, PG_MAC(0x02, 0, 0, 0x88, 0, 0x01), 0);
        pg_ipv4(p, PG_IP4(10, 88, 0, 1), PG_IP4(10, 88, 0, 2), NULL);
        pg_udp(p, (uint16_t)(20000 + k), port);
        pg_fill(p, 0x5a, 18);
        if (pg_finish(p) != 0)
            return 1;
    }
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    double start = mono();
    uint64_t sent = 0;
    while (sent < count) {
        /* Frames due by now, at most a batch. */
        double due = start + (double)sent / rate;
        double t = mono();
        if (due > t) {
            double wait = due - t;
            struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
            nanosleep(&ts, NULL);
            t = mono();
        }
        uint64_t upto = (uint64_t)((t - start) * rate) + 1;
        unsigned n = (unsigned)(upto > sent ? upto - sent : 1);
        if (n > BATCH)
            n = BATCH;
        if (n > count - sent)
            n = (unsigned)(count - sent);
        for (unsigned i = 0; i < n; i++) {
            pg_pkt *p = &frames[(sent + i) % 16];
            iov[i].iov_base = p->data;
            iov[i].iov_len = p->len;
            memset(&msgs[i], 0, sizeof(msgs[i]));
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int r = sendmmsg(fd, msgs, n, 0);
        if (r < 0) {
            if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
                continue; /* the device queue is full: try again (nothing was sent) */
            perror("live-rate: sendmmsg");
            close(fd);
            return 1;
        }
        sent += (unsigned)r;
    }
    double secs = mono() - start;
    close(fd);
    printf("sent=%" PRIu64 " seconds=%.3f rate=%.0f\n", sent, secs, secs > 0 ? (double)sent / secs : 0);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "capture") == 0)
        return capture(argc, argv);
    if (strcmp(argv[1], "send") == 0)
        return send_frames(argc, argv);
    return usage();
}
