/* Helper of live_test.sh: drives lib/capture on live interfaces, or sends UDP datagrams.
 *
 *   live_probe capture IFACE[,IFACE...] PORT EXPECT MAX_MS READY_FILE
 *       open the interfaces, create READY_FILE, poll until EXPECT UDP/IPv4 datagrams to PORT
 *       were seen (then 300 ms more, to catch duplicates) or MAX_MS passed; print
 *       "packets=N port=M recv=R drop=D ifdrop=I linktype=L"
 *   live_probe idle IFACE TIMEOUT_MS
 *       one poll with timeout 0 and one with TIMEOUT_MS on an idle interface; print
 *       "ret0=R ms0=T ret=R ms=T"
 *   live_probe gone IFACE MAX_MS READY_FILE
 *       poll until the source fails (interface deleted) or MAX_MS; print "rc=C live=N err=MSG"
 *   live_probe send DST_IPV4 PORT COUNT
 *       send COUNT UDP datagrams to DST_IPV4:PORT; print "sent=N"
 *
 * Exit status: 0 when the command ran, 1 on an error, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "ntopcore/error.h"

#define MAX_IFACES 8

typedef struct counts {
    unsigned long packets, port;
    int linktype;
    uint16_t want_port;
} counts;

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_pkt(void *user, const ntc__cap_pkt *p)
{
    counts *c = user;
    const uint8_t *d = p->data;
    unsigned ihl;

    c->packets++;
    c->linktype = p->linktype;
    if (p->linktype != 1 || p->caplen < 14 + 20 + 8)
        return;
    if (d[12] != 0x08 || d[13] != 0x00 || (d[14] >> 4) != 4 || d[23] != 17)
        return;
    ihl = (unsigned)(d[14] & 0x0f) * 4;
    if (p->caplen < 14 + ihl + 8)
        return;
    if ((uint16_t)((d[14 + ihl + 2] << 8) | d[14 + ihl + 3]) == c->want_port)
        c->port++;
}

static int touch(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fputs("ready\n", f);
    return fclose(f);
}

static int open_ifaces(ntc__capture *cap, char *list)
{
    ntc__live_opts o = {.snaplen = 256, .promisc = 0, .buffer_mb = 2};
    char err[512];
    char *save = NULL, *name;

    for (name = strtok_r(list, ",", &save); name != NULL; name = strtok_r(NULL, ",", &save)) {
        if (ntc__capture_add_live(cap, name, &o, NULL, err, sizeof(err)) != 0) {
            fprintf(stderr, "live_probe: %s\n", err);
            return -1;
        }
    }
    return 0;
}

static int cmd_capture(char **argv)
{
    counts c = {0, 0, -1, (uint16_t)atoi(argv[1])};
    unsigned long expect = strtoul(argv[2], NULL, 10);
    long max_ms = atol(argv[3]), start, done_at = -1;
    ntc__capture *cap = ntc__capture_new();
    uint64_t r, d, f;
    char err[512];
    int rc;

    if (cap == NULL || open_ifaces(cap, argv[0]) != 0 || touch(argv[4]) != 0)
        return 1;
    start = now_ms();
    for (;;) {
        long t = now_ms();
        if (t - start > max_ms || (done_at >= 0 && t - done_at > 300))
            break;
        rc = ntc__capture_poll(cap, 50, 64, on_pkt, &c, err, sizeof(err));
        if (rc < 0) {
            fprintf(stderr, "live_probe: poll: %d %s\n", rc, err);
            ntc__capture_free(cap);
            return 1;
        }
        if (done_at < 0 && c.port >= expect)
            done_at = now_ms();
    }
    ntc__capture_stats(cap, &r, &d, &f);
    printf("packets=%lu port=%lu recv=%llu drop=%llu ifdrop=%llu linktype=%d\n", c.packets,
           c.port, (unsigned long long)r, (unsigned long long)d, (unsigned long long)f,
           c.linktype);
    ntc__capture_free(cap);
    return 0;
}

static int cmd_idle(char **argv)
{
    counts c = {0, 0, -1, 0};
    int timeout = atoi(argv[1]), rc0, rc;
    ntc__capture *cap = ntc__capture_new();
    long t0, t1, t2;
    char err[512];

    if (cap == NULL || open_ifaces(cap, argv[0]) != 0)
        return 1;
    t0 = now_ms();
    rc0 = ntc__capture_poll(cap, 0, 64, on_pkt, &c, err, sizeof(err));
    t1 = now_ms();
    rc = ntc__capture_poll(cap, timeout, 64, on_pkt, &c, err, sizeof(err));
    t2 = now_ms();
    printf("ret0=%d ms0=%ld ret=%d ms=%ld\n", rc0, t1 - t0, rc, t2 - t1);
    ntc__capture_free(cap);
    return 0;
}

static int cmd_gone(char **argv)
{
    counts c = {0, 0, -1, 0};
    long max_ms = atol(argv[1]), start;
    ntc__capture *cap = ntc__capture_new();
    char err[512] = "";
    int rc = 0;

    if (cap == NULL || open_ifaces(cap, argv[0]) != 0 || touch(argv[2]) != 0)
        return 1;
    start = now_ms();
    while (now_ms() - start < max_ms) {
        rc = ntc__capture_poll(cap, 50, 64, on_pkt, &c, err, sizeof(err));
        if (rc < 0)
            break;
    }
    printf("rc=%d live=%d err=%s\n", rc, ntc__capture_live_count(cap), err);
    if (rc < 0 && rc != NTC_EOF) {
        /* the set is empty now */
        rc = ntc__capture_poll(cap, 50, 64, on_pkt, &c, err, sizeof(err));
        printf("next=%d\n", rc);
    }
    ntc__capture_free(cap);
    return 0;
}

static int cmd_send(char **argv)
{
    struct sockaddr_in to;
    long count = atol(argv[2]), i, sent = 0;
    struct timespec pace = {0, 500000};
    char payload[32];
    int s;

    memset(&to, 0, sizeof(to));
    to.sin_family = AF_INET;
    to.sin_port = htons((uint16_t)atoi(argv[1]));
    if (inet_pton(AF_INET, argv[0], &to.sin_addr) != 1) {
        fprintf(stderr, "live_probe: bad address %s\n", argv[0]);
        return 2;
    }
    s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) {
        perror("live_probe: socket");
        return 1;
    }
    for (i = 0; i < count; i++) {
        int n = snprintf(payload, sizeof(payload), "ntc-probe %ld", i);
        if (sendto(s, payload, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to)) == n)
            sent++;
        else
            perror("live_probe: sendto");
        nanosleep(&pace, NULL);
    }
    close(s);
    printf("sent=%ld\n", sent);
    return sent == count ? 0 : 1;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 7 && strcmp(argv[1], "capture") == 0)
        return cmd_capture(argv + 2);
    if (argc == 4 && strcmp(argv[1], "idle") == 0)
        return cmd_idle(argv + 2);
    if (argc == 5 && strcmp(argv[1], "gone") == 0)
        return cmd_gone(argv + 2);
    if (argc == 5 && strcmp(argv[1], "send") == 0)
        return cmd_send(argv + 2);
    fprintf(stderr, "usage: live_probe capture IFACES PORT EXPECT MAX_MS READY_FILE\n"
                    "       live_probe idle IFACE TIMEOUT_MS\n"
                    "       live_probe gone IFACE MAX_MS READY_FILE\n"
                    "       live_probe send DST_IPV4 PORT COUNT\n");
    return 2;
}
