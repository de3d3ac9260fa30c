/* fuzz_engine — the whole per-packet path with DPI on: ntc_engine_ingest() (decode, flow and host
 * tables, nDPI through lib/dpi, L7 accounting, DNS name cache), clock advance and expiry, flush,
 * snapshots, and the callbacks' accessors and JSON formatters.
 *
 * Input: [link type selector] then frames, each [ctl] [len: 2 bytes, big endian] [len bytes]
 * (a length past the end takes what is left).
 *   selector  the link type of the first frame: one of the eight supported (byte % 8)
 *   ctl       bits 0-3: clock step before the frame: 0 none, n = 1..14: 2^(n-1) ms,
 *                       15: a timestamp one second in the past (the engine keeps its clock)
 *             bit 4: first advance the clock 2 minutes (flows and hosts expire: ntc_engine_advance);
 *                    with step 15 instead: a timestamp two hours in the past (past
 *                    engine.clock_resync: the engine ends everything and restarts its clock)
 *             bit 5: wire length 1000 bytes longer than the captured frame
 *             bit 6: read the tables now (foreach flow, app tables, counters, latest snapshot)
 *             bit 7: switch to the next link type of the list for this and later frames
 * After the last frame: ntc_engine_flush(), so every flow and host goes through the callbacks.
 *
 * One engine lives for the whole process (nDPI's initialisation costs ~100 ms under ASan, an
 * input ~1 ms); each input starts an hour after the previous one ended, so that nothing but the
 * interface counters, the application totals, the DNS name cache and the latest snapshot carries
 * over. */
#include "fuzz_common.h"

static const int linktypes[8] = {
    NTC_LINKTYPE_ETHERNET, NTC_LINKTYPE_RAW,  NTC_LINKTYPE_LINUX_SLL, NTC_LINKTYPE_LINUX_SLL2,
    NTC_LINKTYPE_NULL,     NTC_LINKTYPE_LOOP, NTC_LINKTYPE_IPV4,      NTC_LINKTYPE_IPV6,
};

#define MAX_FRAMES 256

static ntc_engine *eng;
static uint64_t now_us = 1700000000ull * 1000000;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    eng = fz_engine_new();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fz_reader r = {data, size};
    unsigned lt = fz_u8(&r) % 8;
    now_us += 3600ull * 1000000;

    for (int i = 0; i < MAX_FRAMES && r.left > 0; i++) {
        uint8_t ctl = fz_u8(&r);
        size_t len = fz_u16(&r), got;
        const uint8_t *frame = fz_bytes(&r, len, &got);

        unsigned step = ctl & 0x0f;
        uint64_t ts = now_us;
        if (step == 15) {
            ts = now_us - ((ctl & 0x10) ? 7200ull : 1ull) * 1000000;
        } else {
            if (step)
                ts = now_us += (1ull << (step - 1)) * 1000;
            if (ctl & 0x10) {
                ts = now_us += 120ull * 1000000;
                FZ_CHECK(ntc_engine_advance(eng, now_us) == 0);
            }
        }
        if (ctl & 0x80)
            lt = (lt + 1) % 8;

        /* A buffer of exactly the frame's size: ASan sees any read past it. */
        uint8_t *copy = malloc(got ? got : 1);
        FZ_CHECK(copy);
        memcpy(copy, frame, got);
        uint32_t wirelen = (uint32_t)got + ((ctl & 0x20) ? 1000 : 0);
        int rc = ntc_engine_ingest(eng, linktypes[lt], ts, copy, (uint32_t)got, wirelen);
        FZ_CHECK(rc == 0);
        free(copy);

        if (ctl & 0x40) {
            ntc_engine_foreach_flow(eng, fz_flow_cb, NULL);
            fz_read_engine(eng);
            fz_read_snapshot(eng);
        }
    }
    FZ_CHECK(ntc_engine_flush(eng) == 0);
    fz_read_engine(eng);

    ntc_iface_stats st = {.size = sizeof(st)};
    FZ_CHECK(ntc_engine_get_iface_stats(eng, &st) == 0);
    FZ_CHECK(st.flows_active == 0);
    FZ_CHECK(st.hosts_active == 0);
    FZ_CHECK(st.flows_inspecting == 0);
    return 0;
}
