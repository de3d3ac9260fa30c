/* export_writer: feed N crafted UDP flows through an engine into the exporter's sinks, in rounds,
 * for the storage tests (SIGKILL survival, retention, ClickHouse outages).
 *
 *   export_writer [-f FIRST] [-n FLOWS] [-b FLOWS_PER_ROUND] [-s STEP_MS] [-p PAUSE_MS] [-a] URI...
 *
 * Flows FIRST .. FIRST+FLOWS-1 are written (FIRST default 0). Flow i goes from 10.(i>>16).(i>>8).(i&255):(20000 + i % 40000) to 192.168.0.1:53 with
 * one 60-byte packet at 1700000000 s + i * STEP_MS, so FLOW_START_MILLISECONDS - 1700000000000
 * = i * STEP_MS identifies it. After each round the engine is flushed (the round's flows end and
 * are pushed); with -a the exporter is flushed too and "acked N" printed (N flows durable).
 * At the end it prints one JSON line per sink: {"uri":..., "offered":..., "written":...,
 * "dropped_full":..., "dropped_error":..., "errors":..., "reconnects":...}. Exit 0, or 1 when a
 * sink could not be added (message on stderr). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ntopcore/ntopcore.h"

#define BASE_US 1700000000000000ULL

static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* A raw IPv4/UDP packet of 60 bytes for flow i. */
static size_t make_packet(uint8_t *b, uint32_t i)
{
    memset(b, 0, 60);
    b[0] = 0x45;
    b[3] = 60;
    b[8] = 64;
    b[9] = 17;
    b[12] = 10;
    b[13] = (uint8_t)(i >> 16);
    b[14] = (uint8_t)(i >> 8);
    b[15] = (uint8_t)i;
    b[16] = 192;
    b[17] = 168;
    b[18] = 0;
    b[19] = 1;
    uint16_t c = csum(b, 20);
    b[10] = (uint8_t)(c >> 8);
    b[11] = (uint8_t)c;
    uint16_t sport = (uint16_t)(20000 + i % 40000); /* clear of tunnel ports (GTP-U 2152, ...) */
    b[20] = (uint8_t)(sport >> 8);
    b[21] = (uint8_t)sport;
    b[22] = 0;
    b[23] = 53;
    b[25] = 40; /* UDP length */
    return 60;
}

static void on_flow(void *user, const ntc_flow *f, ntc_flow_end_reason why)
{
    ntc_exporter_flow(user, f);
}

static void on_log(void *user, int level, const char *msg)
{
    fprintf(stderr, "export_writer: %s\n", msg);
}

int main(int argc, char **argv)
{
    uint64_t first = 0, n = 1000, per = 100, step_ms = 1, pause_ms = 0;
    int ack = 0, opt;
    while ((opt = getopt(argc, argv, "f:n:b:s:p:a")) != -1) {
        switch (opt) {
        case 'f': first = strtoull(optarg, NULL, 10); break;
        case 'n': n = strtoull(optarg, NULL, 10); break;
        case 'b': per = strtoull(optarg, NULL, 10); break;
        case 's': step_ms = strtoull(optarg, NULL, 10); break;
        case 'p': pause_ms = strtoull(optarg, NULL, 10); break;
        case 'a': ack = 1; break;
        default:
            fprintf(stderr, "usage: export_writer [-n FLOWS] [-b PER_ROUND] [-s STEP_MS] [-p PAUSE_MS] [-a] URI...\n");
            return 2;
        }
    }
    if (optind >= argc || per == 0) {
        fprintf(stderr, "export_writer: give at least one output URI\n");
        return 2;
    }
    ntc_exporter *x;
    if (ntc_exporter_new(&x))
        return 1;
    ntc_exporter_set_log(x, on_log, NULL);
    for (int i = optind; i < argc; i++) {
        if (ntc_exporter_add(x, argv[i]) < 0) {
            fprintf(stderr, "export_writer: %s\n", ntc_exporter_errmsg(x));
            ntc_exporter_free(x);
            return 1;
        }
    }
    ntc_config *cfg = ntc_config_new();
    ntc_config_set(cfg, "dpi.enable", "false");
    ntc_config_set(cfg, "flow.max", "1000000");
    ntc_engine *eng;
    if (!cfg || ntc_engine_new(&eng, cfg)) {
        fprintf(stderr, "export_writer: cannot start the engine\n");
        return 1;
    }
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = on_flow};
    ntc_engine_set_callbacks(eng, &cb, x);
    uint8_t pkt[64];
    n += first;
    for (uint64_t i = first; i < n;) {
        uint64_t end = i + per < n ? i + per : n;
        for (; i < end; i++) {
            size_t len = make_packet(pkt, (uint32_t)i);
            ntc_engine_ingest(eng, NTC_LINKTYPE_RAW, BASE_US + i * step_ms * 1000, pkt,
                              (uint32_t)len, 0);
        }
        ntc_engine_flush(eng);
        if (ack && ntc_exporter_flush(x, -1) == 0) {
            printf("acked %" PRIu64 "\n", i);
            fflush(stdout);
        }
        if (pause_ms) {
            struct timespec ts = {(time_t)(pause_ms / 1000), (long)(pause_ms % 1000) * 1000000};
            nanosleep(&ts, NULL);
        }
    }
    ntc_exporter_close(x, 3000);
    for (size_t i = 0; i < ntc_exporter_sink_count(x); i++) {
        ntc_sink_stats st = {.size = sizeof(st)};
        ntc_exporter_get_stats(x, i, &st);
        printf("{\"uri\":\"%s\",\"offered\":%" PRIu64 ",\"written\":%" PRIu64
               ",\"dropped_full\":%" PRIu64 ",\"dropped_error\":%" PRIu64 ",\"queued\":%" PRIu64
               ",\"errors\":%" PRIu64 ",\"reconnects\":%" PRIu64 "}\n",
               ntc_exporter_sink_uri(x, i), st.offered, st.written, st.dropped_full,
               st.dropped_error, st.queued, st.errors, st.reconnects);
    }
    ntc_engine_free(eng);
    ntc_config_free(cfg);
    ntc_exporter_free(x);
    return 0;
}
