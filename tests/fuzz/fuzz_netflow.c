/* fuzz_netflow — the NetFlow v5/v9 and IPFIX parser (lib/collect/netflow.c) with its template
 * cache, the record builder (record.c), and the collected records through
 * ntc_engine_ingest_flow() into the flow and host tables.
 *
 * Input: datagrams, each [sel] [len: 2 bytes, big endian] [len bytes] (a length past the end takes
 * what is left).
 *   sel  bits 0-1: which of four exporters sent it (two addresses, two ports)
 *        bit 2: the exporter is an IPv6 address
 *        bits 3-7: receive clock step before it, n * 100 s (past the 600 s template timeout from
 *                  n = 7: templates and exporters are forgotten)
 * One parser lives for the whole process, so templates stay across inputs (as a collector's do);
 * its limits are small (4 exporters, 16 templates) so that refusals happen. After each input the
 * engine is flushed.
 * Checked besides memory safety: every record has IP version 4 or 6, last >= first, valid
 * metadata keys with bounded NUL-terminated values and a source; ingest accepts it (unless it
 * counts no packet); the caps hold;
 * the counters only grow. */
#include "fuzz_common.h"

#include "collect/netflow.h"

#define MAX_DGRAMS 64

static ntc_engine *eng;
static ntc__nf *nf;
static ntc_iface_stats st;
static uint64_t now_us = 1700000000ull * 1000000;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    eng = fz_engine_new();
    ntc__nf_limits lim = {.max_exporters = 4, .max_templates = 16,
                          .timeout_us = 600ull * 1000000, .seed = 7};
    nf = ntc__nf_new(&lim, &st);
    FZ_CHECK(nf);
    return 0;
}

static void on_record(void *user, const ntc_flow_record *r)
{
    (void)user;
    FZ_CHECK(r->size == sizeof(*r));
    FZ_CHECK(r->ip_version == 4 || r->ip_version == 6);
    FZ_CHECK(r->last_us >= r->first_us);
    FZ_CHECK(r->source && r->source[0]);
    FZ_CHECK(r->meta_count <= NTC_META_COUNT);
    for (size_t i = 0; i < r->meta_count; i++) {
        FZ_CHECK(r->meta[i].key >= 0 && r->meta[i].key < NTC_META_COUNT);
        FZ_CHECK(strlen(r->meta[i].value) <= 1024);
    }
    int rc = ntc_engine_ingest_flow(eng, r);
    FZ_CHECK(rc == 0 || (rc == NTC_EINVAL && !r->packets && !r->rev_packets));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_reader r = {data, size};
    now_us += 3600ull * 1000000;
    ntc_iface_stats before = st;
    for (int i = 0; i < MAX_DGRAMS && r.left > 0; i++) {
        uint8_t sel = fz_u8(&r);
        size_t len = fz_u16(&r), got;
        const uint8_t *p = fz_bytes(&r, len, &got);
        /* A copy of exactly the datagram's size, so ASan sees reads past it. */
        uint8_t *d = malloc(got ? got : 1);
        FZ_CHECK(d);
        memcpy(d, p, got);
        now_us += (uint64_t)(sel >> 3) * 100 * 1000000;
        uint8_t addr[16] = {0x20, 0x01, 0x0d, 0xb8};
        if (!(sel & 4)) {
            addr[0] = 192;
            addr[1] = 0;
            addr[2] = 2;
            addr[3] = (uint8_t)(1 + (sel & 1));
        } else {
            addr[15] = (uint8_t)(1 + (sel & 1));
        }
        int n = ntc__nf_datagram(nf, sel & 4 ? 6 : 4, addr, (uint16_t)(2055 + ((sel >> 1) & 1)), d,
                                 got, now_us, on_record, NULL);
        FZ_CHECK(n >= -1);
        free(d);
        FZ_CHECK(ntc__nf_template_count(nf) <= 16);
        FZ_CHECK(ntc__nf_exporter_count(nf) <= 4);
    }
    FZ_CHECK(st.collect_messages >= before.collect_messages);
    FZ_CHECK(st.collect_errors >= before.collect_errors);
    fz_read_engine(eng);
    FZ_CHECK(ntc_engine_flush(eng) == 0);
    return 0;
}
