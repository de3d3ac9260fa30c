/* make-malformed: write the malformed-capture corpus of the robust suite into a directory.
 *
 * Every file is crafted here, byte by byte, with tests/common/pktgen (packets) and a small raw
 * writer (file and record headers pktgen would not write wrong). The packets inside well-formed
 * files exercise the decoder's refusals; the corrupt files exercise libpcap's readers and
 * lib/capture's error paths. test_malformed.c reads each file through the engine and checks the
 * exact counters (or the exact error) it expects; each case below says what it holds, in order.
 * Deterministic: the same bytes on every build.
 *
 * Usage: make-malformed OUTDIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pktgen.h"

#define T0 1700000000ull /* seconds; 1700000000 % 60 == 20 */
#define SEC 1000000ull

static const char *outdir;
static pg_pkt P;

static const uint8_t MAC_C[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t MAC_S[6] = {0x02, 0, 0, 0, 0, 0x02};
#define CLI4 PG_IP4(10, 0, 0, 1)
#define SRV4 PG_IP4(10, 0, 0, 2)

static uint8_t cli6[16], srv6[16];

static void die(const char *what)
{
    fprintf(stderr, "make-malformed: %s\n", what);
    exit(1);
}

static char *path_of(const char *name)
{
    static char buf[4096];
    if ((size_t)snprintf(buf, sizeof(buf), "%s/%s", outdir, name) >= sizeof(buf))
        die("path too long");
    return buf;
}

static pg_pcap *open_pcap(const char *name)
{
    pg_pcap *w = pg_pcap_open(path_of(name), 1, 65535);
    if (!w)
        die(name);
    return w;
}

static void close_pcap(pg_pcap *w, const char *name)
{
    if (pg_pcap_close(w) != 0)
        die(name);
}

static void finish(pg_pkt *p)
{
    if (pg_finish(p) != 0 || p->overflow)
        die("packet does not fit");
}

/* Ethernet + IPv4 (client -> server), layers after it pushed by the caller. Returns the IP offset. */
static size_t eth_ip4(pg_pkt *p)
{
    pg_init(p);
    pg_eth(p, MAC_S, MAC_C, 0);
    return pg_ipv4(p, CLI4, SRV4, NULL);
}

static size_t eth_ip6(pg_pkt *p)
{
    pg_init(p);
    pg_eth(p, MAC_S, MAC_C, 0);
    return pg_ipv6(p, cli6, srv6, NULL);
}

/* A well-formed TCP segment 10.0.0.1:40000 -> 10.0.0.2:80 with `payload` bytes. */
static void tcp4(pg_pkt *p, uint16_t sport, uint8_t flags, size_t payload)
{
    eth_ip4(p);
    pg_tcp_opt o = {.seq = 1000, .flags = flags, .win = 65535};
    pg_tcp(p, sport, 80, &o);
    if (payload)
        pg_fill(p, 0x41, payload);
    finish(p);
}

static void udp4(pg_pkt *p, uint16_t sport, uint16_t dport, size_t payload)
{
    eth_ip4(p);
    pg_udp(p, sport, dport);
    if (payload)
        pg_fill(p, 0x42, payload);
    finish(p);
}

static void put(pg_pcap *w, uint64_t ts_us, const pg_pkt *p)
{
    if (pg_pcap_write(w, ts_us, p->data, (uint32_t)p->len, (uint32_t)p->len) != 0)
        die("write");
}

/* The first caplen bytes of p, its whole length on the wire. */
static void put_cut(pg_pcap *w, uint64_t ts_us, const pg_pkt *p, uint32_t caplen)
{
    if (pg_pcap_write(w, ts_us, p->data, caplen, (uint32_t)p->len) != 0)
        die("write");
}

/* ---- raw writer: classic pcap, little endian, any header values ------------------------------- */

static FILE *raw_open(const char *name)
{
    FILE *f = fopen(path_of(name), "wb");
    if (!f)
        die(name);
    return f;
}

static void raw_close(FILE *f)
{
    if (fclose(f) != 0)
        die("close");
}

static void raw_bytes(FILE *f, const void *b, size_t n)
{
    if (n && fwrite(b, 1, n, f) != n)
        die("write");
}

static void raw_u32(FILE *f, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    raw_bytes(f, b, 4);
}

static void raw_u16(FILE *f, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    raw_bytes(f, b, 2);
}

static void raw_file_header(FILE *f, uint32_t magic, uint16_t major, uint16_t minor,
                            uint32_t snaplen, uint32_t linktype)
{
    raw_u32(f, magic);
    raw_u16(f, major);
    raw_u16(f, minor);
    raw_u32(f, 0); /* thiszone */
    raw_u32(f, 0); /* sigfigs */
    raw_u32(f, snaplen);
    raw_u32(f, linktype);
}

/* Record header with any values, then `n` bytes of data (n may differ from caplen). */
static void raw_record(FILE *f, uint32_t sec, uint32_t usec, uint32_t caplen, uint32_t len,
                       const void *data, size_t n)
{
    raw_u32(f, sec);
    raw_u32(f, usec);
    raw_u32(f, caplen);
    raw_u32(f, len);
    raw_bytes(f, data, n);
}

/* ---- pcapng raw blocks (little endian) ----------------------------------------------------------- */

static void ng_shb(FILE *f, uint32_t blen)
{
    raw_u32(f, 0x0a0d0d0a);
    raw_u32(f, blen);
    raw_u32(f, 0x1a2b3c4d);
    raw_u16(f, 1);
    raw_u16(f, 0);
    raw_u32(f, 0xffffffff);
    raw_u32(f, 0xffffffff);
    raw_u32(f, blen);
}

static void ng_idb(FILE *f, uint16_t linktype)
{
    raw_u32(f, 1);
    raw_u32(f, 20);
    raw_u16(f, linktype);
    raw_u16(f, 0);
    raw_u32(f, 65535);
    raw_u32(f, 20);
}

/* Enhanced Packet Block; blen 0: the right length. caplen as given, data n bytes (padded). */
static void ng_epb(FILE *f, uint32_t ifid, uint64_t ts_us, uint32_t caplen, uint32_t len,
                   const void *data, uint32_t n, uint32_t blen)
{
    static const uint8_t zeros[4] = {0, 0, 0, 0};
    uint32_t padded = (n + 3) & ~3u;
    uint32_t right = 32 + padded;
    raw_u32(f, 6);
    raw_u32(f, blen ? blen : right);
    raw_u32(f, ifid);
    raw_u32(f, (uint32_t)(ts_us >> 32));
    raw_u32(f, (uint32_t)ts_us);
    raw_u32(f, caplen);
    raw_u32(f, len);
    raw_bytes(f, data, n);
    raw_bytes(f, zeros, padded - n);
    raw_u32(f, blen ? blen : right);
}

/* ==== the cases ================================================================================ */

/* truncated-headers.pcap: eight frames, each cut by the capture (caplen < len) inside a header.
 *   1 Ethernet header cut (10 of 14 bytes)                  truncated-l2
 *   2 802.1Q tag cut (14 + 2 bytes)                          truncated-l2
 *   3 frame of length 0 captured (len 60)                    truncated-l2
 *   4 IPv4 header cut (14 + 12 bytes)                        truncated-ip
 *   5 IPv6 header cut (14 + 30 bytes)                        truncated-ip
 *   6 TCP header cut (14 + 20 + 10 bytes)                    truncated-l4
 *   7 UDP header cut (14 + 20 + 4 bytes)                     truncated-l4
 *   8 ICMP echo header cut (14 + 20 + 2 bytes)               truncated-l4
 * One second apart from T0. No flow. */
static void truncated_headers(void)
{
    pg_pcap *w = open_pcap("truncated-headers.pcap");
    uint64_t t = T0 * SEC;
    tcp4(&P, 40000, PG_SYN, 0);
    put_cut(w, t, &P, 10);
    pg_init(&P);
    pg_eth(&P, MAC_S, MAC_C, 0);
    pg_vlan(&P, 0, 0, 10, 0);
    pg_ipv4(&P, CLI4, SRV4, NULL);
    pg_udp(&P, 1, 2);
    finish(&P);
    put_cut(w, t + 1 * SEC, &P, 16);
    tcp4(&P, 40000, PG_SYN, 6);
    put_cut(w, t + 2 * SEC, &P, 0);
    put_cut(w, t + 3 * SEC, &P, 14 + 12);
    eth_ip6(&P);
    pg_udp(&P, 1, 2);
    finish(&P);
    put_cut(w, t + 4 * SEC, &P, 14 + 30);
    tcp4(&P, 40000, PG_SYN, 0);
    put_cut(w, t + 5 * SEC, &P, 14 + 20 + 10);
    udp4(&P, 1000, 53, 20);
    put_cut(w, t + 6 * SEC, &P, 14 + 20 + 4);
    eth_ip4(&P);
    pg_icmp(&P, 8, 0, 7, 1);
    pg_fill(&P, 0, 16);
    finish(&P);
    put_cut(w, t + 7 * SEC, &P, 14 + 20 + 2);
    close_pcap(w, "truncated-headers.pcap");
}

/* caplen-gt-len.pcap: three UDP packets (10.0.0.1:1000 -> 10.0.0.2:53, 60-byte frames) whose
 * record headers say caplen 60 but len 50 (a capture tool that wrote the lengths the wrong way
 * round), then one with caplen 60, len 0. libpcap hands them over as they are; the engine takes
 * the larger length as the wire length. One UDP flow of four packets, 240 bytes on the wire. */
static void caplen_gt_len(void)
{
    FILE *f = raw_open("caplen-gt-len.pcap");
    raw_file_header(f, 0xa1b2c3d4, 2, 4, 65535, 1);
    udp4(&P, 1000, 53, 18);
    if (P.len != 60)
        die("caplen-gt-len: frame is not 60 bytes");
    for (uint32_t i = 0; i < 3; i++)
        raw_record(f, (uint32_t)T0 + i, 0, 60, 50, P.data, 60);
    raw_record(f, (uint32_t)T0 + 3, 0, 60, 0, P.data, 60);
    raw_close(f);
}

/* bogus-ip-lengths.pcap: IPv4/IPv6 headers whose length fields lie, one packet each, 1 s apart.
 *   1 IPv4 total length 10 (< 20-byte header)                      bad-ip-length
 *   2 IPv4 total length 1500 in a 60-byte frame, TCP               bad-ip-length
 *   3 IPv4 IHL 4 (16-byte header)                                  bad-ipv4-ihl
 *   4 IPv4 IHL 15 (60-byte header) in a 54-byte frame              truncated-ip
 *   5 IP version 5 (ethertype IPv4)                                bad-ip-version
 *   6 IPv6 payload length 1000 in a 62-byte frame, UDP             bad-ip-length
 *   7 IPv4 total length 0 (segmentation offload): the wire length rules: IP, TCP 10.0.0.1:40007
 *   8 IPv4 total length 40 in a frame of 60 (Ethernet padding): IP, TCP 10.0.0.1:40008, 40 bytes
 *   9 UDP length field 5000 in a 60-byte frame: the IP length rules: IP, UDP 10.0.0.1:1009 -> :53
 * Three flows (7, 8, 9). */
static void bogus_ip_lengths(void)
{
    pg_pcap *w = open_pcap("bogus-ip-lengths.pcap");
    uint64_t t = T0 * SEC;
    size_t ip;

    tcp4(&P, 40001, PG_SYN, 6);
    ip = 14;
    pg_put16(&P, ip + 2, 10);
    pg_ipv4_csum(&P, ip);
    put(w, t, &P);

    tcp4(&P, 40002, PG_SYN, 6);
    pg_put16(&P, ip + 2, 1500);
    pg_ipv4_csum(&P, ip);
    put(w, t + 1 * SEC, &P);

    tcp4(&P, 40003, PG_SYN, 6);
    pg_put8(&P, ip, 0x44);
    put(w, t + 2 * SEC, &P);

    tcp4(&P, 40004, PG_SYN, 0);
    pg_put8(&P, ip, 0x4f);
    put(w, t + 3 * SEC, &P);

    tcp4(&P, 40005, PG_SYN, 6);
    pg_put8(&P, ip, 0x55);
    put(w, t + 4 * SEC, &P);

    eth_ip6(&P);
    pg_udp(&P, 1006, 53);
    finish(&P);
    pg_put16(&P, 14 + 4, 1000);
    put(w, t + 5 * SEC, &P);

    tcp4(&P, 40007, PG_SYN, 6);
    pg_put16(&P, ip + 2, 0);
    pg_ipv4_csum(&P, ip);
    put(w, t + 6 * SEC, &P);

    tcp4(&P, 40008, PG_SYN, 0);
    pg_pad(&P, 60);
    put(w, t + 7 * SEC, &P);

    udp4(&P, 1009, 53, 18);
    pg_put16(&P, ip + 20 + 4, 5000);
    put(w, t + 8 * SEC, &P);
    close_pcap(w, "bogus-ip-lengths.pcap");
}

/* bogus-tcp.pcap: TCP headers that lie, 1 s apart.
 *   1 data offset 3 (12 bytes)                                      bad-tcp-header
 *   2 data offset 15 (60 bytes) in a 20-byte TCP segment            bad-tcp-header
 *   3 data offset 15 in a 70-byte segment: options cut by the capture (caplen 14+20+30): still
 *     IP, flow 10.0.0.1:40003 -> :80 (the capture, not the packet, is short)
 *   4 all flags set (christmas tree), 10.0.0.1:40004: IP, its own flow
 * Two flows. */
static void bogus_tcp(void)
{
    pg_pcap *w = open_pcap("bogus-tcp.pcap");
    uint64_t t = T0 * SEC;
    size_t tcp = 14 + 20;

    tcp4(&P, 40001, PG_SYN, 6);
    pg_put8(&P, tcp + 12, 3 << 4);
    put(w, t, &P);

    tcp4(&P, 40002, PG_SYN, 0);
    pg_put8(&P, tcp + 12, 15 << 4);
    put(w, t + 1 * SEC, &P);

    tcp4(&P, 40003, PG_SYN, 50);
    pg_put8(&P, tcp + 12, 15 << 4);
    put_cut(w, t + 2 * SEC, &P, 14 + 20 + 30);

    tcp4(&P, 40004, 0xff, 0);
    put(w, t + 3 * SEC, &P);
    close_pcap(w, "bogus-tcp.pcap");
}

/* An IPv6 packet with a raw chain of extension headers written by hand: n headers of type `type`,
 * each `len8` 8-byte units long (length field len8 - 1) and naming `type` as the next header,
 * the last one naming `last_next`; then `tail` bytes of zeros. The IPv6 payload length covers
 * everything unless plen is given (>= 0). */
static void ipv6_chain(pg_pkt *p, int n, uint8_t type, unsigned len8, uint8_t last_next,
                       size_t tail, int plen)
{
    eth_ip6(p);
    pg_fill(p, 0, (size_t)n * len8 * 8 + tail);
    finish(p);
    size_t ip = 14;
    pg_put8(p, ip + 6, n ? type : last_next);
    size_t pos = ip + 40;
    for (int i = 0; i < n; i++) {
        pg_put8(p, pos, i + 1 < n ? type : last_next);
        pg_put8(p, pos + 1, (uint8_t)(len8 - 1));
        pos += len8 * 8;
    }
    pg_put16(p, ip + 4, (uint16_t)(plen >= 0 ? (size_t)plen : p->len - ip - 40));
}

/* ipv6-ext-chains.pcap: extension-header chains, 1 s apart. The UDP headers are 8 zero bytes
 * (ports 0), so every UDP packet decoded belongs to one flow [2001:db8::1]:0 -> [2001:db8::2]:0.
 *   1 8 destination-options headers, then UDP: the longest chain decoded: IP, the UDP flow
 *   2 9 destination-options headers, then UDP                           ipv6-ext-limit
 *   3 a loop: 40 hop-by-hop headers each naming hop-by-hop as the next  ipv6-ext-limit
 *   4 a routing header announcing 256 bytes, 8 there (then 8 of UDP)    ipv6-ext-limit
 *   5 a destination-options header cut by the capture after 4 bytes    ipv6-ext-limit
 *   6 payload length 8 with a 16-byte header in the frame               ipv6-ext-limit
 *   7 AH (length in 4-byte units: 16 bytes) then UDP: IP, the UDP flow
 *   8 hop-by-hop, then a later fragment (offset 8, id 99) of UDP whose first fragment was never
 *     seen: IP, an orphan fragment (ports 0): the UDP flow again
 *   9 two destination-options headers ending in "no next header" (59): IP, a flow of protocol 59
 * Two flows: UDP (packets 1, 7, 8) and protocol 59 (packet 9). */
static void ipv6_ext_chains(void)
{
    pg_pcap *w = open_pcap("ipv6-ext-chains.pcap");
    uint64_t t = T0 * SEC;

    ipv6_chain(&P, 8, 60, 1, 17, 8, -1);
    put(w, t, &P);
    ipv6_chain(&P, 9, 60, 1, 17, 8, -1);
    put(w, t + 1 * SEC, &P);
    ipv6_chain(&P, 40, 0, 1, 0, 0, -1);
    put(w, t + 2 * SEC, &P);

    ipv6_chain(&P, 1, 43, 1, 17, 8, -1); /* 16 bytes of routing header... */
    pg_put8(&P, 14 + 40 + 1, 31);        /* ...announcing 32 * 8 = 256 */
    put(w, t + 3 * SEC, &P);

    ipv6_chain(&P, 1, 60, 1, 17, 8, -1);
    put_cut(w, t + 4 * SEC, &P, 14 + 40 + 4);

    ipv6_chain(&P, 1, 60, 2, 17, 8, 8);
    put(w, t + 5 * SEC, &P);

    ipv6_chain(&P, 1, 51, 2, 17, 8, -1); /* 16 bytes of AH: length field (16 / 4) - 2 = 2 */
    pg_put8(&P, 14 + 40 + 1, 2);
    put(w, t + 6 * SEC, &P);

    eth_ip6(&P);
    pg_ipv6_ext(&P, 0, 8);
    pg_ipv6_frag(&P, 1, 0, 99, 17);
    pg_fill(&P, 0, 8);
    finish(&P);
    put(w, t + 7 * SEC, &P);

    ipv6_chain(&P, 2, 60, 1, 59, 0, -1);
    put(w, t + 8 * SEC, &P);
    close_pcap(w, "ipv6-ext-chains.pcap");
}

/* overlapping-fragments.pcap: IPv4 fragments of one UDP datagram 10.0.0.1:5000 -> 10.0.0.2:6000
 * (id 1, 40 bytes of data: UDP header + 32), 10 ms apart, sent badly:
 *   1 first fragment (offset 0, 24 bytes, MF)
 *   2 a fragment overlapping it (offset 8, 24 bytes, MF)
 *   3 the same first fragment again (duplicate)
 *   4 a fragment at offset 16 overlapping 2 (24 bytes, last)        -> the datagram is complete
 *   5 a fragment of it again after the last one (offset 8, MF): its first is forgotten: orphan
 *   6 "ping of death": offset 65528, 16 bytes, last (ends past 65535), id 2: orphan
 *   7 a tiny first fragment (id 3): 8 bytes of TCP (ports only) 10.0.0.1:7000 -> :8000, MF
 *   8 its later fragment (offset 8, 12 bytes, last)
 *   9 IPv6: first fragment (id 4) of UDP 5000 -> 6000, 16 bytes, M
 *  10 IPv6: a fragment overlapping it (offset 8, 16 bytes, last)
 * Every packet is IP and a fragment. Flows: UDP 5000->6000 (1-4), UDP orphans with ports 0 (5, 6),
 * TCP 7000->8000 (7, 8), IPv6 UDP 5000->6000 (9, 10). */
static void overlapping_fragments(void)
{
    pg_pcap *w = open_pcap("overlapping-fragments.pcap");
    uint64_t t = T0 * SEC;
    const uint64_t ms = 1000;
    pg_pkt *fr = calloc(8, sizeof(*fr));
    if (!fr)
        die("out of memory");

    /* The whole datagram, then fragments cut by hand (offsets chosen to overlap). */
    pg_pkt *whole = &fr[7];
    pg_init(whole);
    pg_eth(whole, MAC_S, MAC_C, 0);
    pg_ipv4_opt o = {.id = 1};
    pg_ipv4(whole, CLI4, SRV4, &o);
    pg_udp(whole, 5000, 6000);
    pg_fill(whole, 0x55, 32);
    finish(whole);
    size_t ip = 14, data = ip + 20;
    struct {
        uint16_t off, len;
        int mf;
    } pieces[] = {{0, 24, 1}, {8, 24, 1}, {0, 24, 1}, {16, 24, 0}, {8, 24, 1}};
    for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
        pg_pkt *f = &fr[0];
        pg_init(f);
        memcpy(f->data, whole->data, data);
        memcpy(f->data + data, whole->data + data + pieces[i].off, pieces[i].len);
        f->len = data + pieces[i].len;
        pg_put16(f, ip + 2, (uint16_t)(20 + pieces[i].len));
        pg_put16(f, ip + 6, (uint16_t)((pieces[i].mf ? 0x2000 : 0) | pieces[i].off / 8));
        pg_ipv4_csum(f, ip);
        put(w, t + i * 10 * ms, f);
    }

    /* 6: id 2, offset 65528 (8191 * 8), 16 bytes. */
    pg_pkt *f = &fr[0];
    pg_init(f);
    memcpy(f->data, whole->data, data);
    memset(f->data + data, 0x66, 16);
    f->len = data + 16;
    pg_put16(f, ip + 2, 36);
    pg_put16(f, ip + 4, 2);
    pg_put16(f, ip + 6, 8191);
    pg_ipv4_csum(f, ip);
    put(w, t + 50 * ms, f);

    /* 7, 8: TCP 7000 -> 8000 (id 3) split after 8 bytes of its header. */
    pg_init(whole);
    pg_eth(whole, MAC_S, MAC_C, 0);
    o.id = 3;
    pg_ipv4(whole, CLI4, SRV4, &o);
    pg_tcp_opt to = {.seq = 1, .flags = PG_SYN, .win = 1024};
    pg_tcp(whole, 7000, 8000, &to);
    finish(whole);
    if (pg_ipv4_fragment(whole, ip, 8, fr, 7) != 3)
        die("tcp fragments");
    put(w, t + 60 * ms, &fr[0]);
    /* The second and third fragments merged into one (offset 8, 12 bytes, last). */
    pg_init(f);
    memcpy(f->data, whole->data, data);
    memcpy(f->data + data, whole->data + data + 8, 12);
    f->len = data + 12;
    pg_put16(f, ip + 2, 32);
    pg_put16(f, ip + 6, 1);
    pg_ipv4_csum(f, ip);
    put(w, t + 70 * ms, f);

    /* 9, 10: IPv6 UDP 5000 -> 6000 (8 + 16 bytes), fragment id 4: [0, 16) M, then [8, 24). */
    pg_init(whole);
    pg_eth(whole, MAC_S, MAC_C, 0);
    pg_ipv6(whole, cli6, srv6, NULL);
    pg_udp(whole, 5000, 6000);
    pg_fill(whole, 0x77, 16);
    finish(whole);
    size_t d6 = 14 + 40;
    for (int i = 0; i < 2; i++) {
        pg_init(f);
        pg_eth(f, MAC_S, MAC_C, 0);
        pg_ipv6(f, cli6, srv6, NULL);
        pg_ipv6_frag(f, (uint16_t)i, i == 0, 4, 17);
        pg_data(f, whole->data + d6 + (size_t)i * 8, 16);
        finish(f);
        put(w, t + (80 + (uint64_t)i * 10) * ms, f);
    }
    free(fr);
    close_pcap(w, "overlapping-fragments.pcap");
}

/* time-backwards.pcap: one UDP conversation 10.0.0.1:1000 <-> 10.0.0.2:53 whose packet times go
 * back, and a second one after a jump back of two hours (past engine.clock_resync, 1 h):
 *   T0, T0+1 s, T0+0.5 s (0.5 s back: the clock stays at T0+1), T0+2 s   flow 1, 4 packets
 *   T0-2 h (clock restarts: flow 1 ends, flushed), T0-2h+1 s             flow 2 (1001 -> 53), 2 packets
 *   T0-2h+0.2 s (back 0.8 s, kept), then T0-2h+3 s                        flow 2, 4 packets in all
 * One clock resync, two flows. */
static void time_backwards(void)
{
    pg_pcap *w = open_pcap("time-backwards.pcap");
    uint64_t t = T0 * SEC, back = t - 7200 * SEC;
    udp4(&P, 1000, 53, 10);
    put(w, t, &P);
    put(w, t + SEC, &P);
    put(w, t + SEC / 2, &P);
    put(w, t + 2 * SEC, &P);
    udp4(&P, 1001, 53, 10);
    put(w, back, &P);
    put(w, back + SEC, &P);
    put(w, back + SEC / 5, &P);
    put(w, back + 3 * SEC, &P);
    close_pcap(w, "time-backwards.pcap");
}

/* huge-timestamps.pcap: classic pcap stores seconds in 32 bits, which libpcap reads as signed.
 *   1 ts 2147483647.999999 (2038-01-19 03:14:07.999999, the latest a pcap can say), UDP 1000 -> 53
 *   2 ts T0 (back ~447 million s: the clock restarts, flow 1000 ends), UDP 1001 -> 53
 *   3 ts T0 + 1 s with a microsecond field of 2000000 (not below 10^6): taken as T0 + 3 s
 *   4 ts T0 + 2 s: 1 s behind the clock, kept
 *   5 ts 0xffffffff: -1 s for libpcap (1969-12-31 23:59:59), before the epoch: time 0, back
 *     1.7e9 s: the clock restarts again, flow 1001 ends; UDP 1002 -> 53
 * Two resyncs; flows 1000 -> 53 (1 packet), 1001 -> 53 (3 packets), 1002 -> 53 (1 packet, time 0). */
static void huge_timestamps_pcap(void)
{
    FILE *f = raw_open("huge-timestamps.pcap");
    raw_file_header(f, 0xa1b2c3d4, 2, 4, 65535, 1);
    udp4(&P, 1000, 53, 18);
    raw_record(f, 0x7fffffffu, 999999, (uint32_t)P.len, (uint32_t)P.len, P.data, P.len);
    udp4(&P, 1001, 53, 18);
    raw_record(f, (uint32_t)T0, 0, (uint32_t)P.len, (uint32_t)P.len, P.data, P.len);
    raw_record(f, (uint32_t)T0 + 1, 2000000, (uint32_t)P.len, (uint32_t)P.len, P.data, P.len);
    raw_record(f, (uint32_t)T0 + 2, 0, (uint32_t)P.len, (uint32_t)P.len, P.data, P.len);
    udp4(&P, 1002, 53, 18);
    raw_record(f, 0xffffffffu, 0, (uint32_t)P.len, (uint32_t)P.len, P.data, P.len);
    raw_close(f);
}

/* huge-timestamps.pcapng: pcapng stores 64-bit timestamps (here microseconds).
 *   1 ts 2^64 - 1 - 300000 us (year 586524), UDP 1000 -> 53
 *   2 ts 2^64 - 1 - 200000 us, same flow
 *   3 ts 2^64 - 1 us, same flow: the three in the same last second of the 64-bit clock, so no
 *     one-second tick falls between them
 *   4 ts T0, UDP 1001 -> 53 (back by ~1.8e13 s: clock restarts)
 *   5 ts T0 + 1 s, UDP 1001 -> 53
 * One resync; flows 1000 -> 53 (3 packets) and 1001 -> 53 (2 packets). */
static void huge_timestamps_pcapng(void)
{
    pg_pcap *w = pg_pcapng_open(path_of("huge-timestamps.pcapng"), 1, 65535);
    if (!w)
        die("huge-timestamps.pcapng");
    udp4(&P, 1000, 53, 18);
    put(w, UINT64_MAX - 300000, &P);
    put(w, UINT64_MAX - 200000, &P);
    put(w, UINT64_MAX, &P);
    udp4(&P, 1001, 53, 18);
    put(w, T0 * SEC, &P);
    put(w, (T0 + 1) * SEC, &P);
    close_pcap(w, "huge-timestamps.pcapng");
}

/* unknown-linktype.pcap: link type 147 (LINKTYPE_USER0), three frames: counted, not decoded. */
static void unknown_linktype(void)
{
    FILE *f = raw_open("unknown-linktype.pcap");
    raw_file_header(f, 0xa1b2c3d4, 2, 4, 65535, 147);
    udp4(&P, 1000, 53, 18);
    for (uint32_t i = 0; i < 3; i++)
        raw_record(f, (uint32_t)T0 + i, 0, (uint32_t)P.len, (uint32_t)P.len, P.data, P.len);
    raw_close(f);
}

/* ---- corrupt files ------------------------------------------------------------------------- */

static void corrupt_files(void)
{
    FILE *f;
    udp4(&P, 1000, 53, 18); /* 60 bytes */

    raw_close(raw_open("empty.pcap"));

    f = raw_open("bad-magic.pcap");
    raw_file_header(f, 0x12345678, 2, 4, 65535, 1);
    raw_record(f, (uint32_t)T0, 0, 60, 60, P.data, 60);
    raw_close(f);

    f = raw_open("short-header.pcap");
    raw_file_header(f, 0xa1b2c3d4, 2, 4, 65535, 1);
    raw_close(f);
    if (truncate(path_of("short-header.pcap"), 10) != 0)
        die("truncate");

    f = raw_open("bad-version.pcap");
    raw_file_header(f, 0xa1b2c3d4, 1, 0, 65535, 1);
    raw_record(f, (uint32_t)T0, 0, 60, 60, P.data, 60);
    raw_close(f);

    /* Two good packets, then 8 of the 16 bytes of a record header. */
    f = raw_open("truncated-record-header.pcap");
    raw_file_header(f, 0xa1b2c3d4, 2, 4, 65535, 1);
    raw_record(f, (uint32_t)T0, 0, 60, 60, P.data, 60);
    raw_record(f, (uint32_t)T0 + 1, 0, 60, 60, P.data, 60);
    raw_u32(f, (uint32_t)T0 + 2);
    raw_u32(f, 0);
    raw_close(f);

    /* Two good packets, then a record of caplen 100 with 50 bytes. */
    f = raw_open("truncated-record-data.pcap");
    raw_file_header(f, 0xa1b2c3d4, 2, 4, 65535, 1);
    raw_record(f, (uint32_t)T0, 0, 60, 60, P.data, 60);
    raw_record(f, (uint32_t)T0 + 1, 0, 60, 60, P.data, 60);
    raw_record(f, (uint32_t)T0 + 2, 0, 100, 100, P.data, 50);
    raw_close(f);

    /* One good packet, then a record announcing 300000 captured bytes (past any snaplen). */
    f = raw_open("caplen-huge.pcap");
    raw_file_header(f, 0xa1b2c3d4, 2, 4, 65535, 1);
    raw_record(f, (uint32_t)T0, 0, 60, 60, P.data, 60);
    raw_record(f, (uint32_t)T0 + 1, 0, 300000, 300000, P.data, 60);
    raw_close(f);

    /* pcapng: a section header block whose length (12) is below the minimum (28). */
    f = raw_open("pcapng-bad-shb-length.pcapng");
    ng_shb(f, 12);
    raw_close(f);

    /* pcapng: a packet on interface 1 when only interface 0 was described. */
    f = raw_open("pcapng-no-idb.pcapng");
    ng_shb(f, 28);
    ng_idb(f, 1);
    ng_epb(f, 0, T0 * SEC, 60, 60, P.data, 60, 0);
    ng_epb(f, 1, (T0 + 1) * SEC, 60, 60, P.data, 60, 0);
    raw_close(f);

    /* pcapng: two good packets, then an enhanced packet block cut after 40 of its 92 bytes. */
    f = raw_open("pcapng-truncated-block.pcapng");
    ng_shb(f, 28);
    ng_idb(f, 1);
    ng_epb(f, 0, T0 * SEC, 60, 60, P.data, 60, 0);
    ng_epb(f, 0, (T0 + 1) * SEC, 60, 60, P.data, 60, 0);
    ng_epb(f, 0, (T0 + 2) * SEC, 60, 60, P.data, 60, 0);
    raw_close(f);
    if (truncate(path_of("pcapng-truncated-block.pcapng"), 28 + 20 + 2 * 92 + 40) != 0)
        die("truncate");

    /* pcapng: one good packet, then a block whose captured length (200) exceeds the block. */
    f = raw_open("pcapng-caplen-past-block.pcapng");
    ng_shb(f, 28);
    ng_idb(f, 1);
    ng_epb(f, 0, T0 * SEC, 60, 60, P.data, 60, 0);
    ng_epb(f, 0, (T0 + 1) * SEC, 200, 200, P.data, 60, 0);
    raw_close(f);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make-malformed OUTDIR\n");
        return 2;
    }
    outdir = argv[1];
    if (pg_in6("2001:db8::1", cli6) != 0 || pg_in6("2001:db8::2", srv6) != 0)
        die("address");
    truncated_headers();
    caplen_gt_len();
    bogus_ip_lengths();
    bogus_tcp();
    ipv6_ext_chains();
    overlapping_fragments();
    time_backwards();
    huge_timestamps_pcap();
    huge_timestamps_pcapng();
    unknown_linktype();
    corrupt_files();
    return 0;
}
