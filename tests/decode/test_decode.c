/* Unit tests of lib/decode: every link type, tag, tunnel, fragment case and error reason, with
 * exact decoded fields. Frames are crafted with tests/common/pktgen and decoded from a heap copy
 * of exactly caplen bytes, so that AddressSanitizer catches any read past the capture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode/decode.h"
#include "ntopcore/engine.h"
#include "ntopcore/flow.h"
#include "ntopcore/iface.h"
#include "pktgen.h"

#define FRAG_MAX 4
#define FRAG_TIMEOUT 1000000u /* 1 s */

static ntc__decoder *g_dec;
static ntc__pkt pk;
static uint8_t *g_buf;
static uint64_t g_ts = 1700000000000000ull;

static pg_pkt P, Q;
static pg_pkt F[8];

static const uint8_t MAC_A[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
static const uint8_t MAC_B[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0b};
static const uint8_t MAC_C[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0c};
static const uint8_t MAC_D[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0d};
static const uint8_t IP_A[4] = {10, 0, 0, 1};
static const uint8_t IP_B[4] = {10, 0, 0, 2};
static const uint8_t IP_C[4] = {192, 168, 7, 1};
static const uint8_t IP_D[4] = {192, 168, 7, 2};
static uint8_t IP6_A[16], IP6_B[16], IP6_C[16], IP6_D[16];

/* ---- helpers ---- */

static int dec_ex_lt(int lt, const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
    free(g_buf);
    g_buf = malloc(caplen); /* exact size: ASan flags any overread (even for caplen 0) */
    if (caplen)
        memcpy(g_buf, data, caplen);
    memset(&pk, 0xa5, sizeof(pk)); /* the decoder must set every field */
    return (int)ntc__decode(g_dec, lt, g_ts, g_buf, caplen, wirelen, &pk);
}

static int dec_ex(int lt, const pg_pkt *p, uint32_t caplen, uint32_t wirelen)
{
    return dec_ex_lt(lt, p->data, caplen, wirelen);
}

static int dec(int lt, const pg_pkt *p)
{
    return dec_ex(lt, p, (uint32_t)p->len, (uint32_t)p->len);
}

/* Offset of a pointer into the decoded frame, -1 for NULL. */
static long OFF(const void *ptr)
{
    return ptr ? (long)((const uint8_t *)ptr - g_buf) : -1;
}

#define EXPECT_ERR(r, reason)                                                                     \
    do {                                                                                          \
        assert_int_equal((r), NTC__DEC_ERROR);                                                    \
        assert_int_equal(pk.error, (reason));                                                     \
    } while (0)

static void expect_v4(const uint8_t *src, const uint8_t *dst)
{
    uint8_t s[16] = {0}, d[16] = {0};
    memcpy(s, src, 4);
    memcpy(d, dst, 4);
    assert_int_equal(pk.ip_version, 4);
    assert_memory_equal(pk.src, s, 16);
    assert_memory_equal(pk.dst, d, 16);
}

static void expect_v6(const uint8_t *src, const uint8_t *dst)
{
    assert_int_equal(pk.ip_version, 6);
    assert_memory_equal(pk.src, src, 16);
    assert_memory_equal(pk.dst, dst, 16);
}

static void expect_plain(void)
{
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    assert_int_equal(pk.frag, NTC__FRAG_NONE);
    assert_int_equal(pk.frag_dropped, 0);
}

static void expect_no_l2_extras(void)
{
    assert_int_equal(pk.vlan, 0);
    assert_int_equal(pk.has_vlan, 0);
    assert_int_equal(pk.has_mpls, 0);
    assert_int_equal(pk.has_pppoe, 0);
}

/* UDP datagram with a payload of n bytes 'U'. */
static size_t add_udp(pg_pkt *p, uint16_t sport, uint16_t dport, size_t n)
{
    size_t off = pg_udp(p, sport, dport);
    pg_fill(p, 'U', n);
    return off;
}

static size_t add_tcp(pg_pkt *p, uint16_t sport, uint16_t dport, uint8_t flags, size_t n)
{
    pg_tcp_opt o = {.seq = 1000, .ack = 2000, .flags = flags, .win = 8192};
    size_t off = pg_tcp(p, sport, dport, &o);
    pg_fill(p, 'T', n);
    return off;
}

static int setup_all(void **state)
{
    (void)state;
    if (pg_in6("2001:db8::1", IP6_A) || pg_in6("2001:db8::2", IP6_B) ||
        pg_in6("2001:db8:7::1", IP6_C) || pg_in6("2001:db8:7::2", IP6_D))
        return -1;
    return 0;
}

static int setup(void **state)
{
    (void)state;
    g_dec = ntc__decoder_new(FRAG_MAX, FRAG_TIMEOUT);
    g_ts = 1700000000000000ull;
    return g_dec ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ntc__decoder_free(g_dec);
    g_dec = NULL;
    free(g_buf);
    g_buf = NULL;
    return 0;
}

/* ---- Ethernet and plain IP ---- */

static void test_eth_ipv4_tcp(void **state)
{
    (void)state;
    static const uint8_t topt[12] = {2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1};
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    size_t ip = pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_tcp_opt o = {.seq = 0x01020304, .ack = 0xa0b0c0d0, .flags = PG_SYN | PG_ACK, .win = 29200,
                    .options = topt, .options_len = sizeof(topt)};
    size_t tcp = pg_tcp(&P, 443, 51000, &o);
    size_t pay = pg_str(&P, "hello");
    assert_int_equal(pg_finish(&P), 0);
    assert_int_equal(ip, 14);
    assert_int_equal(tcp, 34);
    assert_int_equal(pay, 66);

    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(OFF(pk.dst_mac), 0);
    assert_int_equal(OFF(pk.src_mac), 6);
    expect_no_l2_extras();
    expect_plain();
    expect_v4(IP_A, IP_B);
    assert_int_equal(pk.l4_proto, 6);
    assert_int_equal(OFF(pk.l3), 14);
    assert_int_equal(pk.l3_caplen, 57);
    assert_int_equal(pk.ip_len, 57);
    assert_int_equal(pk.outer_ip_len, 57);
    assert_int_equal(pk.sport, 443);
    assert_int_equal(pk.dport, 51000);
    assert_int_equal(pk.tcp_flags, 0x12);
    assert_int_equal(pk.tcp_seq, 0x01020304);
    assert_int_equal(pk.tcp_ack, 0xa0b0c0d0);
    assert_int_equal(pk.tcp_win, 29200);
    assert_int_equal(OFF(pk.l4), 34);
    assert_int_equal(pk.l4_caplen, 37);
    assert_int_equal(OFF(pk.payload), 66);
    assert_int_equal(pk.payload_caplen, 5);
    assert_int_equal(pk.payload_len, 5);
    assert_memory_equal(pk.payload, "hello", 5);
    assert_int_equal(pk.icmp_type, 0);
    assert_int_equal(pk.icmp_code, 0);

    /* snaplen: TCP options cut: still decoded, no payload pointer */
    assert_int_equal(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 64, 71), NTC__DEC_IP);
    assert_int_equal(OFF(pk.l3), 14);
    assert_int_equal(pk.l3_caplen, 50);
    assert_int_equal(pk.l4_caplen, 30);
    assert_null(pk.payload);
    assert_int_equal(pk.payload_caplen, 0);
    assert_int_equal(pk.payload_len, 5);
    assert_int_equal(pk.ip_len, 57);
    /* snaplen inside the payload */
    assert_int_equal(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 68, 71), NTC__DEC_IP);
    assert_int_equal(OFF(pk.payload), 66);
    assert_int_equal(pk.payload_caplen, 2);
    assert_int_equal(pk.payload_len, 5);
    assert_int_equal(pk.l4_caplen, 34);
}

static void test_eth_padding(void **state)
{
    (void)state;
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    add_udp(&P, 5353, 53, 1);
    pg_finish(&P);
    pg_pad(&P, 60);
    assert_int_equal(P.len, 60);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.ip_len, 29);
    assert_int_equal(pk.l4_proto, 17);
    assert_int_equal(pk.sport, 5353);
    assert_int_equal(pk.dport, 53);
    assert_int_equal(OFF(pk.l4), 34);
    assert_int_equal(pk.l4_caplen, 9); /* capped at the IP length, not the frame */
    assert_int_equal(OFF(pk.l3), 14);
    assert_int_equal(pk.l3_caplen, 29);
    assert_int_equal(OFF(pk.payload), 42);
    assert_int_equal(pk.payload_caplen, 1);
    assert_int_equal(pk.payload_len, 1);
    assert_int_equal(pk.tcp_flags, 0);
    assert_int_equal(pk.tcp_seq, 0);
}

static void test_eth_ipv6_udp(void **state)
{
    (void)state;
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    add_udp(&P, 40000, 443, 100);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    expect_v6(IP6_A, IP6_B);
    expect_plain();
    expect_no_l2_extras();
    assert_int_equal(pk.l4_proto, 17);
    assert_int_equal(pk.ip_len, 148);
    assert_int_equal(pk.outer_ip_len, 148);
    assert_int_equal(pk.sport, 40000);
    assert_int_equal(pk.dport, 443);
    assert_int_equal(OFF(pk.l4), 54);
    assert_int_equal(pk.l4_caplen, 108);
    assert_int_equal(OFF(pk.payload), 62);
    assert_int_equal(pk.payload_len, 100);
    assert_int_equal(pk.payload_caplen, 100);
}

static void expect_nonip_eth(int r)
{
    assert_int_equal(r, NTC__DEC_NONIP);
    assert_int_equal(OFF(pk.dst_mac), 0);
    assert_int_equal(OFF(pk.src_mac), 6);
}

static void test_eth_nonip(void **state)
{
    (void)state;
    /* ARP */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_arp(&P, 1, MAC_A, IP_A, MAC_B, IP_B);
    pg_finish(&P);
    pg_pad(&P, 60);
    assert_int_equal(P.data[12], 0x08);
    assert_int_equal(P.data[13], 0x06);
    expect_nonip_eth(dec(NTC_LINKTYPE_ETHERNET, &P));
    /* LLDP */
    pg_init(&P);
    pg_eth(&P, PG_MAC(0x01, 0x80, 0xc2, 0, 0, 0x0e), MAC_A, 0x88cc);
    pg_fill(&P, 0, 46);
    pg_finish(&P);
    expect_nonip_eth(dec(NTC_LINKTYPE_ETHERNET, &P));
    /* STP: 802.3 length frame, LLC 42 42 03 */
    pg_init(&P);
    pg_eth_8023(&P, PG_MAC(0x01, 0x80, 0xc2, 0, 0, 0), MAC_A);
    pg_llc(&P, 0x42, 0x42, 0x03);
    pg_fill(&P, 0, 35);
    pg_finish(&P);
    assert_int_equal(P.data[12] << 8 | P.data[13], 38);
    expect_nonip_eth(dec(NTC_LINKTYPE_ETHERNET, &P));
    /* SNAP, not IP (CDP) */
    pg_init(&P);
    pg_eth_8023(&P, PG_MAC(0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc), MAC_A);
    pg_snap(&P, 0x00000c, 0x2000);
    pg_fill(&P, 0, 30);
    pg_finish(&P);
    expect_nonip_eth(dec(NTC_LINKTYPE_ETHERNET, &P));
    /* PPPoE discovery */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0x8863);
    pg_fill(&P, 0x11, 20);
    pg_finish(&P);
    expect_nonip_eth(dec(NTC_LINKTYPE_ETHERNET, &P));
    /* ethertype 1501..1535: neither a length nor a type */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0x05ff);
    pg_fill(&P, 0, 46);
    pg_finish(&P);
    expect_nonip_eth(dec(NTC_LINKTYPE_ETHERNET, &P));
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 13, 60), NTC_DECODE_TRUNCATED_L2);
    /* 802.3 with a cut LLC header */
    pg_init(&P);
    pg_eth_8023(&P, PG_MAC(0x01, 0x80, 0xc2, 0, 0, 0), MAC_A);
    pg_llc(&P, 0x42, 0x42, 0x03);
    pg_fill(&P, 0, 35);
    pg_finish(&P);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 16, 52), NTC_DECODE_TRUNCATED_L2);
    assert_int_equal(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 17, 52), NTC__DEC_NONIP);
}

static void test_eth_snap_ip(void **state)
{
    (void)state;
    pg_init(&P);
    pg_eth_8023(&P, MAC_B, MAC_A);
    pg_snap(&P, 0, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    add_udp(&P, 1000, 2000, 4);
    pg_finish(&P);
    assert_int_equal(P.data[20], 0x08); /* SNAP type filled from the next layer */
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    expect_v4(IP_A, IP_B);
    assert_int_equal(OFF(pk.src_mac), 6);
    assert_int_equal(OFF(pk.l4), 42);
    assert_int_equal(pk.sport, 1000);
    assert_int_equal(pk.dport, 2000);
    assert_int_equal(pk.ip_len, 32);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 21, (uint32_t)P.len), NTC_DECODE_TRUNCATED_L2);
    /* 1500 is still a length; 1501..1535 are neither; 0x0600 is an (unknown) ethertype */
    pg_put16(&P, 12, 1500);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    pg_put16(&P, 12, 1501);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_NONIP);
    pg_put16(&P, 12, 0x0600);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_NONIP);
}

/* ---- VLAN, QinQ, MPLS, PPPoE ---- */

static void test_vlan(void **state)
{
    (void)state;
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_vlan(&P, 0, 3, 100, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    add_udp(&P, 1, 2, 0);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.vlan, 100);
    assert_int_equal(pk.has_vlan, 1);
    assert_int_equal(pk.has_mpls, 0);
    assert_int_equal(OFF(pk.l4), 38);
    expect_v4(IP_A, IP_B);

    /* vlan id 0 (priority tag): has_vlan set, id 0 */
    pg_put16(&P, 14, 0xe000);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.vlan, 0);
    assert_int_equal(pk.has_vlan, 1);
}

static void test_qinq(void **state)
{
    (void)state;
    static const uint16_t tpids[] = {0x88a8, 0x9100, 0x8100};
    for (size_t i = 0; i < 3; i++) {
        pg_init(&P);
        pg_eth(&P, MAC_B, MAC_A, 0);
        pg_vlan(&P, tpids[i], 0, 200, 0);
        pg_vlan(&P, 0, 0, 100, 0);
        pg_ipv6(&P, IP6_A, IP6_B, NULL);
        add_tcp(&P, 5000, 80, PG_SYN, 0);
        pg_finish(&P);
        assert_int_equal(P.data[12] << 8 | P.data[13], tpids[i]);
        assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
        assert_int_equal(pk.vlan, 100); /* innermost */
        assert_int_equal(pk.has_vlan, 1);
        expect_v6(IP6_A, IP6_B);
        assert_int_equal(OFF(pk.l4), 62);
        assert_int_equal(pk.tcp_flags, PG_SYN);
    }
    /* 8 tags are fine, 9 are too deep */
    for (int n = 8; n <= 9; n++) {
        pg_init(&P);
        pg_eth(&P, MAC_B, MAC_A, 0);
        for (int i = 0; i < n; i++)
            pg_vlan(&P, 0, 0, (uint16_t)(10 + i), 0);
        pg_ipv4(&P, IP_A, IP_B, NULL);
        add_udp(&P, 1, 2, 0);
        pg_finish(&P);
        int r = dec(NTC_LINKTYPE_ETHERNET, &P);
        if (n == 8) {
            assert_int_equal(r, NTC__DEC_IP);
            assert_int_equal(pk.vlan, 17);
        } else {
            EXPECT_ERR(r, NTC_DECODE_TOO_DEEP);
        }
    }
    /* fragments are keyed on the innermost tag too */
    static const uint16_t tags[4][2] = {{200, 100}, {300, 100}, {200, 101}, {0, 100}};
    static const int frag_expect[4] = {NTC__FRAG_FIRST, NTC__FRAG_LATER, NTC__FRAG_ORPHAN,
                                       NTC__FRAG_LATER};
    for (int i = 0; i < 4; i++) {
        pg_init(&P);
        pg_eth(&P, MAC_B, MAC_A, 0);
        if (tags[i][0])
            pg_vlan(&P, 0x88a8, 0, tags[i][0], 0);
        pg_vlan(&P, 0, 0, tags[i][1], 0);
        pg_ipv4_opt o = {.id = 42, .mf = 1, .frag_off = (uint16_t)(i ? 3 : 0), .proto = 17};
        pg_ipv4(&P, IP_A, IP_B, &o);
        if (i == 0)
            add_udp(&P, 4444, 53, 16);
        else
            pg_fill(&P, 0, 16);
        pg_finish(&P);
        assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
        assert_int_equal(pk.frag, frag_expect[i]);
        assert_int_equal(pk.vlan, tags[i][1]);
        assert_int_equal(pk.sport, frag_expect[i] == NTC__FRAG_ORPHAN ? 0 : 4444);
    }
}

static void test_mpls(void **state)
{
    (void)state;
    /* one label */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_mpls(&P, 1000, 0, 64);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    add_udp(&P, 1, 2, 3);
    pg_finish(&P);
    assert_int_equal(P.data[16] & 1, 1); /* bottom of stack */
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.has_mpls, 1);
    assert_int_equal(pk.has_vlan, 0);
    assert_int_equal(OFF(pk.l4), 38);
    expect_v4(IP_A, IP_B);

    /* three labels, IPv6, multicast ethertype, behind a VLAN */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_vlan(&P, 0, 0, 42, 0x8848);
    pg_mpls(&P, 16, 0, 64);
    pg_mpls(&P, 17, 0, 64);
    pg_mpls(&P, 18, 0, 64);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    add_udp(&P, 7, 8, 3);
    pg_finish(&P);
    assert_int_equal(P.data[20] & 1, 0);
    assert_int_equal(P.data[24] & 1, 0);
    assert_int_equal(P.data[28] & 1, 1);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.has_mpls, 1);
    assert_int_equal(pk.vlan, 42);
    expect_v6(IP6_A, IP6_B);
    assert_int_equal(OFF(pk.l4), 70);
    assert_int_equal(pk.sport, 7);

    /* a pseudowire control word (first nibble 0) after the stack: not IP */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_mpls(&P, 16, 0, 64);
    pg_fill(&P, 0, 4);
    pg_eth(&P, MAC_D, MAC_C, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_NONIP);
    assert_int_equal(pk.has_mpls, 1);

    /* 16 labels fine, 17 too deep */
    for (int n = 16; n <= 17; n++) {
        pg_init(&P);
        pg_eth(&P, MAC_B, MAC_A, 0);
        for (int i = 0; i < n; i++)
            pg_mpls(&P, (uint32_t)(100 + i), 0, 1);
        pg_ipv4(&P, IP_A, IP_B, NULL);
        add_udp(&P, 1, 2, 0);
        pg_finish(&P);
        int r = dec(NTC_LINKTYPE_ETHERNET, &P);
        if (n == 16)
            assert_int_equal(r, NTC__DEC_IP);
        else
            EXPECT_ERR(r, NTC_DECODE_TOO_DEEP);
    }
}

static void test_pppoe(void **state)
{
    (void)state;
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_pppoe(&P, 0x1234, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    add_tcp(&P, 1234, 80, PG_ACK, 10);
    pg_finish(&P);
    assert_int_equal(P.data[20] << 8 | P.data[21], 0x0021);
    assert_int_equal(P.data[18] << 8 | P.data[19], P.len - 20); /* PPPoE length */
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.has_pppoe, 1);
    assert_int_equal(OFF(pk.l4), 42);
    assert_int_equal(OFF(pk.payload), 62);
    expect_v4(IP_A, IP_B);

    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_pppoe(&P, 0x1234, 0);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    add_udp(&P, 9, 10, 0);
    pg_finish(&P);
    assert_int_equal(P.data[20] << 8 | P.data[21], 0x0057);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.has_pppoe, 1);
    expect_v6(IP6_A, IP6_B);
    assert_int_equal(pk.sport, 9);

    /* LCP inside a session: not IP */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_pppoe(&P, 0x1234, 0xc021);
    pg_fill(&P, 1, 10);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_NONIP);
    assert_int_equal(pk.has_pppoe, 1);
}

/* ---- other link types ---- */

static void test_sll(void **state)
{
    (void)state;
    pg_init(&P);
    pg_sll(&P, 0, 1, MAC_A, 6, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    add_udp(&P, 53, 3333, 20);
    pg_finish(&P);
    assert_int_equal(P.data[14] << 8 | P.data[15], 0x0800);
    assert_int_equal(dec(NTC_LINKTYPE_LINUX_SLL, &P), NTC__DEC_IP);
    assert_int_equal(OFF(pk.src_mac), 6);
    assert_null(pk.dst_mac);
    expect_v4(IP_A, IP_B);
    assert_int_equal(OFF(pk.l4), 36);
    assert_int_equal(pk.sport, 53);
    expect_no_l2_extras();

    /* VLAN tag after an SLL header; non-Ethernet hardware type: no MAC */
    pg_init(&P);
    pg_sll(&P, 4, 772, NULL, 0, 0);
    pg_vlan(&P, 0, 0, 300, 0);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    add_udp(&P, 1, 2, 0);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_LINUX_SLL, &P), NTC__DEC_IP);
    assert_null(pk.src_mac);
    assert_int_equal(pk.vlan, 300);
    assert_int_equal(OFF(pk.l4), 60);

    /* ARP, netlink (protocol < 0x600) */
    pg_init(&P);
    pg_sll(&P, 0, 1, MAC_A, 6, 0);
    pg_arp(&P, 2, MAC_A, IP_A, MAC_B, IP_B);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_LINUX_SLL, &P), NTC__DEC_NONIP);
    pg_init(&P);
    pg_sll(&P, 4, 824, NULL, 0, 0x0010);
    pg_fill(&P, 0, 16);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_LINUX_SLL, &P), NTC__DEC_NONIP);

    /* 802.2 LLC with SNAP (protocol 0x0004) */
    pg_init(&P);
    pg_sll(&P, 0, 1, MAC_A, 6, 0x0004);
    pg_snap(&P, 0, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    add_udp(&P, 1, 2, 0);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_LINUX_SLL, &P), NTC__DEC_IP);
    assert_int_equal(OFF(pk.l4), 44);

    EXPECT_ERR(dec_ex(NTC_LINKTYPE_LINUX_SLL, &P, 15, 60), NTC_DECODE_TRUNCATED_L2);
}

static void test_sll2(void **state)
{
    (void)state;
    pg_init(&P);
    pg_sll2(&P, 0, 3, 1, 0, MAC_A, 6);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    add_tcp(&P, 2222, 22, PG_ACK | PG_PSH, 7);
    pg_finish(&P);
    assert_int_equal(P.data[0] << 8 | P.data[1], 0x86dd);
    assert_int_equal(dec(NTC_LINKTYPE_LINUX_SLL2, &P), NTC__DEC_IP);
    assert_int_equal(OFF(pk.src_mac), 12);
    assert_null(pk.dst_mac);
    expect_v6(IP6_A, IP6_B);
    assert_int_equal(OFF(pk.l4), 60);
    assert_int_equal(OFF(pk.payload), 80);
    assert_int_equal(pk.payload_len, 7);
    assert_int_equal(pk.tcp_flags, PG_ACK | PG_PSH);

    pg_init(&P);
    pg_sll2(&P, 0x0806, 3, 1, 0, MAC_A, 6);
    pg_fill(&P, 0, 28);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_LINUX_SLL2, &P), NTC__DEC_NONIP);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_LINUX_SLL2, &P, 19, 48), NTC_DECODE_TRUNCATED_L2);
}

static void test_null_loop(void **state)
{
    (void)state;
    static const uint32_t afs6[] = {10, 24, 28, 30};
    for (int be = 0; be <= 1; be++) {
        pg_init(&P);
        pg_null(&P, 2, be);
        pg_ipv4(&P, IP_A, IP_B, NULL);
        add_udp(&P, 1, 2, 0);
        pg_finish(&P);
        assert_int_equal(P.data[be ? 3 : 0], 2);
        assert_int_equal(dec(NTC_LINKTYPE_NULL, &P), NTC__DEC_IP);
        expect_v4(IP_A, IP_B);
        assert_null(pk.src_mac);
        assert_int_equal(OFF(pk.l4), 24);
        for (size_t i = 0; i < 4; i++) {
            pg_init(&P);
            pg_null(&P, afs6[i], be);
            pg_ipv6(&P, IP6_A, IP6_B, NULL);
            add_udp(&P, 1, 2, 0);
            pg_finish(&P);
            assert_int_equal(dec(NTC_LINKTYPE_NULL, &P), NTC__DEC_IP);
            expect_v6(IP6_A, IP6_B);
            assert_int_equal(OFF(pk.l4), 44);
        }
        /* unknown family */
        pg_init(&P);
        pg_null(&P, 7, be);
        pg_fill(&P, 0x45, 30);
        pg_finish(&P);
        assert_int_equal(dec(NTC_LINKTYPE_NULL, &P), NTC__DEC_NONIP);
    }
    /* LOOP: network byte order only */
    pg_init(&P);
    pg_null(&P, 2, 1);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    add_udp(&P, 1, 2, 0);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_LOOP, &P), NTC__DEC_IP);
    expect_v4(IP_A, IP_B);
    pg_init(&P);
    pg_null(&P, 24, 1);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    add_udp(&P, 1, 2, 0);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_LOOP, &P), NTC__DEC_IP);
    expect_v6(IP6_A, IP6_B);
    pg_init(&P);
    pg_null(&P, 2, 0); /* little endian: 0x02000000 is not a family in LOOP */
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_LOOP, &P), NTC__DEC_NONIP);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_NULL, &P, 3, 24), NTC_DECODE_TRUNCATED_L2);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_LOOP, &P, 0, 24), NTC_DECODE_TRUNCATED_L2);
}

static void test_raw(void **state)
{
    (void)state;
    static const int lts[] = {NTC_LINKTYPE_RAW, NTC_LINKTYPE_IPV4, NTC_LINKTYPE_IPV6};
    for (size_t i = 0; i < 3; i++) {
        pg_init(&P);
        pg_ipv4(&P, IP_A, IP_B, NULL);
        add_udp(&P, 11, 12, 5);
        pg_finish(&P);
        assert_int_equal(dec(lts[i], &P), NTC__DEC_IP);
        expect_v4(IP_A, IP_B);
        assert_null(pk.src_mac);
        assert_null(pk.dst_mac);
        assert_int_equal(OFF(pk.l4), 20);
        assert_int_equal(pk.ip_len, 33);
        pg_init(&P);
        pg_ipv6(&P, IP6_A, IP6_B, NULL);
        add_udp(&P, 11, 12, 5);
        pg_finish(&P);
        assert_int_equal(dec(lts[i], &P), NTC__DEC_IP);
        expect_v6(IP6_A, IP6_B);
        assert_int_equal(OFF(pk.l4), 40);
        assert_int_equal(pk.ip_len, 53);
    }
    pg_put8(&P, 0, 0x50);
    EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_BAD_IP_VERSION);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_RAW, &P, 0, 0), NTC_DECODE_TRUNCATED_IP);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_RAW, &P, 0, 53), NTC_DECODE_TRUNCATED_IP);
}

static void test_unknown_linktype(void **state)
{
    (void)state;
    pg_init(&P);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_finish(&P);
    EXPECT_ERR(dec(105, &P), NTC_DECODE_UNKNOWN_LINKTYPE);
    EXPECT_ERR(dec(-1, &P), NTC_DECODE_UNKNOWN_LINKTYPE);
    EXPECT_ERR(dec_ex(12345, &P, 0, 0), NTC_DECODE_UNKNOWN_LINKTYPE);
    /* NULL output and NULL data are survived */
    assert_int_equal(ntc__decode(g_dec, 1, 0, P.data, 20, 20, NULL), NTC__DEC_ERROR);
    assert_int_equal(ntc__decode(g_dec, 1, 0, NULL, 0, 0, &pk), NTC__DEC_ERROR);
    assert_int_equal(pk.error, NTC_DECODE_TRUNCATED_L2);
}

/* ---- IPv4 header ---- */

static void test_ipv4_options(void **state)
{
    (void)state;
    static const uint8_t opts[8] = {0x94, 0x04, 0, 0, 0x01, 0x01, 0x01, 0x00}; /* router alert */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv4_opt o = {.options = opts, .options_len = sizeof(opts), .ttl = 1, .tos = 0xb8};
    pg_ipv4(&P, IP_A, IP_B, &o);
    add_udp(&P, 100, 200, 2);
    pg_finish(&P);
    assert_int_equal(P.data[14], 0x47);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(OFF(pk.l4), 42);
    assert_int_equal(pk.ip_len, 38);
    assert_int_equal(pk.sport, 100);
    assert_int_equal(pk.dport, 200);
    assert_int_equal(pk.payload_len, 2);
    /* options not captured: the header is truncated */
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 40, 52), NTC_DECODE_TRUNCATED_IP);
}

static void build_eth_v4_tcp(pg_pkt *p, size_t payload)
{
    pg_init(p);
    pg_eth(p, MAC_B, MAC_A, 0);
    pg_ipv4(p, IP_A, IP_B, NULL);
    add_tcp(p, 40000, 80, PG_ACK, payload);
    pg_finish(p);
}

static void test_ipv4_errors(void **state)
{
    (void)state;
    build_eth_v4_tcp(&P, 20); /* 14 + 20 + 20 + 20 = 74 */
    assert_int_equal(P.len, 74);

    /* IHL < 5 */
    for (uint8_t ihl = 0; ihl < 5; ihl++) {
        pg_put8(&P, 14, (uint8_t)(0x40 | ihl));
        EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_IPV4_IHL);
    }
    pg_put8(&P, 14, 0x45);
    /* header not captured */
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 33, 74), NTC_DECODE_TRUNCATED_IP);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 14, 74), NTC_DECODE_TRUNCATED_IP);
    /* version neither 4 nor 6 */
    pg_put8(&P, 14, 0x55);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_IP_VERSION);
    pg_put8(&P, 14, 0x45);
    /* total length < IHL*4 */
    pg_put16(&P, 16, 19);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_IP_LENGTH);
    /* total length > bytes on the wire */
    pg_put16(&P, 16, 61);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_IP_LENGTH);
    /* ... but fine when the wire had it (snaplen) */
    assert_int_equal(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 74, 75), NTC__DEC_IP);
    assert_int_equal(pk.ip_len, 61);
    assert_int_equal(pk.payload_len, 21);
    assert_int_equal(pk.payload_caplen, 20);
    /* total length 0 (TSO): the rest of the wire */
    pg_put16(&P, 16, 0);
    assert_int_equal(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 74, 3014), NTC__DEC_IP);
    assert_int_equal(pk.ip_len, 3000);
    assert_int_equal(pk.outer_ip_len, 3000);
    assert_int_equal(pk.payload_len, 2960);
    assert_int_equal(pk.payload_caplen, 20);
    assert_int_equal(pk.l4_caplen, 40);
    /* total length smaller than the frame: the rest is padding */
    pg_put16(&P, 16, 45);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.payload_len, 5);
    assert_int_equal(pk.payload_caplen, 5);
    assert_int_equal(pk.l4_caplen, 25);
    /* wirelen below caplen is taken as caplen */
    pg_put16(&P, 16, 60);
    assert_int_equal(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 74, 0), NTC__DEC_IP);
    assert_int_equal(pk.ip_len, 60);
}

/* ---- IPv6 extension headers ---- */

static void test_ipv6_ext_chain(void **state)
{
    (void)state;
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    pg_ipv6_ext(&P, 0, 8);
    pg_ipv6_ext(&P, 60, 16);
    pg_ipv6_ext(&P, 43, 8);
    size_t ah = pg_ipv6_ext(&P, 51, 16);
    size_t tcp = add_tcp(&P, 1111, 2222, PG_SYN, 0);
    pg_finish(&P);
    assert_int_equal(ah, 86);
    assert_int_equal(P.data[ah + 1], 2); /* AH length in 4-byte units minus 2 */
    assert_int_equal(tcp, 102);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.l4_proto, 6);
    assert_int_equal(OFF(pk.l4), 102);
    assert_int_equal(pk.ip_len, 108);
    assert_int_equal(pk.sport, 1111);
    assert_int_equal(pk.payload_len, 0);
    assert_null(pk.payload);
    expect_plain();

    /* mobility, HIP, shim6 + 5 more: 8 headers is the limit */
    for (int n = 8; n <= 9; n++) {
        static const uint8_t types[9] = {0, 135, 139, 140, 60, 43, 60, 51, 60};
        pg_init(&P);
        pg_ipv6(&P, IP6_A, IP6_B, NULL);
        for (int i = 0; i < n; i++)
            pg_ipv6_ext(&P, types[i], 8);
        size_t udp = add_udp(&P, 1, 2, 0);
        pg_finish(&P);
        int r = dec(NTC_LINKTYPE_RAW, &P);
        if (n == 8) {
            assert_int_equal(r, NTC__DEC_IP);
            assert_int_equal(pk.l4_proto, 17);
            assert_int_equal(OFF(pk.l4), (long)udp);
        } else {
            EXPECT_ERR(r, NTC_DECODE_IPV6_EXT_LIMIT);
        }
    }

    /* extension header cut by the capture, and longer than the IP payload */
    pg_init(&P);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    pg_ipv6_ext(&P, 0, 8);
    size_t dst = pg_ipv6_ext(&P, 60, 24);
    add_udp(&P, 1, 2, 0);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_RAW, &P, 60, (uint32_t)P.len), NTC_DECODE_IPV6_EXT_LIMIT);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_RAW, &P, 47, (uint32_t)P.len), NTC_DECODE_IPV6_EXT_LIMIT);
    pg_put8(&P, dst + 1, 200);
    EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_IPV6_EXT_LIMIT);

    /* no next header */
    pg_init(&P);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    pg_ipv6_ext(&P, 0, 8);
    pg_finish(&P);
    assert_int_equal(P.data[40], 59);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.l4_proto, 59);
    assert_null(pk.l4);
    assert_int_equal(pk.l4_caplen, 0);
    assert_int_equal(pk.sport, 0);
    assert_int_equal(pk.ip_len, 48);
}

static void test_ipv6_lengths(void **state)
{
    (void)state;
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    add_udp(&P, 1, 2, 12);
    pg_finish(&P); /* 14 + 40 + 20 = 74 */
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 53, 74), NTC_DECODE_TRUNCATED_IP);
    pg_put16(&P, 18, 21);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_IP_LENGTH);
    pg_put16(&P, 18, 0); /* jumbogram / TSO */
    assert_int_equal(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 74, 1514), NTC__DEC_IP);
    assert_int_equal(pk.ip_len, 1500);
    assert_int_equal(pk.payload_len, 1452);
    assert_int_equal(pk.payload_caplen, 12);
    pg_put16(&P, 18, 4); /* smaller than the UDP header */
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_TRUNCATED_L4);
}

/* ---- L4 ---- */

static void test_l4_other(void **state)
{
    (void)state;
    /* SCTP over IPv4 */
    pg_init(&P);
    pg_ipv4_opt o = {.proto = 132};
    pg_ipv4(&P, IP_A, IP_B, &o);
    pg_fill(&P, 0x77, 28);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.l4_proto, 132);
    assert_int_equal(pk.sport, 0);
    assert_int_equal(pk.dport, 0);
    assert_int_equal(OFF(pk.l4), 20);
    assert_int_equal(pk.l4_caplen, 28);
    assert_null(pk.payload);
    /* ESP over IPv6 */
    pg_init(&P);
    pg_ipv6_opt o6 = {.next = 50};
    pg_ipv6(&P, IP6_A, IP6_B, &o6);
    pg_fill(&P, 0x11, 40);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.l4_proto, 50);
    assert_int_equal(OFF(pk.l4), 40);
    assert_int_equal(pk.l4_caplen, 40);
    /* header only captured: l4 NULL */
    assert_int_equal(dec_ex(NTC_LINKTYPE_RAW, &P, 40, 80), NTC__DEC_IP);
    assert_null(pk.l4);
    assert_int_equal(pk.l4_caplen, 0);
}

static void test_tcp(void **state)
{
    (void)state;
    build_eth_v4_tcp(&P, 20);
    for (unsigned flags = 0; flags < 256; flags += 17) {
        pg_put8(&P, 47, (uint8_t)flags);
        assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
        assert_int_equal(pk.tcp_flags, flags);
    }
    assert_int_equal(pk.tcp_seq, 1000);
    assert_int_equal(pk.tcp_ack, 2000);
    assert_int_equal(pk.tcp_win, 8192);
    /* 19 captured bytes */
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 53, 74), NTC_DECODE_TRUNCATED_L4);
    /* data offset < 5 */
    pg_put8(&P, 46, 0x40);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_TCP_HEADER);
    /* data offset beyond the IP packet */
    pg_put8(&P, 46, 0xf0);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_TCP_HEADER);
    /* data offset 15 inside the packet: payload after 60 bytes */
    pg_put8(&P, 46, 0x90);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(OFF(pk.payload), 70);
    assert_int_equal(pk.payload_len, 4);
    /* IP too short for a TCP header */
    pg_put8(&P, 46, 0x50);
    pg_put16(&P, 16, 39);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_TRUNCATED_L4);
}

static void test_udp_short(void **state)
{
    (void)state;
    pg_init(&P);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    add_udp(&P, 1, 2, 0);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_null(pk.payload);
    assert_int_equal(pk.payload_len, 0);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_RAW, &P, 27, 28), NTC_DECODE_TRUNCATED_L4);
}

static void test_icmp(void **state)
{
    (void)state;
    /* echo request and reply: the identifier in both ports */
    for (uint8_t type = 0; type <= 8; type += 8) {
        pg_init(&P);
        pg_eth(&P, MAC_B, MAC_A, 0);
        pg_ipv4(&P, IP_A, IP_B, NULL);
        pg_icmp(&P, type, 0, 0x1234, 7);
        pg_fill(&P, 0x61, 56);
        pg_finish(&P);
        assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
        assert_int_equal(pk.l4_proto, 1);
        assert_int_equal(pk.icmp_type, type);
        assert_int_equal(pk.icmp_code, 0);
        assert_int_equal(pk.sport, 0x1234);
        assert_int_equal(pk.dport, 0x1234);
        assert_int_equal(OFF(pk.l4), 34);
        assert_int_equal(OFF(pk.payload), 42);
        assert_int_equal(pk.payload_len, 56);
        EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 41, 98), NTC_DECODE_TRUNCATED_L4);
    }
    /* unreachable: no ports; 4 bytes are enough */
    pg_init(&P);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_icmp(&P, 3, 1, 0, 0);
    pg_fill(&P, 0, 28);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.icmp_type, 3);
    assert_int_equal(pk.icmp_code, 1);
    assert_int_equal(pk.sport, 0);
    assert_int_equal(pk.dport, 0);
    assert_int_equal(dec_ex(NTC_LINKTYPE_RAW, &P, 24, 56), NTC__DEC_IP);
    assert_int_equal(pk.icmp_type, 3);
    assert_null(pk.payload);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_RAW, &P, 23, 56), NTC_DECODE_TRUNCATED_L4);

    /* ICMPv6 echo and neighbour solicitation */
    for (uint8_t type = 128; type <= 129; type++) {
        pg_init(&P);
        pg_ipv6(&P, IP6_A, IP6_B, NULL);
        pg_icmp6(&P, type, 0, 0xbeef, 1);
        pg_fill(&P, 0, 8);
        pg_finish(&P);
        assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
        assert_int_equal(pk.l4_proto, 58);
        assert_int_equal(pk.icmp_type, type);
        assert_int_equal(pk.sport, 0xbeef);
        assert_int_equal(pk.dport, 0xbeef);
    }
    pg_init(&P);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    pg_icmp6(&P, 135, 0, 0, 0);
    pg_fill(&P, 0, 16);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.icmp_type, 135);
    assert_int_equal(pk.sport, 0);
    assert_int_equal(OFF(pk.payload), 48);
    assert_int_equal(pk.payload_len, 16);
}

/* ---- fragments ---- */

/* A raw IPv4 fragment (optionally behind a VLAN tag on Ethernet when vlan != 0). First fragments
 * carry a UDP header with ports sport/dport; later ones 16 bytes of data. */
static void build_frag4(pg_pkt *p, uint16_t id, uint16_t off8, int mf, uint8_t proto,
                        uint16_t sport, uint16_t vlan)
{
    pg_init(p);
    pg_eth(p, MAC_B, MAC_A, 0);
    if (vlan)
        pg_vlan(p, 0, 0, vlan, 0);
    pg_ipv4_opt o = {.id = id, .frag_off = off8, .mf = (uint8_t)mf, .proto = off8 ? proto : 0};
    pg_ipv4(p, IP_A, IP_B, &o);
    if (off8 == 0 && proto == 17)
        add_udp(p, sport, 53, 16);
    else if (off8 == 0 && proto == 6)
        add_tcp(p, sport, 80, PG_ACK, 16);
    else
        pg_fill(p, 0xfa, 16);
    pg_finish(p);
}

static void test_frag_ipv4(void **state)
{
    (void)state;
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv4_opt o = {.id = 0x4242};
    pg_ipv4(&P, IP_A, IP_B, &o);
    add_udp(&P, 5000, 53, 2000);
    pg_finish(&P);
    assert_int_equal(pg_ipv4_fragment(&P, 14, 1000, F, 8), 3);
    assert_int_equal(F[0].len, 14 + 20 + 1000);
    assert_int_equal(F[2].len, 14 + 20 + 8);

    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &F[0]), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_FIRST);
    assert_int_equal(pk.frag_dropped, 0);
    assert_int_equal(pk.l4_proto, 17);
    assert_int_equal(pk.sport, 5000);
    assert_int_equal(pk.dport, 53);
    assert_int_equal(pk.ip_len, 1020);
    assert_int_equal(OFF(pk.l4), 34);
    assert_int_equal(pk.l4_caplen, 1000);
    assert_int_equal(OFF(pk.payload), 42);
    assert_int_equal(pk.payload_len, 992);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 1);

    g_ts += 1000;
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &F[1]), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_LATER);
    assert_int_equal(pk.l4_proto, 17);
    assert_int_equal(pk.sport, 5000);
    assert_int_equal(pk.dport, 53);
    assert_int_equal(pk.ip_len, 1020);
    assert_null(pk.l4);
    assert_int_equal(pk.l4_caplen, 0);
    assert_null(pk.payload);
    assert_int_equal(pk.payload_caplen, 0);
    assert_int_equal(pk.payload_len, 1000);
    expect_v4(IP_A, IP_B);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 1);

    /* the last fragment frees the entry */
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &F[2]), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_LATER);
    assert_int_equal(pk.sport, 5000);
    assert_int_equal(pk.ip_len, 28);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 0);

    /* so a duplicate is now an orphan */
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &F[1]), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_ORPHAN);
    assert_int_equal(pk.l4_proto, 17);
    assert_int_equal(pk.sport, 0);
    assert_int_equal(pk.dport, 0);
    assert_null(pk.l4);

    /* a repeated first fragment does not take a second entry */
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &F[0]), NTC__DEC_IP);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &F[0]), NTC__DEC_IP);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 1);
}

static void test_frag_orphan_and_key(void **state)
{
    (void)state;
    build_frag4(&P, 1, 0, 1, 17, 4444, 10);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_FIRST);
    assert_int_equal(pk.vlan, 10);
    /* another id */
    build_frag4(&Q, 2, 3, 1, 17, 0, 10);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &Q), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_ORPHAN);
    assert_int_equal(pk.l4_proto, 17);
    assert_int_equal(pk.sport, 0);
    assert_int_equal(pk.payload_len, 16);
    /* another VLAN */
    build_frag4(&Q, 1, 3, 1, 17, 0, 20);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &Q), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_ORPHAN);
    /* another protocol */
    build_frag4(&Q, 1, 3, 1, 6, 0, 10);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &Q), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_ORPHAN);
    assert_int_equal(pk.l4_proto, 6);
    /* the right one */
    build_frag4(&Q, 1, 3, 1, 17, 0, 10);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &Q), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_LATER);
    assert_int_equal(pk.sport, 4444);
    assert_int_equal(pk.dport, 53);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 1);

    /* a TCP first fragment too small for the TCP header is remembered (test_frag_cut) */
    pg_init(&P);
    pg_ipv4_opt o = {.id = 9, .mf = 1, .proto = 6};
    pg_ipv4(&P, IP_A, IP_B, &o);
    pg_fill(&P, 0, 8);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_FIRST);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 2);
    /* ... but not when the capture cut it */
    o.id = 11;
    pg_init(&P);
    pg_ipv4(&P, IP_A, IP_B, &o);
    pg_fill(&P, 0, 8);
    pg_finish(&P);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_RAW, &P, 27, 28), NTC_DECODE_TRUNCATED_L4);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 2);
    /* a first fragment with an IP length beyond the wire is not remembered */
    build_frag4(&P, 10, 0, 1, 17, 1, 0);
    pg_put16(&P, 16, 200);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_IP_LENGTH);
    build_frag4(&P, 10, 3, 1, 17, 1, 0);
    pg_put16(&P, 16, 200);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_IP_LENGTH);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 2);
}

static void test_frag_table_full(void **state)
{
    (void)state;
    for (uint16_t id = 1; id <= FRAG_MAX; id++) {
        build_frag4(&P, id, 0, 1, 17, (uint16_t)(1000 + id), 0);
        assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
        assert_int_equal(pk.frag, NTC__FRAG_FIRST);
        assert_int_equal(pk.frag_dropped, 0);
    }
    assert_int_equal(ntc__decoder_frag_count(g_dec), FRAG_MAX);
    build_frag4(&P, 99, 0, 1, 17, 1099, 0);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_FIRST);
    assert_int_equal(pk.frag_dropped, 1);
    assert_int_equal(pk.sport, 1099); /* still decoded */
    assert_int_equal(ntc__decoder_frag_count(g_dec), FRAG_MAX);
    build_frag4(&P, 99, 2, 0, 17, 0, 0);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_ORPHAN);
    assert_int_equal(pk.frag_dropped, 0);
    build_frag4(&P, 3, 2, 0, 17, 0, 0);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_LATER);
    assert_int_equal(pk.sport, 1003);
    assert_int_equal(ntc__decoder_frag_count(g_dec), FRAG_MAX - 1);
    /* a freed entry is reusable */
    build_frag4(&P, 99, 0, 1, 17, 1099, 0);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag_dropped, 0);
    assert_int_equal(ntc__decoder_frag_count(g_dec), FRAG_MAX);

    /* a table of size 0 drops every first fragment */
    ntc__decoder_free(g_dec);
    g_dec = ntc__decoder_new(0, FRAG_TIMEOUT);
    assert_non_null(g_dec);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag_dropped, 1);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 0);

    /* without a decoder: no tracking, first fragments are not flagged */
    assert_int_equal(ntc__decode(NULL, NTC_LINKTYPE_ETHERNET, 0, P.data, (uint32_t)P.len,
                                 (uint32_t)P.len, &pk),
                     NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_FIRST);
    assert_int_equal(pk.frag_dropped, 0);
    build_frag4(&P, 99, 2, 0, 17, 0, 0);
    assert_int_equal(ntc__decode(NULL, NTC_LINKTYPE_ETHERNET, 0, P.data, (uint32_t)P.len,
                                 (uint32_t)P.len, &pk),
                     NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_ORPHAN);
    assert_int_equal(ntc__decoder_frag_count(NULL), 0);
    ntc__decoder_free(NULL);
}

static void test_frag_timeout(void **state)
{
    (void)state;
    ntc__decoder_free(g_dec);
    g_dec = ntc__decoder_new(2, 1000);
    uint64_t t0 = g_ts;
    build_frag4(&P, 1, 0, 1, 17, 1001, 0);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    build_frag4(&P, 2, 0, 1, 17, 1002, 0);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 2);
    build_frag4(&P, 3, 0, 1, 17, 1003, 0);
    g_ts = t0 + 500;
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag_dropped, 1);
    g_ts = t0 + 1000; /* exactly the timeout: not older yet */
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag_dropped, 1);
    g_ts = t0 + 1001;
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag_dropped, 0);
    assert_true(ntc__decoder_frag_count(g_dec) >= 1 && ntc__decoder_frag_count(g_dec) <= 2);
    build_frag4(&P, 1, 2, 0, 17, 0, 0);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_ORPHAN);
    build_frag4(&P, 3, 2, 1, 17, 0, 0);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_LATER);
    assert_int_equal(pk.sport, 1003);
    /* an expired entry found by a later fragment is an orphan and is freed */
    g_ts = t0 + 5000;
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_ORPHAN);
    assert_int_equal(pk.sport, 0);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 0);
    /* time going backwards does not expire anything */
    build_frag4(&P, 4, 0, 1, 17, 1004, 0);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    g_ts = t0;
    build_frag4(&P, 4, 2, 1, 17, 0, 0);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_LATER);
}

static void test_frag_no_tunnel(void **state)
{
    (void)state;
    /* a GRE first fragment stays the outer flow */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv4_opt o = {.id = 5, .mf = 1};
    pg_ipv4(&P, IP_A, IP_B, &o);
    pg_gre(&P, NULL);
    pg_ipv4(&P, IP_C, IP_D, NULL);
    add_udp(&P, 1, 2, 8);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_FIRST);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    assert_int_equal(pk.l4_proto, 47);
    assert_int_equal(pk.sport, 0);
    assert_int_equal(OFF(pk.l4), 34);
    expect_v4(IP_A, IP_B);
    /* a VXLAN first fragment: ports, no tunnel */
    pg_init(&P);
    pg_ipv4(&P, IP_A, IP_B, &o);
    pg_udp(&P, 50000, 4789);
    pg_vxlan(&P, 1);
    pg_eth(&P, MAC_D, MAC_C, 0);
    pg_ipv4(&P, IP_C, IP_D, NULL);
    add_udp(&P, 1, 2, 8);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    assert_int_equal(pk.dport, 4789);
    expect_v4(IP_A, IP_B);
    /* IPIP first fragment */
    pg_init(&P);
    pg_ipv4(&P, IP_A, IP_B, &o);
    pg_ipv4(&P, IP_C, IP_D, NULL);
    add_udp(&P, 1, 2, 8);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    assert_int_equal(pk.l4_proto, 4);
}

static void test_frag_ipv6(void **state)
{
    (void)state;
    pg_init(&P);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    add_udp(&P, 6000, 7000, 3000);
    pg_finish(&P);
    assert_int_equal(pg_ipv6_fragment(&P, 0, 1448, 0xdeadbeef, F, 8), 3);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &F[0]), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_FIRST);
    assert_int_equal(pk.l4_proto, 17);
    assert_int_equal(pk.sport, 6000);
    assert_int_equal(pk.dport, 7000);
    assert_int_equal(OFF(pk.l4), 48);
    assert_int_equal(pk.ip_len, 40 + 8 + 1448);
    assert_int_equal(pk.payload_len, 1440);
    expect_v6(IP6_A, IP6_B);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &F[1]), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_LATER);
    assert_int_equal(pk.l4_proto, 17);
    assert_int_equal(pk.sport, 6000);
    assert_int_equal(pk.dport, 7000);
    assert_null(pk.l4);
    assert_null(pk.payload);
    assert_int_equal(pk.payload_len, 1448);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 1);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &F[2]), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_LATER);
    assert_int_equal(pk.payload_len, 3008 - 2 * 1448);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 0);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &F[1]), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_ORPHAN);
    assert_int_equal(pk.l4_proto, 17);
    assert_int_equal(pk.sport, 0);

    /* destination options after the fragment header: the key uses the fragment header's next
     * header (60), the later fragment gets UDP from the first */
    pg_init(&P);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    pg_ipv6_frag(&P, 0, 1, 77, 0);
    pg_ipv6_ext(&P, 60, 8);
    add_udp(&P, 1234, 5678, 16);
    pg_finish(&P);
    assert_int_equal(P.data[40], 60);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_FIRST);
    assert_int_equal(pk.l4_proto, 17);
    assert_int_equal(OFF(pk.l4), 56);
    pg_init(&P);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    pg_ipv6_frag(&P, 5, 0, 77, 60);
    pg_fill(&P, 0, 24);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_LATER);
    assert_int_equal(pk.l4_proto, 17);
    assert_int_equal(pk.sport, 1234);
    assert_int_equal(pk.dport, 5678);
    assert_int_equal(pk.payload_len, 24);

    /* orphan: l4_proto from the fragment header */
    pg_init(&P);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    pg_ipv6_frag(&P, 5, 1, 78, 6);
    pg_fill(&P, 0, 24);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_ORPHAN);
    assert_int_equal(pk.l4_proto, 6);

    /* atomic fragment (offset 0, M clear): not a fragment */
    pg_init(&P);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    pg_ipv6_frag(&P, 0, 0, 79, 0);
    add_udp(&P, 11, 22, 4);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_NONE);
    assert_int_equal(pk.l4_proto, 17);
    assert_int_equal(pk.sport, 11);
    assert_int_equal(OFF(pk.l4), 48);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 0);
}

/* Random first/last fragments against a model of the table (exercises deletion in the index). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_frag_model(void **state)
{
    (void)state;
    enum { MAXF = 64, IDS = 200 };
    ntc__decoder_free(g_dec);
    g_dec = ntc__decoder_new(MAXF, UINT64_MAX / 2);
    uint8_t present[IDS] = {0};
    unsigned count = 0;
    for (int step = 0; step < 20000; step++) {
        uint16_t id = (uint16_t)(rng() % IDS);
        g_ts++;
        if (rng() % 10 < 6) {
            build_frag4(&P, id, 0, 1, 17, (uint16_t)(id + 10000), 0);
            assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
            if (present[id]) {
                assert_int_equal(pk.frag_dropped, 0);
            } else if (count < MAXF) {
                assert_int_equal(pk.frag_dropped, 0);
                present[id] = 1;
                count++;
            } else {
                assert_int_equal(pk.frag_dropped, 1);
            }
        } else {
            int last = (int)(rng() % 2);
            build_frag4(&P, id, 7, !last, 17, 0, 0);
            assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
            if (present[id]) {
                assert_int_equal(pk.frag, NTC__FRAG_LATER);
                assert_int_equal(pk.sport, id + 10000);
                if (last) {
                    present[id] = 0;
                    count--;
                }
            } else {
                assert_int_equal(pk.frag, NTC__FRAG_ORPHAN);
            }
        }
        assert_int_equal(ntc__decoder_frag_count(g_dec), count);
    }
}

/* First fragments that end inside their L4 header (cut by the fragmentation): still IP, the
 * fields that are there, no payload, remembered for the later fragments. */
static void build_cut4(pg_pkt *p, uint8_t proto, const uint8_t *hdr, size_t n, int mf)
{
    pg_init(p);
    pg_ipv4_opt o = {.id = 0x77, .mf = (uint8_t)mf, .proto = proto};
    pg_ipv4(p, IP_A, IP_B, &o);
    if (n)
        pg_data(p, hdr, n);
    pg_finish(p);
}

/* The last fragment of id 0x77 gets the remembered protocol and ports, and frees the entry. */
static void expect_last_cut4(uint8_t proto, uint16_t sport, uint16_t dport)
{
    pg_init(&Q);
    pg_ipv4_opt o = {.id = 0x77, .frag_off = 3, .proto = proto};
    pg_ipv4(&Q, IP_A, IP_B, &o);
    pg_fill(&Q, 0xfa, 8);
    pg_finish(&Q);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &Q), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_LATER);
    assert_int_equal(pk.l4_proto, proto);
    assert_int_equal(pk.sport, sport);
    assert_int_equal(pk.dport, dport);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 0);
}

static void expect_cut_common(uint32_t n)
{
    assert_int_equal(pk.frag, NTC__FRAG_FIRST);
    assert_int_equal(pk.frag_dropped, 0);
    assert_int_equal(pk.ip_len, 20 + n);
    assert_int_equal(OFF(pk.l4), n ? 20 : -1);
    assert_int_equal(pk.l4_caplen, n);
    assert_null(pk.payload);
    assert_int_equal(pk.payload_caplen, 0);
    assert_int_equal(pk.payload_len, 0);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 1);
}

static void test_frag_cut(void **state)
{
    (void)state;
    /* TCP: ports 0x1234 > 80, seq, ack, data offset 5, flags PSH|ACK, window 0x2000 */
    static const uint8_t tcp[24] = {0x12, 0x34, 0x00, 0x50, 1, 2, 3, 4, 5, 6, 7, 8,
                                    0x50, 0x18, 0x20, 0x00, 0, 0, 0, 0, 1, 1, 1, 0};
    for (uint32_t n = 0; n < 20; n++) {
        build_cut4(&P, 6, tcp, n, 1);
        int r = dec(NTC_LINKTYPE_RAW, &P);
        if (r != NTC__DEC_IP)
            print_error("TCP %u bytes: %d/%d\n", n, r, pk.error);
        assert_int_equal(r, NTC__DEC_IP);
        expect_cut_common(n);
        assert_int_equal(pk.l4_proto, 6);
        assert_int_equal(pk.sport, n >= 4 ? 0x1234 : 0);
        assert_int_equal(pk.dport, n >= 4 ? 80 : 0);
        assert_int_equal(pk.tcp_seq, n >= 8 ? 0x01020304 : 0);
        assert_int_equal(pk.tcp_ack, n >= 12 ? 0x05060708 : 0);
        assert_int_equal(pk.tcp_flags, n >= 14 ? 0x18 : 0);
        assert_int_equal(pk.tcp_win, n >= 16 ? 0x2000 : 0);
        /* the same fragment cut by the capture is not remembered */
        if (n) {
            build_cut4(&Q, 6, tcp, n, 1);
            pg_put16(&Q, 4, 0x78);
            pg_ipv4_csum(&Q, 0);
            EXPECT_ERR(dec_ex(NTC_LINKTYPE_RAW, &Q, 19 + n, 20 + n), NTC_DECODE_TRUNCATED_L4);
            assert_int_equal(ntc__decoder_frag_count(g_dec), 1);
        }
        expect_last_cut4(6, n >= 4 ? 0x1234 : 0, n >= 4 ? 80 : 0);
        /* not a fragment (or the last one): the IP packet is too short, as before */
        build_cut4(&P, 6, tcp, n, 0);
        EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_TRUNCATED_L4);
    }
    /* 16 bytes with data offset 4 (ip_fragmented_garbage.pcap): the offset is not checked */
    build_cut4(&P, 6, tcp, 16, 1);
    pg_put8(&P, 32, 0x40);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    expect_cut_common(16);
    assert_int_equal(pk.tcp_flags, 0x18);
    /* all captured with a snaplen beyond the IP packet: still cut by the fragmentation */
    assert_int_equal(dec_ex(NTC_LINKTYPE_RAW, &P, 36, 60), NTC__DEC_IP);
    expect_cut_common(16);
    /* an IP length beyond the wire is malformed */
    pg_put16(&P, 2, 40);
    EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_BAD_IP_LENGTH);
    expect_last_cut4(6, 0x1234, 80);
    /* a whole base header whose options are cut by the fragmentation (data offset 8, 24 bytes) */
    build_cut4(&P, 6, tcp, 24, 1);
    pg_put8(&P, 32, 0x80);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    expect_cut_common(24);
    assert_int_equal(pk.tcp_flags, 0x18);
    assert_int_equal(pk.tcp_win, 0x2000);
    assert_int_equal(pk.sport, 0x1234);
    expect_last_cut4(6, 0x1234, 80);
    build_cut4(&P, 6, tcp, 24, 0);
    pg_put8(&P, 32, 0x80);
    EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_BAD_TCP_HEADER);
    /* ... but a data offset below 5 in a whole base header stays malformed */
    build_cut4(&P, 6, tcp, 24, 1);
    pg_put8(&P, 32, 0x40);
    EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_BAD_TCP_HEADER);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 0);

    /* UDP */
    static const uint8_t udp[8] = {0x13, 0x88, 0x00, 0x35, 0, 8, 0, 0};
    for (uint32_t n = 0; n < 8; n++) {
        build_cut4(&P, 17, udp, n, 1);
        assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
        expect_cut_common(n);
        assert_int_equal(pk.l4_proto, 17);
        assert_int_equal(pk.sport, n >= 4 ? 5000 : 0);
        assert_int_equal(pk.dport, n >= 4 ? 53 : 0);
        if (n)
            EXPECT_ERR(dec_ex(NTC_LINKTYPE_RAW, &P, 19 + n, 20 + n), NTC_DECODE_TRUNCATED_L4);
        expect_last_cut4(17, n >= 4 ? 5000 : 0, n >= 4 ? 53 : 0);
        build_cut4(&P, 17, udp, n, 0);
        EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_TRUNCATED_L4);
    }

    /* ICMP echo request (code 5 to see it read) with identifier 0x4321 */
    static const uint8_t echo[8] = {8, 5, 0, 0, 0x43, 0x21, 0, 1};
    for (uint32_t n = 0; n < 8; n++) {
        build_cut4(&P, 1, echo, n, 1);
        assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
        expect_cut_common(n);
        assert_int_equal(pk.l4_proto, 1);
        assert_int_equal(pk.icmp_type, n >= 1 ? 8 : 0);
        assert_int_equal(pk.icmp_code, n >= 2 ? 5 : 0);
        assert_int_equal(pk.sport, n >= 6 ? 0x4321 : 0);
        assert_int_equal(pk.dport, n >= 6 ? 0x4321 : 0);
        if (n)
            EXPECT_ERR(dec_ex(NTC_LINKTYPE_RAW, &P, 19 + n, 20 + n), NTC_DECODE_TRUNCATED_L4);
        expect_last_cut4(1, n >= 6 ? 0x4321 : 0, n >= 6 ? 0x4321 : 0);
        build_cut4(&P, 1, echo, n, 0);
        EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_TRUNCATED_L4);
    }
    /* ICMP unreachable: 4 bytes were always enough */
    static const uint8_t unreach[4] = {3, 1, 0, 0};
    for (uint32_t n = 0; n <= 4; n++) {
        build_cut4(&P, 1, unreach, n, 1);
        assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
        assert_int_equal(pk.frag, NTC__FRAG_FIRST);
        assert_int_equal(pk.icmp_type, n >= 1 ? 3 : 0);
        assert_int_equal(pk.icmp_code, n >= 2 ? 1 : 0);
        assert_int_equal(pk.sport, 0);
        assert_null(pk.payload);
        expect_last_cut4(1, 0, 0);
    }

    /* IPv6: 4 bytes of UDP after the fragment header; 6 bytes of ICMPv6 echo */
    pg_init(&P);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    pg_ipv6_frag(&P, 0, 1, 0x600d, 17);
    pg_data(&P, udp, 4);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_FIRST);
    assert_int_equal(pk.sport, 5000);
    assert_int_equal(pk.dport, 53);
    assert_int_equal(OFF(pk.l4), 48);
    assert_int_equal(pk.l4_caplen, 4);
    assert_null(pk.payload);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_RAW, &P, 51, 52), NTC_DECODE_TRUNCATED_L4);
    pg_init(&Q);
    pg_ipv6(&Q, IP6_A, IP6_B, NULL);
    pg_ipv6_frag(&Q, 1, 0, 0x600d, 17);
    pg_fill(&Q, 0, 8);
    pg_finish(&Q);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &Q), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_LATER);
    assert_int_equal(pk.sport, 5000);
    assert_int_equal(pk.dport, 53);
    static const uint8_t echo6[6] = {128, 0, 0, 0, 0xbe, 0xef};
    pg_init(&P);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    pg_ipv6_frag(&P, 0, 1, 0x600e, 58);
    pg_data(&P, echo6, 6);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.icmp_type, 128);
    assert_int_equal(pk.sport, 0xbeef);
    assert_int_equal(ntc__decoder_frag_count(g_dec), 1);
}

/* ---- tunnels ---- */

static void test_ipip(void **state)
{
    (void)state;
    /* 4in4 */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_ipv4(&P, IP_C, IP_D, NULL);
    add_udp(&P, 1000, 2000, 10);
    pg_finish(&P);
    assert_int_equal(P.data[23], 4);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_IPIP);
    expect_v4(IP_C, IP_D);
    assert_int_equal(pk.outer_ip_len, 58);
    assert_int_equal(pk.ip_len, 38);
    assert_int_equal(OFF(pk.l3), 34);
    assert_int_equal(pk.l3_caplen, 38);
    assert_int_equal(pk.l4_proto, 17);
    assert_int_equal(OFF(pk.l4), 54);
    assert_int_equal(OFF(pk.src_mac), 6);
    assert_int_equal(pk.sport, 1000);
    assert_int_equal(pk.payload_len, 10);

    /* 6in4 */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_ipv6(&P, IP6_C, IP6_D, NULL);
    add_tcp(&P, 3000, 443, PG_SYN, 0);
    pg_finish(&P);
    assert_int_equal(P.data[23], 41);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_IPIP);
    expect_v6(IP6_C, IP6_D);
    assert_int_equal(pk.outer_ip_len, 80);
    assert_int_equal(pk.ip_len, 60);
    assert_int_equal(OFF(pk.l4), 74);
    assert_int_equal(pk.tcp_flags, PG_SYN);

    /* 4in6 and 6in6 */
    pg_init(&P);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    pg_ipv4(&P, IP_C, IP_D, NULL);
    add_udp(&P, 1, 2, 0);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_IPIP);
    expect_v4(IP_C, IP_D);
    assert_int_equal(pk.outer_ip_len, 68);
    assert_int_equal(pk.ip_len, 28);
    pg_init(&P);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    pg_ipv6(&P, IP6_C, IP6_D, NULL);
    add_udp(&P, 1, 2, 0);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_IPIP);
    expect_v6(IP6_C, IP6_D);

    /* inner malformed: its own reason */
    pg_init(&P);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    size_t in = pg_ipv4(&P, IP_C, IP_D, NULL);
    add_udp(&P, 1, 2, 0);
    pg_finish(&P);
    pg_put8(&P, in, 0x43);
    EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_BAD_IPV4_IHL);
    pg_put8(&P, in, 0x75);
    EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_BAD_IP_VERSION);
    pg_put8(&P, in, 0x45);
    pg_put16(&P, in + 2, 29);
    EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_BAD_IP_LENGTH);
    /* inner IP that does not fit the outer one either */
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_RAW, &P, 48, 48), NTC_DECODE_BAD_IP_LENGTH);
}

static void test_gre(void **state)
{
    (void)state;
    /* plain GRE, IPv4 inside */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    size_t gre = pg_gre(&P, NULL);
    pg_ipv4(&P, IP_C, IP_D, NULL);
    add_udp(&P, 53, 5353, 4);
    pg_finish(&P);
    assert_int_equal(P.data[23], 47);
    assert_int_equal(P.data[gre + 2] << 8 | P.data[gre + 3], 0x0800);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_GRE);
    expect_v4(IP_C, IP_D);
    assert_int_equal(OFF(pk.l4), 58);
    assert_int_equal(pk.outer_ip_len, 56);
    assert_int_equal(pk.ip_len, 32);
    assert_int_equal(pk.sport, 53);

    /* checksum + key + sequence, IPv6 inside */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_gre_opt go = {.csum = 1, .has_key = 1, .key = 0x11223344, .has_seq = 1, .seq = 7};
    gre = pg_gre(&P, &go);
    pg_ipv6(&P, IP6_C, IP6_D, NULL);
    add_tcp(&P, 1, 2, PG_RST, 0);
    pg_finish(&P);
    assert_int_equal(P.data[gre], 0xb0);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_GRE);
    expect_v6(IP6_C, IP6_D);
    assert_int_equal(OFF(pk.l4), 14 + 20 + 16 + 40);
    assert_int_equal(pk.tcp_flags, PG_RST);
    /* cut inside the optional fields, inside the base header */
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 49, (uint32_t)P.len), NTC_DECODE_TRUNCATED_L4);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 37, (uint32_t)P.len), NTC_DECODE_TRUNCATED_L4);
    /* inner IPv6 cut */
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 51, (uint32_t)P.len), NTC_DECODE_TRUNCATED_IP);
    /* bad version, routing bit, strict source route, recursion */
    static const uint16_t bad[] = {0x0002, 0x0007, 0x4000, 0x0800, 0x0400};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pg_put16(&P, gre, bad[i]);
        EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_TUNNEL);
    }
    /* reserved0 bits 6-12 are ignored (RFC 2784) */
    pg_put16(&P, gre, 0xb000 | 0x0200);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_GRE);
    /* flags announcing more header than the IP packet holds */
    pg_init(&P);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    gre = pg_gre(&P, NULL);
    pg_fill(&P, 0, 4);
    pg_finish(&P);
    pg_put16(&P, gre, 0xb000);
    EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_BAD_TUNNEL);
    pg_put16(&P, 2, 22);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_RAW, &P, 22, 22), NTC_DECODE_BAD_TUNNEL);

    /* other payloads: the outer flow */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    gre = pg_gre(&P, NULL);
    pg_mpls(&P, 16, 0, 64);
    pg_ipv4(&P, IP_C, IP_D, NULL);
    pg_finish(&P);
    assert_int_equal(P.data[gre + 2] << 8 | P.data[gre + 3], 0x8847);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    assert_int_equal(pk.l4_proto, 47);
    assert_int_equal(pk.sport, 0);
    assert_int_equal(pk.dport, 0);
    assert_int_equal(OFF(pk.l4), 34);
    assert_int_equal(pk.l4_caplen, 28);
    expect_v4(IP_A, IP_B);
}

/* PPTP: enhanced GRE (version 1) carrying PPP. */
static size_t build_pptp(pg_pkt *p, int ack, const uint8_t *ppp, size_t ppp_len, int inner)
{
    pg_init(p);
    pg_ipv4(p, IP_A, IP_B, NULL);
    pg_gre_opt o = {.version = 1, .has_key = 1, .key = 0x00100020, .has_seq = 1, .seq = 5,
                    .proto = 0x880b};
    size_t gre = pg_gre(p, &o);
    if (ack) {
        static const uint8_t ackno[4] = {0, 0, 0, 4};
        pg_data(p, ackno, 4);
    }
    if (ppp_len)
        pg_data(p, ppp, ppp_len);
    if (inner) {
        pg_ipv4(p, IP_C, IP_D, NULL);
        add_udp(p, 5060, 5060, 20);
    }
    pg_finish(p);
    if (ack)
        pg_put16(p, gre, 0x3081);
    return gre;
}

static void test_gre_pptp(void **state)
{
    (void)state;
    static const uint8_t ppp_full[4] = {0xff, 0x03, 0x00, 0x21};
    static const uint8_t ppp_comp[1] = {0x21};
    static const uint8_t ppp_mppe[4] = {0xff, 0x03, 0x00, 0xfd};
    /* PPP with address/control and a 2-byte protocol, acknowledgment present */
    size_t gre = build_pptp(&P, 1, ppp_full, 4, 1);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_GRE);
    expect_v4(IP_C, IP_D);
    assert_int_equal(OFF(pk.l4), (long)gre + 16 + 4 + 20);
    assert_int_equal(pk.sport, 5060);
    assert_int_equal(pk.ip_len, 48);
    assert_int_equal(pk.outer_ip_len, 20 + 16 + 4 + 48);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_RAW, &P, (uint32_t)gre + 17, (uint32_t)P.len),
               NTC_DECODE_TRUNCATED_L4);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_RAW, &P, (uint32_t)gre + 15, (uint32_t)P.len),
               NTC_DECODE_TRUNCATED_L4);
    /* compressed: no address/control, 1-byte protocol; no acknowledgment */
    gre = build_pptp(&P, 0, ppp_comp, 1, 1);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_GRE);
    assert_int_equal(OFF(pk.l4), (long)gre + 12 + 1 + 20);
    /* encrypted PPP (MPPE) and acknowledgment-only packets: the outer GRE flow */
    build_pptp(&P, 0, ppp_mppe, 4, 0);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    assert_int_equal(pk.l4_proto, 47);
    expect_v4(IP_A, IP_B);
    build_pptp(&P, 1, NULL, 0, 0);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    assert_int_equal(pk.l4_proto, 47);
    assert_int_equal(OFF(pk.l4), 20);
    assert_int_equal(pk.l4_caplen, 16);
    /* version 1 without the key, with another protocol, with the checksum bit */
    gre = build_pptp(&P, 0, ppp_full, 4, 1);
    pg_put16(&P, gre, 0x1001);
    EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_BAD_TUNNEL);
    pg_put16(&P, gre, 0xb001);
    EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_BAD_TUNNEL);
    pg_put16(&P, gre, 0x3001);
    pg_put16(&P, gre + 2, 0x0800);
    EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_BAD_TUNNEL);
}

static void test_gre_ether(void **state)
{
    (void)state;
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    size_t gre = pg_gre(&P, NULL);
    pg_eth(&P, MAC_D, MAC_C, 0);
    pg_vlan(&P, 0, 0, 7, 0);
    pg_ipv4(&P, IP_C, IP_D, NULL);
    add_udp(&P, 67, 68, 10);
    pg_finish(&P);
    assert_int_equal(P.data[gre + 2] << 8 | P.data[gre + 3], 0x6558);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_GRE);
    assert_int_equal(OFF(pk.src_mac), 6); /* the outer frame's */
    assert_int_equal(OFF(pk.dst_mac), 0);
    assert_int_equal(pk.has_vlan, 1);
    assert_int_equal(pk.vlan, 7);
    expect_v4(IP_C, IP_D);
    assert_int_equal(OFF(pk.l4), 14 + 20 + 4 + 18 + 20);
    assert_int_equal(pk.sport, 67);
    /* inner frame cut */
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 50, (uint32_t)P.len), NTC_DECODE_TRUNCATED_L2);
    /* inner frame not IP: the outer GRE flow, without the inner tag */
    pg_init(&P);
    pg_sll(&P, 0, 1, MAC_A, 6, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_gre(&P, NULL);
    pg_eth(&P, MAC_D, MAC_C, 0);
    pg_vlan(&P, 0, 0, 7, 0);
    pg_arp(&P, 1, MAC_C, IP_C, MAC_D, IP_D);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_LINUX_SLL, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    assert_int_equal(pk.l4_proto, 47);
    assert_int_equal(pk.has_vlan, 0);
    assert_int_equal(pk.vlan, 0);
    assert_int_equal(OFF(pk.l4), 36);
    assert_int_equal(OFF(pk.src_mac), 6);
    expect_v4(IP_A, IP_B);
}

static size_t build_gtp(pg_pkt *p, const pg_gtpu_opt *go, int inner6, uint16_t sport,
                        uint16_t dport)
{
    pg_init(p);
    pg_eth(p, MAC_B, MAC_A, 0);
    pg_ipv4(p, IP_A, IP_B, NULL);
    pg_udp(p, sport, dport);
    size_t gtp = pg_gtpu(p, 0x01020304, go);
    if (inner6)
        pg_ipv6(p, IP6_C, IP6_D, NULL);
    else
        pg_ipv4(p, IP_C, IP_D, NULL);
    add_tcp(p, 50000, 443, PG_ACK, 100);
    pg_finish(p);
    return gtp;
}

static void test_gtpu(void **state)
{
    (void)state;
    size_t gtp = build_gtp(&P, NULL, 0, 2152, 2152);
    assert_int_equal(P.data[gtp], 0x30);
    assert_int_equal(P.data[gtp + 1], 0xff);
    assert_int_equal(P.data[gtp + 2] << 8 | P.data[gtp + 3], 140);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_GTPU);
    expect_v4(IP_C, IP_D);
    assert_int_equal(pk.l4_proto, 6);
    assert_int_equal(OFF(pk.l4), 70);
    assert_int_equal(pk.outer_ip_len, 176);
    assert_int_equal(pk.ip_len, 140);
    assert_int_equal(pk.sport, 50000);
    assert_int_equal(pk.payload_len, 100);

    /* sequence number and a chain of two extension headers, IPv6 inside, only sport 2152 */
    static const uint8_t pdu[2] = {0x10, 0x09};
    pg_gtpu_opt go = {.has_seq = 1, .seq = 99, .n_ext = 2,
                      .ext = {{.type = 0x85, .len4 = 1, .content = pdu}, {.type = 0x40, .len4 = 2}}};
    gtp = build_gtp(&P, &go, 1, 2152, 40000);
    assert_int_equal(P.data[gtp], 0x36);
    assert_int_equal(P.data[gtp + 11], 0x85);
    assert_int_equal(P.data[gtp + 15], 0x40);
    assert_int_equal(P.data[gtp + 23], 0);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_GTPU);
    expect_v6(IP6_C, IP6_D);
    assert_int_equal(OFF(pk.l4), (long)gtp + 24 + 40);
    /* cut inside the extension headers */
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, (uint32_t)gtp + 20, (uint32_t)P.len),
               NTC_DECODE_TRUNCATED_L4);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, (uint32_t)gtp + 16, (uint32_t)P.len),
               NTC_DECODE_TRUNCATED_L4);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, (uint32_t)gtp + 10, (uint32_t)P.len),
               NTC_DECODE_TRUNCATED_L4);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, (uint32_t)gtp + 7, (uint32_t)P.len),
               NTC_DECODE_TRUNCATED_L4);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, (uint32_t)gtp + 24, (uint32_t)P.len),
               NTC_DECODE_TRUNCATED_IP);
    /* an extension header of length 0 */
    pg_put8(&P, gtp + 16, 0);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_TUNNEL);
    /* too long for the datagram */
    pg_put8(&P, gtp + 16, 200);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_TUNNEL);
    pg_put8(&P, gtp + 16, 2);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    /* version 2, GTP' (PT = 0) */
    pg_put8(&P, gtp, 0x56);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_TUNNEL);
    pg_put8(&P, gtp, 0x26);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_TUNNEL);

    /* echo request: the outer UDP flow */
    pg_gtpu_opt echo = {.msg_type = 1, .has_seq = 1};
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_udp(&P, 2152, 2152);
    pg_gtpu(&P, 0, &echo);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    expect_v4(IP_A, IP_B);
    assert_int_equal(pk.l4_proto, 17);
    assert_int_equal(pk.dport, 2152);
    assert_int_equal(OFF(pk.payload), 42);
    assert_int_equal(pk.payload_len, 12);
    /* end marker, error indication (here followed by bytes that look like IP): the outer flow */
    pg_init(&Q);
    build_gtp(&Q, NULL, 0, 2152, 2152);
    pg_put8(&Q, 43, 0xfe);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &Q), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    assert_int_equal(pk.dport, 2152);
    pg_put8(&Q, 43, 26);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &Q), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    /* ... whose outer IP length is wrong is malformed: it is the innermost */
    pg_put16(&P, 16, 200);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_IP_LENGTH);
    /* a datagram too short for GTP */
    pg_init(&P);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_udp(&P, 2152, 2152);
    pg_fill(&P, 0x30, 4);
    pg_finish(&P);
    EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_BAD_TUNNEL);

    /* a non-IP T-PDU: the outer flow */
    gtp = build_gtp(&P, NULL, 0, 2152, 2152);
    pg_put8(&P, gtp + 8, 0x00);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    assert_int_equal(pk.dport, 2152);
    expect_v4(IP_A, IP_B);
}

static void test_gtpu_lengths(void **state)
{
    (void)state;
    /* the outer IP length may overstate: only the innermost header is checked */
    size_t gtp = build_gtp(&P, NULL, 0, 2152, 2152);
    pg_put16(&P, 16, 176 + 100);
    pg_ipv4_csum(&P, 14);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_GTPU);
    assert_int_equal(pk.outer_ip_len, 276);
    assert_int_equal(pk.ip_len, 140);
    assert_int_equal(OFF(pk.l3), 50);
    assert_int_equal(pk.l3_caplen, 140);
    assert_int_equal(pk.payload_len, 100);
    assert_int_equal(pk.payload_caplen, 100);
    /* the inner one may not */
    pg_put16(&P, gtp + 8 + 2, 141);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_IP_LENGTH);
    /* snaplen: inner TCP header captured, the rest not */
    build_gtp(&P, NULL, 0, 2152, 2152);
    assert_int_equal(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 96, (uint32_t)P.len), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_GTPU);
    assert_int_equal(pk.l4_caplen, 26);
    assert_int_equal(OFF(pk.l3), 50);
    assert_int_equal(pk.l3_caplen, 46);
    assert_int_equal(pk.payload_caplen, 6);
    assert_int_equal(pk.payload_len, 100);
    /* inner IHL bad */
    pg_put8(&P, gtp + 8, 0x44);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_IPV4_IHL);
}

static size_t build_vxlan(pg_pkt *p, uint16_t outer_vlan, uint16_t inner_vlan, int arp)
{
    pg_init(p);
    pg_eth(p, MAC_B, MAC_A, 0);
    if (outer_vlan)
        pg_vlan(p, 0, 0, outer_vlan, 0);
    pg_ipv4(p, IP_A, IP_B, NULL);
    pg_udp(p, 49152, 4789);
    size_t vx = pg_vxlan(p, 0x123456);
    pg_eth(p, MAC_D, MAC_C, 0);
    if (inner_vlan)
        pg_vlan(p, 0, 0, inner_vlan, 0);
    if (arp) {
        pg_arp(p, 1, MAC_C, IP_C, MAC_D, IP_D);
    } else {
        pg_ipv4(p, IP_C, IP_D, NULL);
        add_tcp(p, 33333, 22, PG_ACK, 5);
    }
    pg_finish(p);
    return vx;
}

static void test_vxlan(void **state)
{
    (void)state;
    size_t vx = build_vxlan(&P, 0, 0, 0);
    assert_int_equal(P.data[vx], 0x08);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_VXLAN);
    assert_int_equal(OFF(pk.src_mac), 6);
    assert_int_equal(OFF(pk.dst_mac), 0);
    expect_v4(IP_C, IP_D);
    assert_int_equal(pk.sport, 33333);
    assert_int_equal(pk.dport, 22);
    assert_int_equal(OFF(pk.l4), 84);
    assert_int_equal(pk.outer_ip_len, 20 + 8 + 8 + 14 + 20 + 20 + 5);
    assert_int_equal(pk.ip_len, 45);
    assert_int_equal(pk.has_vlan, 0);
    /* I flag clear */
    pg_put8(&P, vx, 0x00);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_TUNNEL);
    /* VXLAN header cut; inner frame cut */
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 45, (uint32_t)P.len), NTC_DECODE_TRUNCATED_L4);
    vx = build_vxlan(&P, 0, 0, 0);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 60, (uint32_t)P.len), NTC_DECODE_TRUNCATED_L2);

    /* the innermost tag: the inner frame's wins over the outer frame's */
    build_vxlan(&P, 0, 6, 0);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.vlan, 6);
    assert_int_equal(pk.has_vlan, 1);
    build_vxlan(&P, 5, 6, 0);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.vlan, 6);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_VXLAN);
    build_vxlan(&P, 5, 0, 0);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.vlan, 5);
    /* inner ARP: the outer frame's tag again */
    build_vxlan(&P, 5, 6, 1);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    assert_int_equal(pk.vlan, 5);

    /* inner ARP: the outer UDP flow */
    build_vxlan(&P, 0, 6, 1);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    assert_int_equal(pk.has_vlan, 0);
    assert_int_equal(pk.l4_proto, 17);
    assert_int_equal(pk.sport, 49152);
    assert_int_equal(pk.dport, 4789);
    assert_int_equal(OFF(pk.payload), 42);
    assert_int_equal(OFF(pk.l3), 14);
    assert_int_equal(pk.l3_caplen, P.len - 14);
    expect_v4(IP_A, IP_B);

    /* 4789 as source port only: plain UDP */
    pg_init(&P);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_udp(&P, 4789, 5000);
    pg_vxlan(&P, 1);
    pg_fill(&P, 0, 20);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    assert_int_equal(pk.sport, 4789);
    /* a datagram too short for VXLAN */
    pg_init(&P);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_udp(&P, 5000, 4789);
    pg_fill(&P, 8, 6);
    pg_finish(&P);
    EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_BAD_TUNNEL);
}

/* n nested IPv4-in-IPv4 headers around UDP */
static void build_ipip_chain(pg_pkt *p, int n)
{
    pg_init(p);
    for (int i = 0; i < n; i++)
        pg_ipv4(p, PG_IP4(10, 0, 0, (uint8_t)(i + 1)), PG_IP4(10, 0, 1, (uint8_t)(i + 1)), NULL);
    add_udp(p, 111, 222, 3);
    pg_finish(p);
}

static void test_nesting(void **state)
{
    (void)state;
    build_ipip_chain(&P, 5); /* 4 tunnels */
    assert_int_equal(dec(NTC_LINKTYPE_RAW, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_IPIP);
    expect_v4(PG_IP4(10, 0, 0, 5), PG_IP4(10, 0, 1, 5));
    assert_int_equal(pk.outer_ip_len, 111);
    assert_int_equal(pk.ip_len, 31);
    assert_int_equal(OFF(pk.l4), 100);
    build_ipip_chain(&P, 6);
    EXPECT_ERR(dec(NTC_LINKTYPE_RAW, &P), NTC_DECODE_TOO_DEEP);

    /* GRE > IPIP > GTP-U > VXLAN: four different tunnels, the outermost is reported */
    for (int extra = 0; extra <= 1; extra++) {
        pg_init(&P);
        pg_eth(&P, MAC_B, MAC_A, 0);
        pg_ipv4(&P, IP_A, IP_B, NULL);
        pg_gre(&P, NULL);
        pg_ipv6(&P, IP6_A, IP6_B, NULL);
        pg_ipv4(&P, IP_A, IP_B, NULL);
        pg_udp(&P, 2152, 2152);
        pg_gtpu(&P, 1, NULL);
        pg_ipv6(&P, IP6_C, IP6_D, NULL);
        pg_udp(&P, 1, 4789);
        pg_vxlan(&P, 9);
        pg_eth(&P, MAC_D, MAC_C, 0);
        pg_ipv4(&P, IP_C, IP_D, NULL);
        if (extra)
            pg_ipv4(&P, IP_C, IP_D, NULL);
        add_udp(&P, 7, 9, 0);
        pg_finish(&P);
        int r = dec(NTC_LINKTYPE_ETHERNET, &P);
        if (!extra) {
            assert_int_equal(r, NTC__DEC_IP);
            assert_int_equal(pk.tunnel, NTC_TUNNEL_GRE);
            expect_v4(IP_C, IP_D);
            assert_int_equal(pk.sport, 7);
            assert_int_equal(pk.ip_len, 28);
            assert_int_equal(pk.outer_ip_len, P.len - 14);
        } else {
            EXPECT_ERR(r, NTC_DECODE_TOO_DEEP);
        }
    }
    /* VXLAN inside VXLAN ... five deep */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    for (int i = 0; i < 5; i++) {
        pg_ipv4(&P, IP_A, IP_B, NULL);
        pg_udp(&P, 1, 4789);
        pg_vxlan(&P, (uint32_t)i);
        pg_eth(&P, MAC_D, MAC_C, 0);
    }
    pg_ipv4(&P, IP_C, IP_D, NULL);
    add_udp(&P, 7, 9, 0);
    pg_finish(&P);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_TOO_DEEP);
}

/* ---- truncation at every length ---- */

typedef struct bound {
    uint32_t end; /* caplen below this ... */
    int err;      /* ... gives this error */
} bound;

static void trunc_loop(int lt, const pg_pkt *p, const bound *b, size_t nb, uint32_t payload_off)
{
    uint32_t len = (uint32_t)p->len;
    for (uint32_t cap = 0; cap <= len; cap++) {
        int r = dec_ex(lt, p, cap, len);
        size_t i = 0;
        while (i < nb && cap >= b[i].end)
            i++;
        if (i < nb) {
            if (r != NTC__DEC_ERROR || pk.error != b[i].err)
                print_error("caplen %u: result %d error %d, expected error %d\n", cap, r, pk.error,
                            b[i].err);
            EXPECT_ERR(r, b[i].err);
        } else {
            if (r != NTC__DEC_IP)
                print_error("caplen %u: result %d error %d\n", cap, r, pk.error);
            assert_int_equal(r, NTC__DEC_IP);
            assert_int_equal(pk.payload_caplen, cap > payload_off ? cap - payload_off : 0);
        }
        /* the same frame as if it had really ended there: never IP unless complete */
        r = dec_ex(lt, p, cap, cap);
        if (cap < len) {
            assert_int_equal(r, NTC__DEC_ERROR);
            assert_true(pk.error < NTC_DECODE_ERROR_COUNT);
        } else {
            assert_int_equal(r, NTC__DEC_IP);
        }
    }
}

static void test_truncation(void **state)
{
    (void)state;
    /* Ethernet / VLAN / IPv4 / TCP with options */
    static const uint8_t topt[12] = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_vlan(&P, 0, 0, 5, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_tcp_opt to = {.flags = PG_ACK, .options = topt, .options_len = 12, .win = 1};
    pg_tcp(&P, 1, 2, &to);
    pg_fill(&P, 'x', 10);
    pg_finish(&P);
    static const bound b1[] = {{18, NTC_DECODE_TRUNCATED_L2},
                               {38, NTC_DECODE_TRUNCATED_IP},
                               {58, NTC_DECODE_TRUNCATED_L4}};
    trunc_loop(NTC_LINKTYPE_ETHERNET, &P, b1, 3, 70);

    /* Ethernet / PPPoE / IPv6 / hop-by-hop / UDP */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_pppoe(&P, 1, 0);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    pg_ipv6_ext(&P, 0, 8);
    add_udp(&P, 1, 2, 9);
    pg_finish(&P);
    static const bound b2[] = {{22, NTC_DECODE_TRUNCATED_L2},
                               {62, NTC_DECODE_TRUNCATED_IP},
                               {70, NTC_DECODE_IPV6_EXT_LIMIT},
                               {78, NTC_DECODE_TRUNCATED_L4}};
    trunc_loop(NTC_LINKTYPE_ETHERNET, &P, b2, 4, 78);

    /* Ethernet / IPv4 / UDP / VXLAN / Ethernet / IPv4 / TCP */
    build_vxlan(&P, 0, 0, 0);
    static const bound b3[] = {{14, NTC_DECODE_TRUNCATED_L2}, {34, NTC_DECODE_TRUNCATED_IP},
                               {50, NTC_DECODE_TRUNCATED_L4}, {64, NTC_DECODE_TRUNCATED_L2},
                               {84, NTC_DECODE_TRUNCATED_IP}, {104, NTC_DECODE_TRUNCATED_L4}};
    trunc_loop(NTC_LINKTYPE_ETHERNET, &P, b3, 6, 104);

    /* Ethernet / MPLS x2 / IPv4 / GRE (key, seq) / IPv6 / UDP */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_mpls(&P, 20, 0, 9);
    pg_mpls(&P, 21, 0, 9);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_gre_opt go = {.has_key = 1, .has_seq = 1};
    pg_gre(&P, &go);
    pg_ipv6(&P, IP6_C, IP6_D, NULL);
    add_udp(&P, 3, 4, 5);
    pg_finish(&P);
    static const bound b4[] = {{23, NTC_DECODE_TRUNCATED_L2}, {42, NTC_DECODE_TRUNCATED_IP},
                               {54, NTC_DECODE_TRUNCATED_L4}, {94, NTC_DECODE_TRUNCATED_IP},
                               {102, NTC_DECODE_TRUNCATED_L4}};
    trunc_loop(NTC_LINKTYPE_ETHERNET, &P, b4, 5, 102);

    /* SLL / IPv4 / UDP / GTP-U (seq, one extension) / IPv4 / ICMP echo */
    pg_init(&P);
    pg_sll(&P, 0, 1, MAC_A, 6, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_udp(&P, 2152, 2152);
    pg_gtpu_opt gto = {.has_seq = 1, .n_ext = 1, .ext = {{.type = 0x85, .len4 = 1}}};
    pg_gtpu(&P, 5, &gto);
    pg_ipv4(&P, IP_C, IP_D, NULL);
    pg_icmp(&P, 8, 0, 77, 1);
    pg_fill(&P, 0, 16);
    pg_finish(&P);
    static const bound b5[] = {{16, NTC_DECODE_TRUNCATED_L2}, {36, NTC_DECODE_TRUNCATED_IP},
                               {60, NTC_DECODE_TRUNCATED_L4}, {80, NTC_DECODE_TRUNCATED_IP},
                               {88, NTC_DECODE_TRUNCATED_L4}};
    trunc_loop(NTC_LINKTYPE_LINUX_SLL, &P, b5, 5, 88);

    /* NULL / IPv6 / IPv4 (6in4 reversed) / ICMP unreachable */
    pg_init(&P);
    pg_null(&P, 0, 0);
    pg_ipv6(&P, IP6_A, IP6_B, NULL);
    pg_ipv4(&P, IP_C, IP_D, NULL);
    pg_icmp(&P, 3, 3, 0, 0);
    pg_fill(&P, 0, 4);
    pg_finish(&P);
    static const bound b6[] = {{4, NTC_DECODE_TRUNCATED_L2}, {64, NTC_DECODE_TRUNCATED_IP},
                               {68, NTC_DECODE_TRUNCATED_L4}};
    trunc_loop(NTC_LINKTYPE_NULL, &P, b6, 3, 72);
}

/* ---- CAPWAP ---- */

/* Ethernet / IPv4 A>B / UDP 12380 > 5247 / CAPWAP (co) / IEEE 802.11 (type, subtype, flags, wo) /
 * LLC-SNAP (oui, ethertype from the next layer) / IPv4 C>D / UDP 68 > 67 with 12 bytes. *wlan
 * (if not NULL) gets the 802.11 header's offset. Returns the CAPWAP header's offset. */
static size_t build_capwap_wlan(pg_pkt *p, const pg_capwap_opt *co, uint8_t type, uint8_t subtype,
                                uint8_t flags, const pg_wlan_opt *wo, size_t *wlan)
{
    pg_init(p);
    pg_eth(p, MAC_B, MAC_A, 0);
    pg_ipv4(p, IP_A, IP_B, NULL);
    pg_udp(p, 12380, 5247);
    size_t cw = pg_capwap(p, co);
    size_t w = pg_wlan(p, type, subtype, flags, wo);
    if (wlan)
        *wlan = w;
    pg_snap(p, 0, 0);
    pg_ipv4(p, IP_C, IP_D, NULL);
    add_udp(p, 68, 67, 12);
    pg_finish(p);
    return cw;
}

/* Ethernet / IPv4 / UDP 12380 > 5247 / CAPWAP (T clear) / Ethernet [/ VLAN] / IPv4 C>D / TCP
 * 33333 > 22 with 5 bytes, or ARP. */
static size_t build_capwap_ether(pg_pkt *p, const pg_capwap_opt *co, uint16_t inner_vlan, int arp)
{
    pg_init(p);
    pg_eth(p, MAC_B, MAC_A, 0);
    pg_ipv4(p, IP_A, IP_B, NULL);
    pg_udp(p, 12380, 5247);
    size_t cw = pg_capwap(p, co);
    pg_eth(p, MAC_D, MAC_C, 0);
    if (inner_vlan)
        pg_vlan(p, 0, 0, inner_vlan, 0);
    if (arp) {
        pg_arp(p, 1, MAC_C, IP_C, MAC_D, IP_D);
    } else {
        pg_ipv4(p, IP_C, IP_D, NULL);
        add_tcp(p, 33333, 22, PG_ACK, 5);
    }
    pg_finish(p);
    return cw;
}

/* The packet stayed the outer UDP flow 12380 > 5247 of IP_A > IP_B (behind 14 bytes of
 * Ethernet). */
static void expect_capwap_outer(int r)
{
    if (r != NTC__DEC_IP)
        print_error("result %d error %d\n", r, pk.error);
    assert_int_equal(r, NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    expect_v4(IP_A, IP_B);
    assert_int_equal(pk.l4_proto, 17);
    assert_int_equal(pk.sport, 12380);
    assert_int_equal(pk.dport, 5247);
    assert_int_equal(OFF(pk.l3), 14);
    assert_int_equal(OFF(pk.l4), 34);
    assert_int_equal(OFF(pk.payload), 42);
    assert_int_equal(pk.payload_len, pk.ip_len - 28);
    assert_int_equal(pk.frag, NTC__FRAG_NONE);
}

/* The inner UDP 68 > 67 of build_capwap_wlan(), its IP header at l3. */
static void expect_capwap_inner(int r, long l3)
{
    if (r != NTC__DEC_IP)
        print_error("result %d error %d\n", r, pk.error);
    assert_int_equal(r, NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_CAPWAP);
    expect_v4(IP_C, IP_D);
    assert_int_equal(pk.l4_proto, 17);
    assert_int_equal(pk.sport, 68);
    assert_int_equal(pk.dport, 67);
    assert_int_equal(OFF(pk.l3), l3);
    assert_int_equal(pk.l3_caplen, 40);
    assert_int_equal(OFF(pk.l4), l3 + 20);
    assert_int_equal(OFF(pk.payload), l3 + 28);
    assert_int_equal(pk.payload_len, 12);
    assert_int_equal(pk.ip_len, 40);
    assert_int_equal(pk.outer_ip_len, l3 + 40 - 14);
    assert_int_equal(OFF(pk.src_mac), 6);
    assert_int_equal(OFF(pk.dst_mac), 0);
    assert_int_equal(pk.frag, NTC__FRAG_NONE);
}

static void test_capwap_80211(void **state)
{
    (void)state;
    /* the header as sent: HLEN 2, WBID 1, T set */
    size_t w;
    size_t cw = build_capwap_wlan(&P, NULL, 2, 0, PG_WLAN_TODS, NULL, &w);
    assert_int_equal(cw, 42);
    assert_int_equal(w, 50);
    static const uint8_t cw_hdr[8] = {0x00, 0x10, 0x03, 0x00, 0, 0, 0, 0};
    assert_memory_equal(P.data + cw, cw_hdr, 8);
    static const uint8_t snap[8] = {0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00};
    assert_memory_equal(P.data + 74, snap, 8);
    assert_int_equal(P.data[w], 0x08);
    assert_int_equal(P.data[w + 1], 0x01);

    /* data frames: header length from ToDS/FromDS, QoS subtypes and the order (+HTC) flag */
    static const struct {
        uint8_t subtype, flags;
        long hdr;
    } v[] = {
        {0, PG_WLAN_TODS, 24},
        {0, PG_WLAN_FROMDS, 24},
        {0, PG_WLAN_TODS | PG_WLAN_RETRY, 24},
        {0, PG_WLAN_TODS | PG_WLAN_ORDER, 24}, /* no HT control without QoS */
        {1, PG_WLAN_FROMDS, 24},               /* data + CF-Ack */
        {0, PG_WLAN_TODS | PG_WLAN_FROMDS, 30},
        {8, PG_WLAN_TODS, 26},
        {9, PG_WLAN_FROMDS, 26},
        {8, PG_WLAN_TODS | PG_WLAN_ORDER, 30},
        {8, PG_WLAN_TODS | PG_WLAN_FROMDS, 32},
        {8, PG_WLAN_TODS | PG_WLAN_FROMDS | PG_WLAN_ORDER, 36},
    };
    pg_wlan_opt wo = {.addr1 = MAC_D, .addr2 = MAC_C, .addr3 = MAC_B, .addr4 = MAC_A,
                      .qos = 0x0005, .htc = 0xffffffff, .seq_ctrl = 0x1230};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        build_capwap_wlan(&P, NULL, 2, v[i].subtype, v[i].flags, &wo, &w);
        assert_int_equal(P.len, 50 + v[i].hdr + 8 + 40);
        expect_capwap_inner(dec(NTC_LINKTYPE_ETHERNET, &P), 50 + v[i].hdr + 8);
        assert_int_equal(pk.has_vlan, 0);
        /* frame control byte-swapped (Cisco) */
        uint8_t b0 = P.data[w];
        pg_put8(&P, w, P.data[w + 1]);
        pg_put8(&P, w + 1, b0);
        expect_capwap_inner(dec(NTC_LINKTYPE_ETHERNET, &P), 50 + v[i].hdr + 8);
    }

    /* only the source port 5247 (access controller to WTP); IPv6 inside */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_udp(&P, 5247, 12380);
    pg_capwap(&P, NULL);
    pg_wlan(&P, 2, 8, PG_WLAN_FROMDS, NULL);
    pg_snap(&P, 0, 0);
    pg_ipv6(&P, IP6_C, IP6_D, NULL);
    add_tcp(&P, 443, 50000, PG_SYN | PG_ACK, 0);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_CAPWAP);
    expect_v6(IP6_C, IP6_D);
    assert_int_equal(pk.sport, 443);
    assert_int_equal(pk.tcp_flags, PG_SYN | PG_ACK);
    assert_int_equal(OFF(pk.l3), 50 + 26 + 8);
    assert_int_equal(OFF(pk.l4), 50 + 26 + 8 + 40);

    /* radio MAC and wireless specific information: HLEN 6 */
    static const uint8_t wsi[4] = {0x10, 0x20, 0x00, 0x6c};
    pg_capwap_opt co = {.rid = 3, .radio_mac = MAC_D, .radio_mac_len = 6, .wsi = wsi,
                        .wsi_len = 4};
    cw = build_capwap_wlan(&P, &co, 2, 8, PG_WLAN_TODS, NULL, &w);
    assert_int_equal(P.data[cw + 1], 0x30);
    assert_int_equal(P.data[cw + 3], 0x30);
    assert_int_equal(w, 42 + 24);
    expect_capwap_inner(dec(NTC_LINKTYPE_ETHERNET, &P), 42 + 24 + 26 + 8);
    /* the optional fields are not interpreted: HLEN is what counts */
    pg_put8(&P, cw + 3, 0);
    pg_put8(&P, cw + 8, 0xff);
    expect_capwap_inner(dec(NTC_LINKTYPE_ETHERNET, &P), 42 + 24 + 26 + 8);

    /* VLAN tag after the SNAP header: the innermost tag */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_vlan(&P, 0, 0, 7, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_udp(&P, 12380, 5247);
    pg_capwap(&P, NULL);
    pg_wlan(&P, 2, 0, PG_WLAN_TODS, NULL);
    pg_snap(&P, 0, 0);
    pg_vlan(&P, 0, 0, 9, 0);
    pg_ipv4(&P, IP_C, IP_D, NULL);
    add_udp(&P, 68, 67, 12);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_CAPWAP);
    assert_int_equal(pk.vlan, 9);
    assert_int_equal(OFF(pk.l3), 18 + 36 + 24 + 8 + 4);
}

static void test_capwap_ether(void **state)
{
    (void)state;
    size_t cw = build_capwap_ether(&P, NULL, 0, 0);
    assert_int_equal(P.data[cw + 2], 0x02); /* WBID 1, T clear */
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_CAPWAP);
    expect_v4(IP_C, IP_D);
    assert_int_equal(pk.sport, 33333);
    assert_int_equal(pk.dport, 22);
    assert_int_equal(OFF(pk.src_mac), 6);
    assert_int_equal(OFF(pk.l3), 64);
    assert_int_equal(OFF(pk.l4), 84);
    assert_int_equal(pk.payload_len, 5);
    assert_int_equal(pk.ip_len, 45);
    assert_int_equal(pk.outer_ip_len, 20 + 8 + 8 + 14 + 45);
    assert_int_equal(pk.has_vlan, 0);
    /* T clear: an 802.3 frame whatever the binding */
    pg_put8(&P, cw + 2, 0x06);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_CAPWAP);
    /* inner VLAN */
    build_capwap_ether(&P, NULL, 33, 0);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_CAPWAP);
    assert_int_equal(pk.vlan, 33);
    assert_int_equal(OFF(pk.l3), 68);
    /* inner ARP: the outer flow, without the inner tag */
    build_capwap_ether(&P, NULL, 33, 1);
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    assert_int_equal(pk.has_vlan, 0);
    assert_int_equal(pk.vlan, 0);
    /* inner frame cut */
    build_capwap_ether(&P, NULL, 0, 0);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 60, (uint32_t)P.len), NTC_DECODE_TRUNCATED_L2);
    EXPECT_ERR(dec_ex(NTC_LINKTYPE_ETHERNET, &P, 80, (uint32_t)P.len), NTC_DECODE_TRUNCATED_IP);
}

/* Frames that carry no IP, or that are not decoded: the outer UDP flow. */
static void test_capwap_outer(void **state)
{
    (void)state;
    size_t w, cw;
    /* management (probe request) and control (ACK, RTS) frames, even with a body that looks
     * like SNAP and IP */
    static const struct {
        uint8_t type, subtype;
    } nd[] = {{0, 4}, {0, 8}, {1, 13}, {1, 11}, {3, 0}};
    for (size_t i = 0; i < sizeof(nd) / sizeof(nd[0]); i++) {
        build_capwap_wlan(&P, NULL, nd[i].type, nd[i].subtype, 0, NULL, &w);
        expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
        /* byte-swapped: a management/control frame has neither ToDS nor FromDS */
        uint8_t b0 = P.data[w];
        pg_put8(&P, w, P.data[w + 1]);
        pg_put8(&P, w + 1, b0);
        expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    }
    /* null data, QoS null (no body), protected (encrypted) data */
    build_capwap_wlan(&P, NULL, 2, 4, PG_WLAN_TODS, NULL, NULL);
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    build_capwap_wlan(&P, NULL, 2, 12, PG_WLAN_TODS, NULL, NULL);
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    build_capwap_wlan(&P, NULL, 2, 0, PG_WLAN_TODS | PG_WLAN_PROTECTED, NULL, NULL);
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    /* protocol version 1 */
    build_capwap_wlan(&P, NULL, 2, 0, PG_WLAN_TODS, NULL, &w);
    pg_put8(&P, w, 0x09);
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    /* byte-swapped data frame without ToDS/FromDS: not recognised */
    build_capwap_wlan(&P, NULL, 2, 0, 0, NULL, &w);
    pg_put8(&P, w, 0x00);
    pg_put8(&P, w + 1, 0x08);
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    /* A-MSDU */
    pg_wlan_opt amsdu = {.qos = 0x0080};
    build_capwap_wlan(&P, NULL, 2, 8, PG_WLAN_TODS, &amsdu, NULL);
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    /* SNAP with another OUI; another LLC; ethertypes without IP: ARP, EAPOL */
    build_capwap_wlan(&P, NULL, 2, 0, PG_WLAN_TODS, NULL, &w);
    pg_put8(&P, w + 24 + 4, 0x40);
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    build_capwap_wlan(&P, NULL, 2, 0, PG_WLAN_TODS, NULL, &w);
    pg_put16(&P, w + 24, 0x4242);
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    build_capwap_wlan(&P, NULL, 2, 0, PG_WLAN_TODS, NULL, &w);
    pg_put16(&P, w + 24 + 6, 0x888e);
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_vlan(&P, 0, 0, 7, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_udp(&P, 12380, 5247);
    pg_capwap(&P, NULL);
    pg_wlan(&P, 2, 0, PG_WLAN_TODS, NULL);
    pg_snap(&P, 0, 0);
    pg_vlan(&P, 0, 0, 9, 0);
    pg_arp(&P, 1, MAC_C, IP_C, MAC_D, IP_D);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    assert_int_equal(pk.dport, 5247);
    assert_int_equal(pk.vlan, 7);
    assert_int_equal(OFF(pk.payload), 46);
    /* a data frame without a body */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_udp(&P, 12380, 5247);
    pg_capwap(&P, NULL);
    pg_wlan(&P, 2, 0, PG_WLAN_TODS, NULL);
    pg_finish(&P);
    assert_int_equal(P.data[44], 0x03); /* T set */
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    /* the CAPWAP header alone */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_udp(&P, 12380, 5247);
    pg_capwap(&P, NULL);
    pg_finish(&P);
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    /* another binding's native frame (WBID 3, EPCglobal) */
    pg_capwap_opt co = {.wbid = 3};
    build_capwap_wlan(&P, &co, 2, 0, PG_WLAN_TODS, NULL, NULL);
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    /* fragments, keep-alives */
    pg_capwap_opt fr = {.frag = 1};
    build_capwap_wlan(&P, &fr, 2, 0, PG_WLAN_TODS, NULL, NULL);
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    pg_capwap_opt fr2 = {.frag = 1, .last = 1, .frag_off = 100};
    build_capwap_ether(&P, &fr2, 0, 0);
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    pg_capwap_opt ka = {.keepalive = 1};
    build_capwap_ether(&P, &ka, 0, 0);
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    /* DTLS-encrypted data channel (preamble type 1), even short ones */
    cw = build_capwap_wlan(&P, NULL, 2, 0, PG_WLAN_TODS, NULL, NULL);
    pg_put8(&P, cw, 0x01);
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv4(&P, IP_A, IP_B, NULL);
    pg_udp(&P, 12380, 5247);
    pg_fill(&P, 0x01, 1);
    pg_finish(&P);
    expect_capwap_outer(dec(NTC_LINKTYPE_ETHERNET, &P));
    /* port 5246 (control channel) is not decapsulated */
    build_capwap_wlan(&P, NULL, 2, 0, PG_WLAN_TODS, NULL, NULL);
    pg_put16(&P, 36, 5246);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    assert_int_equal(pk.dport, 5246);
    /* inside a first fragment: no tunnel */
    pg_init(&P);
    pg_eth(&P, MAC_B, MAC_A, 0);
    pg_ipv4_opt fo = {.id = 5, .mf = 1};
    pg_ipv4(&P, IP_A, IP_B, &fo);
    pg_udp(&P, 12380, 5247);
    pg_capwap(&P, NULL);
    pg_eth(&P, MAC_D, MAC_C, 0);
    pg_ipv4(&P, IP_C, IP_D, NULL);
    add_udp(&P, 1, 2, 8);
    pg_finish(&P);
    assert_int_equal(dec(NTC_LINKTYPE_ETHERNET, &P), NTC__DEC_IP);
    assert_int_equal(pk.frag, NTC__FRAG_FIRST);
    assert_int_equal(pk.tunnel, NTC_TUNNEL_NONE);
    assert_int_equal(pk.dport, 5247);
    expect_v4(IP_A, IP_B);
}

/* Datagram of n bytes on port 5247: the first n bytes of the UDP payload of p, the frame ending
 * with it, the outer IPv4 (at 14) and UDP lengths adjusted. */
static void cut_datagram(pg_pkt *dst, const pg_pkt *src, size_t n)
{
    *dst = *src;
    dst->len = 42 + n;
    pg_put16(dst, 16, (uint16_t)(28 + n));
    pg_ipv4_csum(dst, 14);
    pg_put16(dst, 38, (uint16_t)(8 + n));
}

static void test_capwap_malformed(void **state)
{
    (void)state;
    /* preamble: version 1, type 2 */
    size_t cw = build_capwap_wlan(&P, NULL, 2, 0, PG_WLAN_TODS, NULL, NULL);
    pg_put8(&P, cw, 0x10);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_TUNNEL);
    pg_put8(&P, cw, 0x02);
    EXPECT_ERR(dec(NTC_LINKTYPE_ETHERNET, &P), NTC_DECODE_BAD_TUNNEL);
    pg_put8(&P, cw, 0x00);
    /* HLEN 0 and 1 word; beyond the datagram (31 words); 802.11 frame starting inside */
    for (uint8_t h = 0; h < 32; h++) {
        pg_put8(&P, cw + 1, (uint8_t)(h << 3));
        int r = dec(NTC_LINKTYPE_ETHERNET, &P);
        if (h < 2 || cw + h * 4u > P.len)
            EXPECT_ERR(r, NTC_DECODE_BAD_TUNNEL);
        else if (h == 2)
            expect_capwap_inner(r, 50 + 24 + 8);
        else
            assert_true(r == NTC__DEC_IP || r == NTC__DEC_ERROR);
    }

    /* every datagram length: CAPWAP with radio MAC and WSI (24 bytes), 802.11 QoS data with 4
     * addresses and HT control (36), SNAP (8), IPv4 (20), UDP (8) + 12 */
    static const uint8_t wsi[4] = {1, 2, 3, 4};
    pg_capwap_opt co = {.radio_mac = MAC_C, .radio_mac_len = 6, .wsi = wsi, .wsi_len = 4};
    build_capwap_wlan(&P, &co, 2, 8, PG_WLAN_TODS | PG_WLAN_FROMDS | PG_WLAN_ORDER, NULL, NULL);
    size_t full = P.len - 42;
    assert_int_equal(full, 24 + 36 + 8 + 40);
    for (size_t n = 0; n <= full; n++) {
        cut_datagram(&Q, &P, n);
        int r = dec(NTC_LINKTYPE_ETHERNET, &Q);
        int want;
        if (n < 24)
            want = NTC_DECODE_BAD_TUNNEL; /* shorter than 8 bytes, or than HLEN */
        else if (n == 24 || n == 60)
            want = -1; /* no frame; a frame without a body: the outer flow */
        else if (n < 68)
            want = NTC_DECODE_TRUNCATED_L2; /* 802.11 header, SNAP header */
        else if (n < 88)
            want = NTC_DECODE_TRUNCATED_IP;
        else if (n < full)
            want = NTC_DECODE_BAD_IP_LENGTH; /* the inner IP length beyond the datagram */
        else
            want = -2;
        if (want >= 0 && (r != NTC__DEC_ERROR || pk.error != want))
            print_error("datagram %zu: result %d error %d, expected error %d\n", n, r, pk.error,
                        want);
        if (want >= 0)
            EXPECT_ERR(r, want);
        else if (want == -1)
            expect_capwap_outer(r);
        else
            expect_capwap_inner(r, 42 + 24 + 36 + 8);
    }
    /* the same cut by the capture */
    static const bound b[] = {{14, NTC_DECODE_TRUNCATED_L2}, {34, NTC_DECODE_TRUNCATED_IP},
                              {66, NTC_DECODE_TRUNCATED_L4}, {110, NTC_DECODE_TRUNCATED_L2},
                              {130, NTC_DECODE_TRUNCATED_IP}, {138, NTC_DECODE_TRUNCATED_L4}};
    trunc_loop(NTC_LINKTYPE_ETHERNET, &P, b, 6, 138);
    /* byte-swapped frame control: the same */
    pg_put8(&P, 66, P.data[67]);
    pg_put8(&P, 67, 0x88);
    trunc_loop(NTC_LINKTYPE_ETHERNET, &P, b, 6, 138);

    /* 802.3 payload, every datagram length: CAPWAP 8, Ethernet 14, IPv4 20, TCP 20 + 5 */
    build_capwap_ether(&P, NULL, 0, 0);
    full = P.len - 42;
    for (size_t n = 0; n <= full; n++) {
        cut_datagram(&Q, &P, n);
        int r = dec(NTC_LINKTYPE_ETHERNET, &Q);
        if (n < 8)
            EXPECT_ERR(r, NTC_DECODE_BAD_TUNNEL);
        else if (n == 8)
            expect_capwap_outer(r);
        else if (n < 22)
            EXPECT_ERR(r, NTC_DECODE_TRUNCATED_L2);
        else if (n < 42)
            EXPECT_ERR(r, NTC_DECODE_TRUNCATED_IP);
        else if (n < full)
            EXPECT_ERR(r, NTC_DECODE_BAD_IP_LENGTH);
        else
            assert_int_equal(pk.tunnel, NTC_TUNNEL_CAPWAP);
    }
    static const bound b2[] = {{14, NTC_DECODE_TRUNCATED_L2}, {34, NTC_DECODE_TRUNCATED_IP},
                               {50, NTC_DECODE_TRUNCATED_L4}, {64, NTC_DECODE_TRUNCATED_L2},
                               {84, NTC_DECODE_TRUNCATED_IP}, {104, NTC_DECODE_TRUNCATED_L4}};
    trunc_loop(NTC_LINKTYPE_ETHERNET, &P, b2, 6, 104);

    /* nesting: four CAPWAP tunnels are fine, five too deep (802.11 and 802.3 alike) */
    for (int native = 0; native <= 1; native++) {
        for (int n = 4; n <= 5; n++) {
            pg_init(&P);
            pg_eth(&P, MAC_B, MAC_A, 0);
            for (int i = 0; i < n; i++) {
                pg_ipv4(&P, IP_A, IP_B, NULL);
                pg_udp(&P, 1, 5247);
                pg_capwap(&P, NULL);
                if (native) {
                    pg_wlan(&P, 2, 8, PG_WLAN_TODS, NULL);
                    pg_snap(&P, 0, 0);
                } else {
                    pg_eth(&P, MAC_D, MAC_C, 0);
                }
            }
            pg_ipv4(&P, IP_C, IP_D, NULL);
            add_udp(&P, 7, 9, 0);
            pg_finish(&P);
            int r = dec(NTC_LINKTYPE_ETHERNET, &P);
            if (n == 4) {
                assert_int_equal(r, NTC__DEC_IP);
                assert_int_equal(pk.tunnel, NTC_TUNNEL_CAPWAP);
                expect_v4(IP_C, IP_D);
                assert_int_equal(pk.sport, 7);
            } else {
                EXPECT_ERR(r, NTC_DECODE_TOO_DEEP);
            }
        }
    }
}

/* ---- robustness: random mutations, decoded from exact-size buffers ---- */

static void check_invariants(int r, uint32_t caplen)
{
    assert_true(r == NTC__DEC_IP || r == NTC__DEC_NONIP || r == NTC__DEC_ERROR);
    if (r == NTC__DEC_ERROR) {
        assert_true(pk.error < NTC_DECODE_ERROR_COUNT);
        return;
    }
    if (r != NTC__DEC_IP)
        return;
    assert_true(pk.ip_version == 4 || pk.ip_version == 6);
    assert_true(pk.frag <= NTC__FRAG_ORPHAN);
    assert_non_null(pk.l3);
    assert_true(OFF(pk.l3) >= 0 && (uint64_t)OFF(pk.l3) + pk.l3_caplen <= caplen);
    assert_true(pk.l3_caplen >= 20 && pk.l3_caplen <= pk.ip_len);
    if (pk.l4)
        assert_true(pk.l4 > pk.l3 && pk.l4 + pk.l4_caplen <= pk.l3 + pk.l3_caplen);
    assert_true(pk.tunnel <= NTC_TUNNEL_CAPWAP);
    if (pk.l4) {
        assert_true(OFF(pk.l4) >= 0 && (uint64_t)OFF(pk.l4) + pk.l4_caplen <= caplen);
        assert_true(pk.l4_caplen > 0);
    } else {
        assert_int_equal(pk.l4_caplen, 0);
    }
    if (pk.payload) {
        assert_true(OFF(pk.payload) >= 0 &&
                    (uint64_t)OFF(pk.payload) + pk.payload_caplen <= caplen);
        assert_true(pk.payload_caplen <= pk.payload_len);
    } else {
        assert_int_equal(pk.payload_caplen, 0);
    }
    if (pk.src_mac)
        assert_true(OFF(pk.src_mac) >= 0 && OFF(pk.src_mac) + 6 <= (long)caplen);
    if (pk.dst_mac)
        assert_true(OFF(pk.dst_mac) >= 0 && OFF(pk.dst_mac) + 6 <= (long)caplen);
}

static void test_fuzz_mutations(void **state)
{
    (void)state;
    enum { NSEEDS = 10 };
    static pg_pkt seeds[NSEEDS];
    static const int lts[NSEEDS] = {NTC_LINKTYPE_ETHERNET, NTC_LINKTYPE_ETHERNET,
                                    NTC_LINKTYPE_ETHERNET, NTC_LINKTYPE_ETHERNET,
                                    NTC_LINKTYPE_LINUX_SLL, NTC_LINKTYPE_RAW,
                                    NTC_LINKTYPE_ETHERNET, NTC_LINKTYPE_LINUX_SLL2,
                                    NTC_LINKTYPE_ETHERNET, NTC_LINKTYPE_ETHERNET};
    build_vxlan(&seeds[0], 3, 4, 0);
    build_gtp(&seeds[1], NULL, 1, 2152, 2152);
    pg_gtpu_opt go = {.n_ext = 2, .ext = {{.type = 0x85, .len4 = 1}, {.type = 0x40, .len4 = 1}}};
    build_gtp(&seeds[2], &go, 0, 2152, 2152);
    build_frag4(&seeds[3], 1, 0, 1, 17, 9, 7);
    pg_init(&seeds[4]);
    pg_sll(&seeds[4], 0, 1, MAC_A, 6, 0);
    pg_ipv6(&seeds[4], IP6_A, IP6_B, NULL);
    pg_ipv6_ext(&seeds[4], 0, 8);
    pg_ipv6_frag(&seeds[4], 0, 1, 5, 0);
    pg_ipv6_ext(&seeds[4], 51, 16);
    add_tcp(&seeds[4], 1, 2, PG_SYN, 4);
    pg_finish(&seeds[4]);
    build_ipip_chain(&seeds[5], 4);
    pg_init(&seeds[6]);
    pg_eth(&seeds[6], MAC_B, MAC_A, 0);
    pg_pppoe(&seeds[6], 1, 0);
    pg_ipv4(&seeds[6], IP_A, IP_B, NULL);
    pg_gre_opt gre = {.csum = 1, .has_key = 1};
    pg_gre(&seeds[6], &gre);
    pg_eth(&seeds[6], MAC_D, MAC_C, 0);
    pg_mpls(&seeds[6], 1, 0, 1);
    pg_ipv6(&seeds[6], IP6_C, IP6_D, NULL);
    pg_icmp6(&seeds[6], 128, 0, 1, 1);
    pg_finish(&seeds[6]);
    pg_init(&seeds[7]);
    pg_sll2(&seeds[7], 0, 1, 1, 0, MAC_A, 6);
    pg_vlan(&seeds[7], 0x88a8, 0, 1, 0);
    pg_ipv4(&seeds[7], IP_A, IP_B, NULL);
    pg_ipv6(&seeds[7], IP6_A, IP6_B, NULL);
    add_udp(&seeds[7], 1, 2, 3);
    pg_finish(&seeds[7]);
    static const uint8_t wsi[4] = {1, 2, 3, 4};
    pg_capwap_opt co = {.radio_mac = MAC_C, .radio_mac_len = 6, .wsi = wsi, .wsi_len = 4};
    build_capwap_wlan(&seeds[8], &co, 2, 8, PG_WLAN_TODS | PG_WLAN_FROMDS | PG_WLAN_ORDER, NULL,
                      NULL);
    build_capwap_ether(&seeds[9], NULL, 12, 0);

    /* every seed decodes as IP before mutation */
    for (int s = 0; s < NSEEDS; s++) {
        int r = dec(lts[s], &seeds[s]);
        if (r != NTC__DEC_IP)
            print_error("seed %d: %d/%d\n", s, r, pk.error);
        assert_int_equal(r, NTC__DEC_IP);
    }
    static uint8_t buf[PG_MAX_FRAME];
    static const int any_lt[] = {0, 1, 101, 108, 113, 228, 229, 276};
    for (int it = 0; it < 200000; it++) {
        int s = (int)(rng() % NSEEDS);
        uint32_t len = (uint32_t)seeds[s].len;
        memcpy(buf, seeds[s].data, len);
        int nmut = 1 + (int)(rng() % 4);
        for (int m = 0; m < nmut; m++) {
            uint32_t pos = (uint32_t)(rng() % len);
            switch (rng() % 4) {
            case 0: buf[pos] = (uint8_t)rng(); break;
            case 1: buf[pos] ^= (uint8_t)(1u << (rng() % 8)); break;
            case 2: buf[pos] = 0; break;
            default: buf[pos] = 0xff; break;
            }
        }
        uint32_t cap = rng() % 4 ? len : (uint32_t)(rng() % (len + 1));
        uint32_t wire = rng() % 4 ? len : cap + (uint32_t)(rng() % 3000);
        int lt = rng() % 16 ? lts[s] : any_lt[rng() % 8];
        g_ts += rng() % 1000;
        int r = dec_ex_lt(lt, buf, cap, wire);
        check_invariants(r, cap);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_eth_ipv4_tcp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eth_padding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eth_ipv6_udp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eth_nonip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eth_snap_ip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vlan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_qinq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mpls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pppoe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sll, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sll2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_linktype, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv4_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_ext_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_lengths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_l4_other, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_short, setup, teardown),
        cmocka_unit_test_setup_teardown(test_icmp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frag_ipv4, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frag_orphan_and_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frag_table_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frag_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frag_no_tunnel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frag_ipv6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frag_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frag_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gre, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gre_ether, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gre_pptp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gtpu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gtpu_lengths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vxlan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nesting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capwap_80211, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capwap_ether, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capwap_outer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capwap_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fuzz_mutations, setup, teardown),
    };
    return cmocka_run_group_tests(tests, setup_all, NULL);
}
