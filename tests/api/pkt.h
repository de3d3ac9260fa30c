/* Hand-made packets for the API tests: raw IPv4/UDP (LINKTYPE_RAW, no link header) and the same
 * inside an Ethernet II frame. Addresses are given in host byte order (0x0a000001 = 10.0.0.1). */
#ifndef NTC_TEST_API_PKT_H
#define NTC_TEST_API_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void pkt_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void pkt_put32(uint8_t *p, uint32_t v)
{
    pkt_put16(p, (uint16_t)(v >> 16));
    pkt_put16(p + 2, (uint16_t)v);
}

/* IPv4 header + UDP header + `payload` zero bytes at buf (room for 28 + payload bytes).
 * Returns the packet length (= the IP total length). */
static inline size_t pkt_udp4(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport,
                              uint16_t dport, size_t payload)
{
    size_t len = 20 + 8 + payload;
    memset(buf, 0, len);
    buf[0] = 0x45;                      /* version 4, IHL 5 */
    pkt_put16(buf + 2, (uint16_t)len);  /* total length */
    pkt_put16(buf + 6, 0x4000);         /* DF */
    buf[8] = 64;                        /* TTL */
    buf[9] = 17;                        /* UDP */
    pkt_put32(buf + 12, src);
    pkt_put32(buf + 16, dst);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(buf[i] << 8 | buf[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    pkt_put16(buf + 10, (uint16_t)~sum);
    pkt_put16(buf + 20, sport);
    pkt_put16(buf + 22, dport);
    pkt_put16(buf + 24, (uint16_t)(len - 20));
    return len;                         /* UDP checksum 0: none */
}

/* IPv4/UDP carrying `len` bytes of `data`. Returns the packet length. */
static inline size_t pkt_udp4_data(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport,
                                   uint16_t dport, const uint8_t *data, size_t len)
{
    size_t n = pkt_udp4(buf, src, dst, sport, dport, len);
    memcpy(buf + 28, data, len);
    return n;
}

/* A DNS message for `name` (type A, class IN): a query, or a response with one A record `answer`.
 * Writes the UDP payload into buf (room for 12 + strlen(name) + 2 + 4 + 16). Returns its length. */
static inline size_t pkt_dns(uint8_t *buf, uint16_t id, const char *name, int response,
                             uint32_t answer)
{
    size_t n = 0;
    pkt_put16(buf, id);
    pkt_put16(buf + 2, response ? 0x8180 : 0x0100);  /* QR+RD+RA / RD */
    pkt_put16(buf + 4, 1);                             /* QDCOUNT */
    pkt_put16(buf + 6, response ? 1 : 0);              /* ANCOUNT */
    pkt_put16(buf + 8, 0);
    pkt_put16(buf + 10, 0);
    n = 12;
    for (const char *label = name; *label;) {          /* QNAME as length-prefixed labels */
        const char *dot = strchr(label, '.');
        size_t l = dot ? (size_t)(dot - label) : strlen(label);
        buf[n++] = (uint8_t)l;
        memcpy(buf + n, label, l);
        n += l;
        label += l + (dot ? 1 : 0);
    }
    buf[n++] = 0;
    pkt_put16(buf + n, 1);                             /* QTYPE A */
    pkt_put16(buf + n + 2, 1);                         /* QCLASS IN */
    n += 4;
    if (response) {
        pkt_put16(buf + n, 0xc00c);                    /* name: pointer to the question */
        pkt_put16(buf + n + 2, 1);
        pkt_put16(buf + n + 4, 1);
        pkt_put32(buf + n + 6, 300);                   /* TTL */
        pkt_put16(buf + n + 10, 4);
        pkt_put32(buf + n + 12, answer);
        n += 16;
    }
    return n;
}

/* The same packet in an Ethernet II frame (14-byte header). Returns the frame length. */
static inline size_t pkt_eth_udp4(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport,
                                  uint16_t dport, size_t payload)
{
    static const uint8_t dmac[6] = {0x02, 0, 0, 0, 0, 0x02}, smac[6] = {0x02, 0, 0, 0, 0, 0x01};
    memcpy(buf, dmac, 6);
    memcpy(buf + 6, smac, 6);
    pkt_put16(buf + 12, 0x0800);
    return 14 + pkt_udp4(buf + 14, src, dst, sport, dport, payload);
}

#endif
