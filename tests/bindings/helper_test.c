/* The Python binding's C helper (bindings/python/ntopcore/helper.c) without Python: the
 * read-ahead thread hands out every flow exactly once while the caller pauses it (views of the
 * engine between batches), stop requests arrive from another thread, callbacks switch the
 * iteration to the caller's thread, and the helper is freed while its thread is busy. Built with
 * AddressSanitizer in the test command's build and with ThreadSanitizer in its TSan build.
 *
 *   helper_test [FLOWS]
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

/* The Python side's callbacks, as the cffi module would define them. */
static atomic_int flow_cbs, log_cbs;
static pthread_t cb_thread_expected;
static atomic_int cb_wrong_thread;

void _ntcpy_on_flow(void *handle, const char *json, size_t len, int reason)
{
    (void)handle, (void)reason;
    if (!pthread_equal(pthread_self(), cb_thread_expected))
        atomic_fetch_add(&cb_wrong_thread, 1);
    if (len && json[0] == '{')
        atomic_fetch_add(&flow_cbs, 1);
}

void _ntcpy_on_tick(void *handle, int tick, uint64_t now_us)
{
    (void)handle, (void)tick, (void)now_us;
}

void _ntcpy_on_host(void *handle, const char *json, size_t len)
{
    (void)handle, (void)json, (void)len;
}

void _ntcpy_on_log(void *handle, int level, const char *msg)
{
    (void)handle, (void)level, (void)msg;
    atomic_fetch_add(&log_cbs, 1);
}

void _ntcpy_on_alert(void *handle, const char *json, size_t len)
{
    (void)handle, (void)json, (void)len;
}

/* nflows single-packet UDP flows, 1000 per second of packet time (raw IPv4). */
static void write_pcap(const char *path, unsigned nflows)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    uint32_t gh[6] = {0xA1B2C3D4u, 2 | (4u << 16), 0, 0, 65535, 101};
    fwrite(gh, sizeof(gh), 1, f);
    for (unsigned i = 0; i < nflows; i++) {
        uint8_t p[29] = {0x45, 0, 0, 29, 0, 1, 0, 0, 64, 17, 0, 0, 10, (uint8_t)(i >> 16),
                         (uint8_t)(i >> 8), (uint8_t)i, 10, 255, 0, 1, 0x9c, 0x40, 0x27, 0x0f,
                         0, 9, 0, 0, 'x'};
        uint64_t ts = 1700000000ull * 1000000 + (uint64_t)i * 1000;
        uint32_t rh[4] = {(uint32_t)(ts / 1000000), (uint32_t)(ts % 1000000), sizeof(p), sizeof(p)};
        fwrite(rh, sizeof(rh), 1, f);
        fwrite(p, sizeof(p), 1, f);
    }
    fclose(f);
}

static ntcpy *open_helper(const char *pcap)
{
    ntc_config *cfg = ntc_config_new();
    ntc_config_set_bool(cfg, "dpi.enable", 0);
    /* Flows end all along the capture (1000 a second idle out), not only at its end. */
    ntc_config_set_int(cfg, "flow.idle_timeout", 5);
    char err[256];
    ntcpy *p = ntcpy_new(cfg, NULL, err, sizeof(err));
    ntc_config_free(cfg);
    if (!p) {
        fprintf(stderr, "ntcpy_new: %s\n", err);
        exit(1);
    }
    if (ntcpy_open_file(p, pcap)) {
        fprintf(stderr, "open %s failed\n", pcap);
        exit(1);
    }
    return p;
}

/* A batch in marshal form starts with a list of `count` items. */
static int marshal_list_of(const char *data, size_t len, size_t count)
{
    if (len < 5 || data[0] != '[')
        return 0;
    uint32_t n = (uint8_t)data[1] | (uint32_t)(uint8_t)data[2] << 8 |
                 (uint32_t)(uint8_t)data[3] << 16 | (uint32_t)(uint8_t)data[4] << 24;
    return n == count;
}

typedef struct stopper {
    ntcpy *p;
    atomic_int done;
    atomic_int sent;
} stopper;

static void *stop_often(void *arg)
{
    stopper *s = arg;
    while (!atomic_load(&s->done)) {
        ntcpy_stop(s->p);
        atomic_fetch_add(&s->sent, 1);
        usleep(500);
    }
    return NULL;
}

/* Every flow once, in marshal batches, with views of the engine between batches and stop
 * requests from another thread all along. */
static void test_readahead(const char *pcap, unsigned nflows, int marshal)
{
    ntcpy *p = open_helper(pcap);
    ntcpy_set_format(p, marshal);
    ntcpy_set_callbacks(p, NTCPY_CB_LOG);
    stopper s = {.p = p};
    pthread_t th;
    pthread_create(&th, NULL, stop_often, &s);
    size_t total = 0, batches = 0, views = 0;
    int rc;
    for (;;) {
        const char *data;
        size_t len, count;
        rc = ntcpy_next(p, 1, 200, 1000, &data, &len, &count);
        if (rc == 2)
            break;
        if (rc < 0) {
            CHECK(0, "ntcpy_next: %d", rc);
            break;
        }
        if (rc == 1) {
            batches++;
            total += count;
            if (marshal)
                CHECK(marshal_list_of(data, len, count), "batch of %zu: not a marshal list", count);
            else
                CHECK(len >= 2 && data[0] == '[' && data[len - 1] == ']', "batch: not a JSON array");
            /* A batch is full at 1000, plus what the packet or tick that filled it ended (here
             * at most the 1000 flows of one second idling out). */
            CHECK(count <= 2000, "batch of %zu flows (batch size 1000)", count);
        }
        if (batches % 3 == 0) {
            /* A view: the read-ahead thread is paused; the counters never lag the flows. */
            size_t n;
            int vrc;
            const char *st = ntcpy_json(p, 3, 0, &n, &vrc);
            CHECK(st && vrc == 0, "stats: %d", vrc);
            CHECK(ntcpy_packets(p) >= total, "packets %" PRIu64 " < flows handed out %zu",
                  ntcpy_packets(p), total);
            views++;
        }
    }
    atomic_store(&s.done, 1);
    pthread_join(th, NULL);
    CHECK(total == nflows, "%s: %zu flows handed out, expected %u", marshal ? "marshal" : "json",
          total, nflows);
    CHECK(ntcpy_packets(p) == nflows, "packets %" PRIu64, ntcpy_packets(p));
    CHECK(ntcpy_source_error(p) == 0, "source error");
    const char *data;
    size_t len, count;
    CHECK(ntcpy_next(p, 1, 50, 1000, &data, &len, &count) == 2, "still at the end");
    printf("readahead %s: %zu flows in %zu batches, %zu views, %d stop requests\n",
           marshal ? "marshal" : "json", total, batches, views, atomic_load(&s.sent));
    ntcpy_free(p);
}

/* Setting a flow callback mid-way: later flows go through it, on the caller's thread. */
static void test_switch_to_callbacks(const char *pcap, unsigned nflows)
{
    ntcpy *p = open_helper(pcap);
    ntcpy_set_format(p, 1);
    ntcpy_set_callbacks(p, NTCPY_CB_LOG);
    cb_thread_expected = pthread_self();
    atomic_store(&flow_cbs, 0);
    size_t total = 0, before = 0;
    int batches = 0;
    for (;;) {
        const char *data;
        size_t len, count;
        int rc = ntcpy_next(p, 1, 200, 1000, &data, &len, &count);
        if (rc == 2 || rc < 0)
            break;
        total += count;
        if (rc == 1 && ++batches == 2) {
            ntcpy_set_callbacks(p, NTCPY_CB_LOG | NTCPY_CB_FLOW);
            before = total;
        }
    }
    CHECK(total == nflows, "%zu flows, expected %u", total, nflows);
    int cbs = atomic_load(&flow_cbs);
    CHECK(cbs > 0 && (size_t)cbs <= total - before, "%d flow callbacks after the switch", cbs);
    CHECK(atomic_load(&cb_wrong_thread) == 0, "callbacks on another thread");
    ntcpy_free(p);
}

/* Freed while the read-ahead thread runs (a Python engine closed mid-loop, or collected). */
static void test_free_while_busy(const char *pcap)
{
    for (int i = 0; i < 5; i++) {
        ntcpy *p = open_helper(pcap);
        ntcpy_set_format(p, 1);
        const char *data;
        size_t len, count;
        ntcpy_next(p, 1, 1, 1000, &data, &len, &count);
        ntcpy_free(p);
    }
}

int main(int argc, char **argv)
{
    unsigned nflows = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 30000;
    char pcap[] = "/tmp/ntc-helper-XXXXXX";
    int fd = mkstemp(pcap);
    if (fd < 0) {
        perror("mkstemp");
        return 1;
    }
    close(fd);
    write_pcap(pcap, nflows);
    test_readahead(pcap, nflows, 1);
    test_readahead(pcap, nflows, 0);
    test_switch_to_callbacks(pcap, nflows);
    test_free_while_busy(pcap);
    unlink(pcap);
    if (failures)
        fprintf(stderr, "%d failures\n", failures);
    else
        printf("ok\n");
    return failures ? 1 : 0;
}
