/* fuzz_zmq — ntopng-style ZMQ message parsing (lib/collect/zmqmsg.c): the header frame of every
 * version, JSON payloads (json-c), TLV payloads (nDPI serializer format), zlib inflation, msg_id
 * accounting, the record builder, and the records through ntc_engine_ingest_flow().
 *
 * Input: [sel] then bytes.
 *   sel % 8  0-3: a message with a header of version 0, 1, 2 or 3 (40, 24, 28 or 36 bytes taken
 *                 from the input; short inputs make a short header), the rest is the payload
 *            4: the rest as a JSON payload alone;  5: as a TLV payload alone
 *            6: a v3 header built here with the TLV and zlib flags, the rest as payload
 *            7: a v3 header built here with the zlib flag (JSON), the rest as payload
 * One parser lives for the process (source ids and their msg_ids carry over); its message limit is
 * 64 KiB. After each input the engine is flushed. Checks: as fuzz_netflow. */
#include "fuzz_common.h"

#include "collect/zmqmsg.h"

static ntc_engine *eng;
static ntc__zmqp *zp;
static ntc_iface_stats st;
static uint32_t msg_id;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    eng = fz_engine_new();
    zp = ntc__zmqp_new(4, 64 * 1024, 3, &st);
    FZ_CHECK(zp);
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
    if (r->l7_name)
        FZ_CHECK(strlen(r->l7_name) < 128);
    int rc = ntc_engine_ingest_flow(eng, r);
    FZ_CHECK(rc == 0 || (rc == NTC_EINVAL && !r->packets && !r->rev_packets));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const size_t hsize[4] = {40, 24, 28, 36};
    fz_reader r = {data, size};
    uint8_t sel = fz_u8(&r) % 8;
    uint64_t now = 1700000000ull * 1000000;
    int n;
    if (sel < 4) {
        size_t hl;
        const uint8_t *hp = fz_bytes(&r, hsize[sel], &hl);
        uint8_t *h = malloc(hl ? hl : 1), *p = malloc(r.left ? r.left : 1);
        FZ_CHECK(h && p);
        memcpy(h, hp, hl);
        memcpy(p, r.p, r.left);
        n = ntc__zmqp_message(zp, h, hl, p, r.left, "tcp://fuzz:1", now, on_record, NULL);
        free(h);
        free(p);
    } else if (sel < 6) {
        uint8_t *p = malloc(r.left ? r.left : 1);
        FZ_CHECK(p);
        memcpy(p, r.p, r.left);
        n = ntc__zmqp_payload(zp, sel == 5, p, r.left, "zmq:fuzz/0", now, on_record, NULL);
        free(p);
    } else {
        uint8_t h[36] = "flow";
        h[16] = 4;
        h[17] = (uint8_t)(NTC__ZMQ_FLAG_ZLIB | (sel == 6 ? NTC__ZMQ_FLAG_TLV : 0));
        msg_id++;
        h[28] = (uint8_t)(msg_id >> 24);
        h[29] = (uint8_t)(msg_id >> 16);
        h[30] = (uint8_t)(msg_id >> 8);
        h[31] = (uint8_t)msg_id;
        uint8_t *p = malloc(r.left ? r.left : 1);
        FZ_CHECK(p);
        memcpy(p, r.p, r.left);
        n = ntc__zmqp_message(zp, h, sizeof(h), p, r.left, "tcp://fuzz:2", now, on_record, NULL);
        free(p);
    }
    FZ_CHECK(n >= -1);
    fz_read_engine(eng);
    FZ_CHECK(ntc_engine_flush(eng) == 0);
    return 0;
}
