/* fuzz_decode — the packet decoder (lib/decode) on every link type.
 *
 * Input: [link type selector] [time/wire length byte] [frame...]
 *   byte 0  link type: one of the eight the decoder knows (byte % 8), or 0xff: an unknown one
 *   byte 1  low nibble: clock step before this frame, 2^n milliseconds (0: none);
 *           high nibble: wire length = caplen + 2^(n*2) - 1 (0: wire length = caplen)
 *   rest    the captured frame, copied into a buffer of exactly its size so that ASan sees any
 *           read before or after it
 *
 * One decoder lives for the whole process, so the fragment table (16 entries, 2 s timeout) keeps
 * first fragments across inputs: later inputs meet them, the table fills, entries expire.
 * Checked besides memory safety: the result and every pointer/length of ntc__pkt against the
 * contract of lib/decode/decode.h, and that decoding a non-fragment twice gives the same result. */
#include "fuzz_common.h"

#include "decode/decode.h"

static const int linktypes[8] = {
    NTC_LINKTYPE_ETHERNET, NTC_LINKTYPE_RAW,  NTC_LINKTYPE_LINUX_SLL, NTC_LINKTYPE_LINUX_SLL2,
    NTC_LINKTYPE_NULL,     NTC_LINKTYPE_LOOP, NTC_LINKTYPE_IPV4,      NTC_LINKTYPE_IPV6,
};

#define FRAG_MAX 16

static ntc__decoder *dec;
static uint64_t now_us = 1700000000ull * 1000000;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    dec = ntc__decoder_new(FRAG_MAX, 2 * 1000000);
    FZ_CHECK(dec);
    return 0;
}

/* [p, p + n) lies within [base, base + len). */
static int within(const uint8_t *p, size_t n, const uint8_t *base, size_t len)
{
    return p >= base && p <= base + len && n <= (size_t)(base + len - p);
}

static void check_pkt(ntc__dec_result r, const ntc__pkt *p, const uint8_t *frame, uint32_t caplen)
{
    FZ_CHECK(r == NTC__DEC_IP || r == NTC__DEC_NONIP || r == NTC__DEC_ERROR);
    if (p->src_mac)
        FZ_CHECK(within(p->src_mac, 6, frame, caplen));
    if (p->dst_mac)
        FZ_CHECK(within(p->dst_mac, 6, frame, caplen));
    if (r == NTC__DEC_ERROR) {
        FZ_CHECK(p->error < NTC_DECODE_ERROR_COUNT && p->error != NTC_DECODE_FRAG_DROPPED);
        FZ_CHECK(ntc_decode_error_name(p->error) != NULL);
        return;
    }
    if (r == NTC__DEC_NONIP)
        return;
    FZ_CHECK(p->ip_version == 4 || p->ip_version == 6);
    if (p->ip_version == 4)
        for (int i = 4; i < 16; i++)
            FZ_CHECK(p->src[i] == 0 && p->dst[i] == 0);
    FZ_CHECK(p->frag <= NTC__FRAG_ORPHAN);
    FZ_CHECK(p->l3 != NULL);
    FZ_CHECK(within(p->l3, p->l3_caplen, frame, caplen));
    FZ_CHECK(p->l3_caplen <= p->ip_len);
    if (p->l4) {
        FZ_CHECK(p->frag == NTC__FRAG_NONE || p->frag == NTC__FRAG_FIRST);
        FZ_CHECK(p->l4 >= p->l3);
        FZ_CHECK(within(p->l4, p->l4_caplen, frame, caplen));
        FZ_CHECK(p->l4_caplen <= p->ip_len);
    } else {
        FZ_CHECK(p->payload == NULL);
    }
    if (p->frag == NTC__FRAG_LATER || p->frag == NTC__FRAG_ORPHAN)
        FZ_CHECK(p->l4 == NULL);
    if (p->frag == NTC__FRAG_ORPHAN)
        FZ_CHECK(p->sport == 0 && p->dport == 0);
    if (p->payload) {
        FZ_CHECK(p->payload >= p->l4);
        FZ_CHECK(within(p->payload, p->payload_caplen, frame, caplen));
        FZ_CHECK(within(p->payload, p->payload_caplen, p->l4, p->l4_caplen));
        FZ_CHECK(p->payload_caplen <= p->payload_len);
    } else {
        FZ_CHECK(p->payload_caplen == 0);
    }
    FZ_CHECK(p->tunnel <= NTC_TUNNEL_CAPWAP);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int lt = data[0] == 0xff ? 147 /* LINKTYPE_USER0 */ : linktypes[data[0] % 8];
    unsigned step = data[1] & 0x0f, wire = data[1] >> 4;
    if (step)
        now_us += (1ull << step) * 1000;
    uint32_t caplen = (uint32_t)(size - 2);
    uint32_t wirelen = wire ? caplen + (uint32_t)((1ull << (wire * 2)) - 1) : caplen;

    /* malloc(0) may return NULL; the decoder must then see no bytes at all. */
    uint8_t *frame = malloc(caplen ? caplen : 1);
    FZ_CHECK(frame);
    memcpy(frame, data + 2, caplen);

    ntc__pkt p1, p2;
    ntc__dec_result r1 = ntc__decode(dec, lt, now_us, frame, caplen, wirelen, &p1);
    check_pkt(r1, &p1, frame, caplen);
    FZ_CHECK(ntc__decoder_frag_count(dec) <= FRAG_MAX);
    if (lt == 147)
        FZ_CHECK(r1 == NTC__DEC_ERROR && p1.error == NTC_DECODE_UNKNOWN_LINKTYPE);

    if (r1 != NTC__DEC_IP || p1.frag == NTC__FRAG_NONE) {
        ntc__dec_result r2 = ntc__decode(dec, lt, now_us, frame, caplen, wirelen, &p2);
        FZ_CHECK(r2 == r1);
        FZ_CHECK(memcmp(&p1, &p2, sizeof(p1)) == 0);
    }
    free(frame);
    return 0;
}
