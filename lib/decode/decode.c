/* Packet decoding: link layers, VLAN/MPLS/PPPoE, IPv4/IPv6, tunnels, fragments, L4 headers.
 *
 * Every read is checked against the captured end of the current layer: the decoder never reads
 * outside data[0, caplen). It allocates nothing per packet and keeps no global state; the only
 * state is the fragment table inside ntc__decoder.
 *
 * Bounds. Each layer is decoded with two limits: cap_end (captured bytes usable by this layer) and
 * wire_end (bytes on the wire usable by this layer). Entering an IP packet narrows both to the IP
 * length; wire_end >= cap_end always holds.
 *
 * Conventions chosen where the contract leaves room (the tests pin them):
 * - IP packets are decoded by their version nibble wherever IP is announced (ethertype, PPP, AF,
 *   IP protocol 4/41, GRE type); only a nibble other than 4 and 6 is BAD_IP_VERSION.
 * - A tunnel header cut by the capture is TRUNCATED_L4; one that does not fit in the IP packet,
 *   or has a bad version/flags, is BAD_TUNNEL.
 * - Tunnels are not decoded inside IP fragments: a fragment is its own (outer) flow.
 * - A tunnel whose inner frame carries no IP (ARP in VXLAN, a non-IP GTP T-PDU, MPLS in GRE,
 *   encrypted PPP in PPTP's GRE version 1) is decoded as the outer flow (IP protocol of the
 *   tunnel, ports of the outer UDP). PPTP (GRE version 1) carrying IP in PPP is a GRE tunnel.
 * - An inner IP length is checked against the end of the outer IP packet or of the wire,
 *   whichever comes first (an overstated outer length is not an error, DESIGN.md section 5).
 * - VLAN: the last tag read, i.e. the innermost (QinQ inner tag; a tag of an Ethernet frame inside
 *   a tunnel wins over the outer frame's), as nProbe's SRC_VLAN, ntopng and ndpiReader. The
 *   fragment table keys on the same id.
 * - A first fragment whose IP packet ends inside its TCP/UDP/ICMP header (cut by the
 *   fragmentation, not by the capture) is still IP: the fields that are there are read (ports
 *   from 4 bytes, TCP flags from 14, ICMP type, code, echo id), the TCP data offset is not
 *   checked, there is no payload, and it is remembered. Cut by the capture it is TRUNCATED_L4.
 *   Later fragments have l4 = payload = NULL and payload_len = the fragment's data bytes.
 * - CAPWAP data (UDP port 5247 either way): 802.3 frames and IEEE 802.11 data frames with an
 *   RFC 1042 SNAP header are decoded; DTLS, CAPWAP fragments, keep-alives, management/control/
 *   null/protected 802.11 frames and non-IP payloads stay the outer UDP flow. A bad preamble or
 *   HLEN is BAD_TUNNEL; an 802.11 or SNAP header cut short is TRUNCATED_L2.
 */
#include "decode/decode.h"

#include <stdlib.h>
#include <string.h>

#include "ntopcore/flow.h"
#include "ntopcore/iface.h"
#include "util/util.h"

#define MAX_VLAN_TAGS 8    /* per Ethernet frame */
#define MAX_MPLS_LABELS 16 /* per label stack */
#define MAX_TUNNELS 4      /* nested tunnels */
#define MAX_IPV6_EXT 8     /* extension headers per IPv6 header */
#define MAX_GTP_EXT 8      /* GTP-U extension headers */
#define FRAG_MAX_LIMIT (1u << 24)

#define NIL UINT32_MAX

/* ---------------------------------------------------------------------------------------------
 * Fragment table: a pool of frag_max entries with stable indices, an open-addressing index
 * (linear probing, backward-shift deletion, load <= 1/2) and a FIFO list from oldest to newest
 * insertion, so that finding a reusable (expired) entry when the pool is full is O(1).
 */

typedef struct frag_ent {
    uint8_t src[16], dst[16]; /* key */
    uint32_t id;
    uint16_t vlan;
    uint8_t ip_version;
    uint8_t key_proto;        /* IPv4 protocol / IPv6 fragment header's next header */
    uint8_t l4_proto;         /* value: what the first fragment decoded */
    uint16_t sport, dport;
    uint64_t ts;
    uint64_t hash;
    uint32_t slot;            /* position in the index */
    uint32_t older, newer;    /* FIFO links; free entries chain through `newer` */
} frag_ent;

typedef struct frag_key {
    uint8_t src[16], dst[16];
    uint32_t id;
    uint16_t vlan;
    uint8_t ip_version;
    uint8_t key_proto;
} frag_key;

struct ntc__decoder {
    uint32_t max;
    uint32_t count;
    uint64_t timeout_us;
    uint64_t seed;
    uint32_t mask;     /* index size - 1 */
    uint32_t *index;   /* pool index + 1; 0 = empty slot */
    frag_ent *pool;
    uint32_t free_head;
    uint32_t oldest, newest;
};

/* Seeded hash of a fragment key (the seed is secret per decoder: no aiming at one bucket). */
static uint64_t frag_hash(const ntc__decoder *d, const frag_key *k)
{
    uint64_t w[5];
    memcpy(&w[0], k->src, 16);
    memcpy(&w[2], k->dst, 16);
    w[4] = (uint64_t)k->id << 32 | (uint64_t)k->vlan << 16 | (uint64_t)k->ip_version << 8 |
           k->key_proto;
    return ntc__hash_words(w, 5, d->seed);
}

static int frag_key_eq(const frag_ent *e, const frag_key *k)
{
    return e->id == k->id && e->vlan == k->vlan && e->ip_version == k->ip_version &&
           e->key_proto == k->key_proto && memcmp(e->src, k->src, 16) == 0 &&
           memcmp(e->dst, k->dst, 16) == 0;
}

ntc__decoder *ntc__decoder_new(uint32_t frag_max, uint64_t frag_timeout_us)
{
    ntc__decoder *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    if (frag_max > FRAG_MAX_LIMIT)
        frag_max = FRAG_MAX_LIMIT;
    d->max = frag_max;
    d->timeout_us = frag_timeout_us;
    uint32_t size = 2;
    while (size < 2u * frag_max)
        size <<= 1;
    d->mask = size - 1;
    d->seed = ntc__random_seed();
    d->index = calloc(size, sizeof(*d->index));
    d->pool = frag_max ? calloc(frag_max, sizeof(*d->pool)) : NULL;
    if (!d->index || (frag_max && !d->pool)) {
        ntc__decoder_free(d);
        return NULL;
    }
    for (uint32_t i = 0; i < frag_max; i++)
        d->pool[i].newer = i + 1 < frag_max ? i + 1 : NIL;
    d->free_head = frag_max ? 0 : NIL;
    d->oldest = d->newest = NIL;
    return d;
}

void ntc__decoder_free(ntc__decoder *d)
{
    if (!d)
        return;
    free(d->index);
    free(d->pool);
    free(d);
}

uint32_t ntc__decoder_frag_count(const ntc__decoder *d)
{
    return d ? d->count : 0;
}

static uint32_t frag_find(const ntc__decoder *d, const frag_key *k, uint64_t h)
{
    uint32_t i = (uint32_t)h & d->mask;
    while (d->index[i]) {
        uint32_t e = d->index[i] - 1;
        if (d->pool[e].hash == h && frag_key_eq(&d->pool[e], k))
            return e;
        i = (i + 1) & d->mask;
    }
    return NIL;
}

static void fifo_unlink(ntc__decoder *d, uint32_t e)
{
    frag_ent *x = &d->pool[e];
    if (x->older != NIL)
        d->pool[x->older].newer = x->newer;
    else
        d->oldest = x->newer;
    if (x->newer != NIL)
        d->pool[x->newer].older = x->older;
    else
        d->newest = x->older;
}

static void fifo_push(ntc__decoder *d, uint32_t e)
{
    frag_ent *x = &d->pool[e];
    x->older = d->newest;
    x->newer = NIL;
    if (d->newest != NIL)
        d->pool[d->newest].newer = e;
    else
        d->oldest = e;
    d->newest = e;
}

static void frag_remove(ntc__decoder *d, uint32_t e)
{
    uint32_t i = d->pool[e].slot;
    uint32_t j = i;
    /* Backward-shift deletion keeps every probe chain unbroken without tombstones. */
    for (;;) {
        j = (j + 1) & d->mask;
        if (!d->index[j])
            break;
        uint32_t m = d->index[j] - 1;
        uint32_t home = (uint32_t)d->pool[m].hash & d->mask;
        if (((j - home) & d->mask) >= ((j - i) & d->mask)) {
            d->index[i] = d->index[j];
            d->pool[m].slot = i;
            i = j;
        }
    }
    d->index[i] = 0;
    fifo_unlink(d, e);
    d->pool[e].newer = d->free_head;
    d->free_head = e;
    d->count--;
}

static int frag_expired(const ntc__decoder *d, const frag_ent *e, uint64_t now)
{
    return now > e->ts && now - e->ts > d->timeout_us;
}

/* Remember a first fragment. Returns 0, or -1 when the table is full. */
static int frag_insert(ntc__decoder *d, const frag_key *k, uint64_t now, uint8_t l4_proto,
                       uint16_t sport, uint16_t dport)
{
    uint64_t h = frag_hash(d, k);
    uint32_t e = frag_find(d, k, h);
    if (e == NIL) {
        /* Reclaim a couple of expired entries from the old end: keeps the count meaningful. */
        for (int n = 0; n < 2 && d->oldest != NIL && frag_expired(d, &d->pool[d->oldest], now); n++)
            frag_remove(d, d->oldest);
        if (d->free_head == NIL)
            return -1;
        e = d->free_head;
        d->free_head = d->pool[e].newer;
        frag_ent *x = &d->pool[e];
        memcpy(x->src, k->src, 16);
        memcpy(x->dst, k->dst, 16);
        x->id = k->id;
        x->vlan = k->vlan;
        x->ip_version = k->ip_version;
        x->key_proto = k->key_proto;
        x->hash = h;
        uint32_t i = (uint32_t)h & d->mask;
        while (d->index[i])
            i = (i + 1) & d->mask;
        d->index[i] = e + 1;
        x->slot = i;
        d->count++;
    } else {
        fifo_unlink(d, e);
    }
    frag_ent *x = &d->pool[e];
    x->l4_proto = l4_proto;
    x->sport = sport;
    x->dport = dport;
    x->ts = now;
    fifo_push(d, e);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Decoding.
 */

typedef struct dctx {
    ntc__decoder *d;
    uint64_t ts;
    const uint8_t *data;
    ntc__pkt *p;
    unsigned tunnels;    /* tunnels entered */
    unsigned ip_headers; /* IP headers decoded */
} dctx;

typedef struct frag_info {
    int is_frag;
    int more;
    uint32_t offset; /* bytes */
    frag_key key;
} frag_info;

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t rd32le(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int fail(dctx *c, int reason)
{
    c->p->error = (uint8_t)reason;
    return NTC__DEC_ERROR;
}

static int dec_ip(dctx *c, uint32_t off, uint32_t cap_end, uint32_t wire_end);
static int dec_ether(dctx *c, uint32_t off, uint32_t cap_end, uint32_t wire_end, int outermost);

static int is_ipv4_or_6(uint8_t first_byte)
{
    uint8_t v = first_byte >> 4;
    return v == 4 || v == 6;
}

/* Frame bytes from off are an Ethernet payload of the given ethertype: tags, labels, PPPoE, IP. */
static int dec_ethertype(dctx *c, uint16_t type, uint32_t off, uint32_t cap_end, uint32_t wire_end)
{
    const uint8_t *b = c->data;
    ntc__pkt *p = c->p;
    unsigned tags = 0;
    for (;;) {
        switch (type) {
        case 0x8100:
        case 0x88a8:
        case 0x9100:
            if (++tags > MAX_VLAN_TAGS)
                return fail(c, NTC_DECODE_TOO_DEEP);
            if (cap_end - off < 4)
                return fail(c, NTC_DECODE_TRUNCATED_L2);
            p->has_vlan = 1;
            p->vlan = rd16(b + off) & 0x0fff; /* the last tag read wins: the innermost */
            type = rd16(b + off + 2);
            off += 4;
            continue;
        case 0x8847:
        case 0x8848: {
            p->has_mpls = 1;
            unsigned labels = 0;
            for (;;) {
                if (++labels > MAX_MPLS_LABELS)
                    return fail(c, NTC_DECODE_TOO_DEEP);
                if (cap_end - off < 4)
                    return fail(c, NTC_DECODE_TRUNCATED_L2);
                int bottom = b[off + 2] & 1;
                off += 4;
                if (bottom)
                    break;
            }
            if (off >= cap_end)
                return fail(c, NTC_DECODE_TRUNCATED_L2);
            if (!is_ipv4_or_6(b[off]))
                return NTC__DEC_NONIP; /* pseudowire control word, Ethernet over MPLS, ... */
            return dec_ip(c, off, cap_end, wire_end);
        }
        case 0x8864: {
            if (cap_end - off < 8)
                return fail(c, NTC_DECODE_TRUNCATED_L2);
            p->has_pppoe = 1;
            if (b[off] != 0x11 || b[off + 1] != 0x00)
                return NTC__DEC_NONIP;
            uint16_t ppp = rd16(b + off + 6);
            off += 8;
            if (ppp != 0x0021 && ppp != 0x0057)
                return NTC__DEC_NONIP; /* LCP, IPCP, ... */
            return dec_ip(c, off, cap_end, wire_end);
        }
        case 0x0800:
        case 0x86dd:
            return dec_ip(c, off, cap_end, wire_end);
        default:
            return NTC__DEC_NONIP; /* ARP, LLDP, PPPoE discovery, ... */
        }
    }
}

/* IEEE 802.2 LLC at off (802.3 length frames and SLL's 802.2 protocol). IP only via SNAP. */
static int dec_llc(dctx *c, uint32_t off, uint32_t cap_end, uint32_t wire_end)
{
    const uint8_t *b = c->data;
    if (cap_end - off < 3)
        return fail(c, NTC_DECODE_TRUNCATED_L2);
    if (b[off] != 0xaa || b[off + 1] != 0xaa || b[off + 2] != 0x03)
        return NTC__DEC_NONIP; /* STP, NetBIOS, IPX, ... */
    if (cap_end - off < 8)
        return fail(c, NTC_DECODE_TRUNCATED_L2);
    uint16_t type = rd16(b + off + 6);
    if (type != 0x0800 && type != 0x86dd)
        return NTC__DEC_NONIP; /* CDP, ... */
    return dec_ip(c, off + 8, cap_end, wire_end);
}

static int dec_ether(dctx *c, uint32_t off, uint32_t cap_end, uint32_t wire_end, int outermost)
{
    const uint8_t *b = c->data;
    if (cap_end - off < 14)
        return fail(c, NTC_DECODE_TRUNCATED_L2);
    if (outermost) {
        c->p->dst_mac = b + off;
        c->p->src_mac = b + off + 6;
    }
    uint16_t type = rd16(b + off + 12);
    off += 14;
    if (type <= 1500)
        return dec_llc(c, off, cap_end, wire_end);
    if (type < 0x0600)
        return NTC__DEC_NONIP;
    return dec_ethertype(c, type, off, cap_end, wire_end);
}

static void clear_inner(ntc__pkt *p)
{
    p->frag = NTC__FRAG_NONE;
    p->ip_version = 0;
    p->l4_proto = 0;
    memset(p->src, 0, sizeof(p->src));
    memset(p->dst, 0, sizeof(p->dst));
    p->ip_len = 0;
    p->sport = p->dport = 0;
    p->tcp_flags = 0;
    p->icmp_type = p->icmp_code = 0;
    p->tcp_seq = p->tcp_ack = 0;
    p->tcp_win = 0;
    p->l4 = NULL;
    p->l4_caplen = 0;
    p->payload = NULL;
    p->payload_caplen = 0;
    p->payload_len = 0;
    p->frag_dropped = 0;
    p->l3 = NULL;
    p->l3_caplen = 0;
}

/* The L4 region of an IP packet. */
typedef struct l4ctx {
    uint32_t off;      /* L4 header offset */
    uint32_t len;      /* L4 bytes according to the IP length */
    uint32_t cap;      /* captured L4 bytes, <= len */
    uint32_t wire_end; /* end of the IP packet on the wire (for inner layers) */
    int overstated;    /* IP length larger than the wire: an error if this IP is innermost */
    int tunnels_ok;    /* not a fragment */
    int first_frag;    /* a first fragment (offset 0, more fragments) */
} l4ctx;

static void set_payload(dctx *c, const l4ctx *l, uint32_t hdr)
{
    ntc__pkt *p = c->p;
    p->payload_len = l->len > hdr ? l->len - hdr : 0;
    p->payload_caplen = l->cap > hdr ? l->cap - hdr : 0;
    p->payload = p->payload_caplen ? c->data + l->off + hdr : NULL;
}

/* End of decoding at the innermost IP header. */
static int innermost(dctx *c, const l4ctx *l)
{
    if (l->overstated)
        return fail(c, NTC_DECODE_BAD_IP_LENGTH);
    return NTC__DEC_IP;
}

/* The packet is the flow of this IP header, its L4 header not interpreted (no ports). */
static int opaque_l4(dctx *c, const l4ctx *l)
{
    ntc__pkt *p = c->p;
    p->sport = p->dport = 0;
    p->l4 = l->cap ? c->data + l->off : NULL;
    p->l4_caplen = l->cap;
    p->payload = NULL;
    p->payload_caplen = 0;
    p->payload_len = 0;
    return innermost(c, l);
}

/* A first fragment whose IP packet ends inside its L4 header of `need` bytes: the header is cut
 * by the fragmentation, and all of the fragment was captured. */
static int frag_cut(const l4ctx *l, uint32_t need)
{
    return l->first_frag && !l->overstated && l->len < need && l->cap == l->len;
}

/* Such a fragment is still the packet of its flow: the caller read the fields that are there;
 * there is no payload. */
static int frag_cut_done(dctx *c, const l4ctx *l)
{
    ntc__pkt *p = c->p;
    p->l4 = l->cap ? c->data + l->off : NULL;
    p->l4_caplen = l->cap;
    p->payload = NULL;
    p->payload_caplen = 0;
    p->payload_len = 0;
    return NTC__DEC_IP;
}

static int enter_tunnel(dctx *c, uint8_t type)
{
    if (++c->tunnels > MAX_TUNNELS)
        return -1;
    if (!c->p->tunnel)
        c->p->tunnel = type;
    return 0;
}

/* Decode an Ethernet frame (ethertype < 0) or an Ethernet payload of the given ethertype carried
 * by a tunnel. A frame without IP leaves the packet the outer flow, as it was before the attempt. */
static int tunnel_ether(dctx *c, const l4ctx *l, uint32_t off, uint8_t type, int ethertype)
{
    ntc__pkt saved = *c->p;
    unsigned tunnels = c->tunnels;
    if (enter_tunnel(c, type) < 0)
        return fail(c, NTC_DECODE_TOO_DEEP);
    int r = ethertype < 0 ? dec_ether(c, off, l->off + l->cap, l->wire_end, 0)
                          : dec_ethertype(c, (uint16_t)ethertype, off, l->off + l->cap, l->wire_end);
    if (r == NTC__DEC_NONIP) {
        *c->p = saved;
        c->tunnels = tunnels;
        return innermost(c, l);
    }
    return r;
}

/* Enhanced GRE of PPTP (RFC 2637): version 1, key (payload length, call id) always present,
 * optional sequence and acknowledgment numbers, PPP inside. PPP frames that carry no IP
 * (LCP, MPPE-encrypted data, ...) and acknowledgment-only packets stay the outer GRE flow. */
static int dec_pptp(dctx *c, const l4ctx *l, uint16_t flags, uint16_t proto)
{
    const uint8_t *g = c->data + l->off;
    if (proto != 0x880b || (flags & 0xc000) || !(flags & 0x2000))
        return fail(c, NTC_DECODE_BAD_TUNNEL);
    uint32_t hlen = 8 + ((flags & 0x1000) ? 4 : 0) + ((flags & 0x0080) ? 4 : 0);
    if (l->len < hlen)
        return fail(c, NTC_DECODE_BAD_TUNNEL);
    if (l->cap < hlen)
        return fail(c, l->overstated ? NTC_DECODE_BAD_IP_LENGTH : NTC_DECODE_TRUNCATED_L4);
    uint32_t pos = hlen;
    if (l->len == pos)
        return opaque_l4(c, l); /* acknowledgment only */
    if (l->len - pos >= 2 && l->cap - pos < 2)
        return fail(c, NTC_DECODE_TRUNCATED_L4);
    if (l->len - pos >= 2 && g[pos] == 0xff && g[pos + 1] == 0x03)
        pos += 2; /* address and control, unless compressed away (ACFC) */
    if (l->len - pos < 1)
        return fail(c, NTC_DECODE_BAD_TUNNEL);
    if (l->cap - pos < 1)
        return fail(c, NTC_DECODE_TRUNCATED_L4);
    uint16_t ppp;
    if (g[pos] & 1) { /* protocol field compression: one byte */
        ppp = g[pos];
        pos += 1;
    } else {
        if (l->len - pos < 2)
            return fail(c, NTC_DECODE_BAD_TUNNEL);
        if (l->cap - pos < 2)
            return fail(c, NTC_DECODE_TRUNCATED_L4);
        ppp = rd16(g + pos);
        pos += 2;
    }
    if (ppp != 0x21 && ppp != 0x57)
        return opaque_l4(c, l);
    if (enter_tunnel(c, NTC_TUNNEL_GRE) < 0)
        return fail(c, NTC_DECODE_TOO_DEEP);
    return dec_ip(c, l->off + pos, l->off + l->cap, l->wire_end);
}

static int dec_gre(dctx *c, const l4ctx *l)
{
    const uint8_t *g = c->data + l->off;
    ntc__pkt *p = c->p;
    p->l4 = l->cap ? g : NULL;
    p->l4_caplen = l->cap;
    if (l->len < 4)
        return fail(c, NTC_DECODE_BAD_TUNNEL);
    if (l->cap < 4)
        return fail(c, l->overstated ? NTC_DECODE_BAD_IP_LENGTH : NTC_DECODE_TRUNCATED_L4);
    uint16_t flags = rd16(g);
    uint16_t proto = rd16(g + 2);
    unsigned version = flags & 7;
    if (version == 1)
        return dec_pptp(c, l, flags, proto);
    if (version != 0 || (flags & 0x4c00))
        return fail(c, NTC_DECODE_BAD_TUNNEL); /* routing, strict route, recursion (RFC 2784) */
    uint32_t hlen = 4 + ((flags & 0x8000) ? 4 : 0) + ((flags & 0x2000) ? 4 : 0) +
                    ((flags & 0x1000) ? 4 : 0);
    if (l->len < hlen)
        return fail(c, NTC_DECODE_BAD_TUNNEL);
    if (l->cap < hlen)
        return fail(c, l->overstated ? NTC_DECODE_BAD_IP_LENGTH : NTC_DECODE_TRUNCATED_L4);
    if (proto == 0x0800 || proto == 0x86dd) {
        if (enter_tunnel(c, NTC_TUNNEL_GRE) < 0)
            return fail(c, NTC_DECODE_TOO_DEEP);
        return dec_ip(c, l->off + hlen, l->off + l->cap, l->wire_end);
    }
    if (proto == 0x6558)
        return tunnel_ether(c, l, l->off + hlen, NTC_TUNNEL_GRE, -1);
    return opaque_l4(c, l); /* MPLS, ERSPAN, PPP, keepalives, ...: the outer flow */
}

/* UDP payload on port 2152. Returns -1 when the packet stays the outer UDP flow. */
static int dec_gtpu(dctx *c, const l4ctx *l, uint32_t off, uint32_t len, uint32_t cap)
{
    const uint8_t *g = c->data + off;
    if (len < 8)
        return fail(c, NTC_DECODE_BAD_TUNNEL);
    if (cap < 8)
        return fail(c, NTC_DECODE_TRUNCATED_L4);
    uint8_t flags = g[0];
    if ((flags >> 5) != 1 || !(flags & 0x10))
        return fail(c, NTC_DECODE_BAD_TUNNEL); /* not GTPv1 (GTP' has PT = 0) */
    if (g[1] != 0xff)
        return -1; /* echo, error indication, end marker, ...: signalling of the outer flow */
    uint32_t hlen = 8;
    uint8_t next = 0;
    if (flags & 0x07) {
        hlen = 12;
        if (len < hlen)
            return fail(c, NTC_DECODE_BAD_TUNNEL);
        if (cap < hlen)
            return fail(c, NTC_DECODE_TRUNCATED_L4);
        if (flags & 0x04)
            next = g[11];
    }
    for (unsigned n = 0; next != 0; n++) {
        if (n >= MAX_GTP_EXT || len <= hlen)
            return fail(c, NTC_DECODE_BAD_TUNNEL);
        if (cap <= hlen)
            return fail(c, NTC_DECODE_TRUNCATED_L4);
        uint32_t elen = (uint32_t)g[hlen] * 4;
        if (elen == 0 || len - hlen < elen)
            return fail(c, NTC_DECODE_BAD_TUNNEL);
        if (cap - hlen < elen)
            return fail(c, NTC_DECODE_TRUNCATED_L4);
        next = g[hlen + elen - 1];
        hlen += elen;
    }
    if (len == hlen)
        return -1; /* empty T-PDU */
    if (cap > hlen && !is_ipv4_or_6(g[hlen]))
        return -1; /* PPP, Ethernet or unstructured T-PDU: not decoded */
    if (enter_tunnel(c, NTC_TUNNEL_GTPU) < 0)
        return fail(c, NTC_DECODE_TOO_DEEP);
    return dec_ip(c, off + hlen, off + cap, l->wire_end);
}

/* An IEEE 802.11 frame carried natively by CAPWAP (RFC 5416), len bytes at off of which cap were
 * captured, without FCS. Only data frames whose body starts with an RFC 1042 LLC/SNAP header
 * (AA AA 03 00 00 00, ethertype) are decoded. Returns -1 when the packet stays the outer flow
 * (management, control, null and encrypted data frames, A-MSDU, non-SNAP LLC), before touching
 * *p. Frames cut within the header or the SNAP header are TRUNCATED_L2, like Ethernet frames. */
static int dec_80211(dctx *c, const l4ctx *l, uint32_t off, uint32_t len, uint32_t cap)
{
    const uint8_t *w = c->data + off;
    if (cap < 2)
        return fail(c, NTC_DECODE_TRUNCATED_L2);
    uint8_t fc0, fc1; /* frame control: version, type, subtype; flags */
    if ((w[0] & 0x0f) == 0x08) {
        fc0 = w[0];
        fc1 = w[1];
    } else if ((w[1] & 0x0f) == 0x08 && (w[0] & 0x03)) {
        /* Some (Cisco) access points send the frame control field byte-swapped. Told apart by the
         * ToDS/FromDS bits, which every data frame through an access point has, where a frame in
         * the right order has protocol version 0. */
        fc0 = w[1];
        fc1 = w[0];
    } else {
        return -1; /* not a data frame (protocol version 0, type 2) */
    }
    unsigned subtype = fc0 >> 4;
    if ((subtype & 0x04) || (fc1 & 0x40))
        return -1; /* no body (null, CF-Ack/Poll only, QoS null) or protected (encrypted) */
    uint32_t hdr = 24;
    if ((fc1 & 0x03) == 0x03)
        hdr += 6; /* ToDS and FromDS: address 4 */
    uint32_t qos_off = hdr;
    if (subtype & 0x08) {
        hdr += 2; /* QoS control */
        if (fc1 & 0x80)
            hdr += 4; /* +HTC: HT control */
    }
    if (cap < hdr)
        return fail(c, NTC_DECODE_TRUNCATED_L2);
    if ((subtype & 0x08) && (w[qos_off] & 0x80))
        return -1; /* A-MSDU: a sequence of subframes, not decoded */
    uint32_t body_len = len - hdr, body_cap = cap - hdr;
    const uint8_t *llc = w + hdr;
    if (body_len == 0)
        return -1;
    if (body_cap < 3)
        return fail(c, NTC_DECODE_TRUNCATED_L2);
    if (llc[0] != 0xaa || llc[1] != 0xaa || llc[2] != 0x03)
        return -1;
    if (body_cap < 8)
        return fail(c, NTC_DECODE_TRUNCATED_L2);
    if (llc[3] != 0 || llc[4] != 0 || llc[5] != 0)
        return -1; /* another OUI: not an ethertype */
    return tunnel_ether(c, l, off + hdr + 8, NTC_TUNNEL_CAPWAP, rd16(llc + 6));
}

/* UDP payload on port 5247: CAPWAP data channel (RFC 5415 section 4.3). The header has HLEN
 * 4-byte words (optional radio MAC and wireless information included); the frame after it is
 * IEEE 802.3 (T clear) or native to the wireless binding (T set; only IEEE 802.11, WBID 1, is
 * decoded). Returns -1 when the packet stays the outer UDP flow, before touching *p: DTLS (the
 * data channel encrypted), fragments, keep-alives, no frame, native frames of other bindings,
 * 802.11 frames not decoded. A decoded frame without IP is the outer flow too (tunnel_ether). */
static int dec_capwap(dctx *c, const l4ctx *l, uint32_t off, uint32_t len, uint32_t cap)
{
    const uint8_t *h = c->data + off;
    if (len < 1)
        return fail(c, NTC_DECODE_BAD_TUNNEL);
    if (cap < 1)
        return fail(c, NTC_DECODE_TRUNCATED_L4);
    if (h[0] == 0x01)
        return -1; /* preamble version 0, type 1: DTLS header */
    if (h[0] != 0x00)
        return fail(c, NTC_DECODE_BAD_TUNNEL); /* version or type unknown */
    if (len < 8)
        return fail(c, NTC_DECODE_BAD_TUNNEL);
    if (cap < 8)
        return fail(c, NTC_DECODE_TRUNCATED_L4);
    uint32_t hlen = (uint32_t)(h[1] >> 3) * 4;
    unsigned wbid = (h[2] >> 1) & 0x1f;
    int native = h[2] & 0x01;
    if (hlen < 8 || hlen > len)
        return fail(c, NTC_DECODE_BAD_TUNNEL);
    if (cap < hlen)
        return fail(c, NTC_DECODE_TRUNCATED_L4);
    if ((h[3] & 0x80) || (h[3] & 0x08) || len == hlen)
        return -1; /* F: a fragment of a frame; K: keep-alive; or no frame */
    if (!native)
        return tunnel_ether(c, l, off + hlen, NTC_TUNNEL_CAPWAP, -1);
    if (wbid != 1)
        return -1;
    return dec_80211(c, l, off + hlen, len - hlen, cap - hlen);
}

static int dec_udp(dctx *c, const l4ctx *l)
{
    const uint8_t *u = c->data + l->off;
    ntc__pkt *p = c->p;
    if (l->cap < 8) {
        if (!frag_cut(l, 8))
            return fail(c, l->overstated ? NTC_DECODE_BAD_IP_LENGTH : NTC_DECODE_TRUNCATED_L4);
        if (l->cap >= 4) {
            p->sport = rd16(u);
            p->dport = rd16(u + 2);
        }
        return frag_cut_done(c, l);
    }
    p->sport = rd16(u);
    p->dport = rd16(u + 2);
    p->l4 = u;
    p->l4_caplen = l->cap;
    set_payload(c, l, 8);
    if (l->tunnels_ok) {
        uint32_t off = l->off + 8, len = l->len - 8, cap = l->cap - 8;
        if (p->dport == 2152 || p->sport == 2152) {
            int r = dec_gtpu(c, l, off, len, cap); /* -1 before touching *p */
            if (r >= 0)
                return r;
        } else if (p->dport == 4789) {
            if (len < 8)
                return fail(c, NTC_DECODE_BAD_TUNNEL);
            if (cap < 8)
                return fail(c, NTC_DECODE_TRUNCATED_L4);
            if (!(c->data[off] & 0x08))
                return fail(c, NTC_DECODE_BAD_TUNNEL); /* I flag: VNI valid */
            return tunnel_ether(c, l, off + 8, NTC_TUNNEL_VXLAN, -1);
        } else if (p->dport == 5247 || p->sport == 5247) {
            int r = dec_capwap(c, l, off, len, cap); /* -1 before touching *p */
            if (r >= 0)
                return r;
        }
    }
    return innermost(c, l);
}

/* The fields of the first n bytes of a TCP header. */
static void tcp_fields(ntc__pkt *p, const uint8_t *t, uint32_t n)
{
    if (n >= 4) {
        p->sport = rd16(t);
        p->dport = rd16(t + 2);
    }
    if (n >= 8)
        p->tcp_seq = rd32(t + 4);
    if (n >= 12)
        p->tcp_ack = rd32(t + 8);
    if (n >= 14)
        p->tcp_flags = t[13];
    if (n >= 16)
        p->tcp_win = rd16(t + 14);
}

static int dec_tcp(dctx *c, const l4ctx *l)
{
    const uint8_t *t = c->data + l->off;
    ntc__pkt *p = c->p;
    if (l->overstated)
        return fail(c, NTC_DECODE_BAD_IP_LENGTH);
    if (l->cap < 20) {
        if (!frag_cut(l, 20))
            return fail(c, NTC_DECODE_TRUNCATED_L4);
        tcp_fields(p, t, l->cap); /* the data offset is not checked: it may be beyond the cut */
        return frag_cut_done(c, l);
    }
    uint32_t doff = (uint32_t)(t[12] >> 4) * 4;
    if (doff < 20)
        return fail(c, NTC_DECODE_BAD_TCP_HEADER);
    tcp_fields(p, t, 20);
    if (doff > l->len) {
        if (!l->first_frag)
            return fail(c, NTC_DECODE_BAD_TCP_HEADER);
        return frag_cut_done(c, l); /* options cut by the fragmentation */
    }
    p->l4 = t;
    p->l4_caplen = l->cap;
    set_payload(c, l, doff);
    return NTC__DEC_IP;
}

static int dec_icmp(dctx *c, const l4ctx *l, uint8_t proto)
{
    const uint8_t *t = c->data + l->off;
    ntc__pkt *p = c->p;
    if (l->overstated)
        return fail(c, NTC_DECODE_BAD_IP_LENGTH);
    if (l->cap < 4 && !frag_cut(l, 4))
        return fail(c, NTC_DECODE_TRUNCATED_L4);
    uint8_t type = l->cap ? t[0] : 0;
    int echo = l->cap && (proto == 1 ? (type == 0 || type == 8) : (type == 128 || type == 129));
    if (l->cap < 8 && (l->cap < 4 || echo)) {
        if (!frag_cut(l, echo ? 8 : 4))
            return fail(c, NTC_DECODE_TRUNCATED_L4);
        p->icmp_type = type;
        p->icmp_code = l->cap >= 2 ? t[1] : 0;
        p->sport = p->dport = echo && l->cap >= 6 ? rd16(t + 4) : 0;
        return frag_cut_done(c, l);
    }
    p->icmp_type = type;
    p->icmp_code = t[1];
    p->sport = p->dport = echo ? rd16(t + 4) : 0;
    p->l4 = t;
    p->l4_caplen = l->cap;
    set_payload(c, l, 8);
    return NTC__DEC_IP;
}

static int dec_l4(dctx *c, uint8_t proto, const l4ctx *l)
{
    switch (proto) {
    case 6:
        return dec_tcp(c, l);
    case 17:
        return dec_udp(c, l);
    case 1:
    case 58:
        return dec_icmp(c, l, proto);
    case 4:
    case 41:
        if (!l->tunnels_ok)
            break;
        if (enter_tunnel(c, NTC_TUNNEL_IPIP) < 0)
            return fail(c, NTC_DECODE_TOO_DEEP);
        return dec_ip(c, l->off, l->off + l->cap, l->wire_end);
    case 47:
        if (!l->tunnels_ok)
            break;
        return dec_gre(c, l);
    default:
        break;
    }
    return opaque_l4(c, l);
}

/* A first fragment was decoded: remember its ports. */
static void frag_remember(dctx *c, const frag_info *fi)
{
    ntc__pkt *p = c->p;
    if (!c->d)
        return;
    if (frag_insert(c->d, &fi->key, c->ts, p->l4_proto, p->sport, p->dport) < 0)
        p->frag_dropped = 1;
}

/* A later fragment: ports and protocol from the table. */
static int frag_later(dctx *c, const frag_info *fi, const l4ctx *l)
{
    ntc__pkt *p = c->p;
    if (l->overstated)
        return fail(c, NTC_DECODE_BAD_IP_LENGTH);
    p->frag = NTC__FRAG_ORPHAN;
    p->payload_len = l->len;
    ntc__decoder *d = c->d;
    if (!d)
        return NTC__DEC_IP;
    uint32_t e = frag_find(d, &fi->key, frag_hash(d, &fi->key));
    if (e == NIL)
        return NTC__DEC_IP;
    if (frag_expired(d, &d->pool[e], c->ts)) {
        frag_remove(d, e);
        return NTC__DEC_IP;
    }
    p->frag = NTC__FRAG_LATER;
    p->l4_proto = d->pool[e].l4_proto;
    p->sport = d->pool[e].sport;
    p->dport = d->pool[e].dport;
    if (!fi->more)
        frag_remove(d, e); /* last fragment */
    return NTC__DEC_IP;
}

/* Walk IPv6 extension headers; each must lie within the captured part of the IP packet
 * (ip_cap_end <= the IP length). Stops at the upper-layer header or after a non-first fragment
 * header. Returns -1 when there are too many or one is cut. */
static int dec_ipv6_ext(dctx *c, uint32_t ip_off, uint32_t ip_cap_end, uint32_t *pos_out,
                        uint8_t *nh_out, frag_info *fi)
{
    const uint8_t *b = c->data;
    uint8_t nh = b[ip_off + 6];
    uint32_t pos = ip_off + 40;
    for (unsigned n = 0;; n++) {
        uint32_t len;
        switch (nh) {
        case 0:
        case 43:
        case 44:
        case 51:
        case 60:
        case 135:
        case 139:
        case 140:
            break;
        default:
            *pos_out = pos;
            *nh_out = nh;
            return 0;
        }
        if (n >= MAX_IPV6_EXT || ip_cap_end - pos < 8)
            return -1; /* every extension header is at least 8 bytes */
        if (nh == 44) {
            uint16_t fo = rd16(b + pos + 2);
            uint8_t next = b[pos];
            if ((fo & 0xfff8) || (fo & 1)) {
                fi->is_frag = 1;
                fi->more = fo & 1;
                fi->offset = fo & 0xfff8;
                fi->key.id = rd32(b + pos + 4);
                fi->key.key_proto = next;
                if (fi->offset) {
                    *pos_out = pos + 8;
                    *nh_out = next; /* the rest is fragment data */
                    return 0;
                }
            } /* else: atomic fragment (RFC 6946), not a fragment */
            nh = next;
            pos += 8;
            continue;
        }
        len = nh == 51 ? ((uint32_t)b[pos + 1] + 2) * 4 : ((uint32_t)b[pos + 1] + 1) * 8;
        if (ip_cap_end - pos < len)
            return -1;
        nh = b[pos];
        pos += len;
    }
}

static int dec_ip(dctx *c, uint32_t off, uint32_t cap_end, uint32_t wire_end)
{
    const uint8_t *b = c->data;
    ntc__pkt *p = c->p;
    if (off >= cap_end)
        return fail(c, NTC_DECODE_TRUNCATED_IP);
    uint8_t version = b[off] >> 4;
    uint32_t wire_rem = wire_end - off;
    uint32_t hlen, tot;
    uint8_t proto;
    frag_info fi;
    memset(&fi, 0, sizeof(fi));
    clear_inner(p);

    if (version == 4) {
        hlen = (uint32_t)(b[off] & 0x0f) * 4;
        if (hlen < 20)
            return fail(c, NTC_DECODE_BAD_IPV4_IHL);
        if (cap_end - off < hlen)
            return fail(c, NTC_DECODE_TRUNCATED_IP);
        tot = rd16(b + off + 2);
        if (tot == 0)
            tot = wire_rem; /* segmentation offload */
        if (tot < hlen)
            return fail(c, NTC_DECODE_BAD_IP_LENGTH);
        uint16_t fo = rd16(b + off + 6);
        proto = b[off + 9];
        memcpy(p->src, b + off + 12, 4);
        memcpy(p->dst, b + off + 16, 4);
        if (fo & 0x3fff) {
            fi.is_frag = 1;
            fi.more = (fo & 0x2000) != 0;
            fi.offset = (uint32_t)(fo & 0x1fff) * 8;
            fi.key.id = rd16(b + off + 4);
            fi.key.key_proto = proto;
        }
    } else if (version == 6) {
        if (cap_end - off < 40)
            return fail(c, NTC_DECODE_TRUNCATED_IP);
        uint32_t plen = rd16(b + off + 4);
        tot = plen ? 40 + plen : wire_rem; /* 0: jumbogram or segmentation offload */
        memcpy(p->src, b + off + 8, 16);
        memcpy(p->dst, b + off + 24, 16);
        hlen = 40; /* extension headers are walked below */
    } else {
        return fail(c, NTC_DECODE_BAD_IP_VERSION);
    }

    p->ip_version = version;
    p->ip_len = tot;
    if (c->ip_headers++ == 0)
        p->outer_ip_len = tot;

    l4ctx l;
    l.overstated = tot > wire_rem;
    uint32_t ip_wire_end = l.overstated ? wire_end : off + tot;
    uint32_t ip_cap_end = cap_end < ip_wire_end ? cap_end : ip_wire_end;
    p->l3 = b + off;
    p->l3_caplen = ip_cap_end - off;

    if (version == 6) {
        uint32_t pos;
        if (dec_ipv6_ext(c, off, ip_cap_end, &pos, &proto, &fi) < 0)
            return fail(c, NTC_DECODE_IPV6_EXT_LIMIT);
        hlen = pos - off;
    }

    p->l4_proto = proto;
    l.off = off + hlen;
    /* With an overstated length, the L4 length is what the wire holds. */
    l.len = (l.overstated ? wire_rem : tot) - hlen;
    l.cap = ip_cap_end > l.off ? ip_cap_end - l.off : 0;
    l.wire_end = ip_wire_end;
    l.tunnels_ok = !fi.is_frag;
    l.first_frag = fi.is_frag && !fi.offset;

    if (!fi.is_frag)
        return dec_l4(c, proto, &l);

    fi.key.ip_version = version;
    fi.key.vlan = p->vlan;
    memcpy(fi.key.src, p->src, 16);
    memcpy(fi.key.dst, p->dst, 16);
    if (fi.offset)
        return frag_later(c, &fi, &l);
    p->frag = NTC__FRAG_FIRST;
    int r = dec_l4(c, proto, &l);
    if (r == NTC__DEC_IP)
        frag_remember(c, &fi);
    return r;
}

ntc__dec_result ntc__decode(ntc__decoder *d, int linktype, uint64_t ts_us, const uint8_t *data,
                            uint32_t caplen, uint32_t wirelen, ntc__pkt *out)
{
    if (!out)
        return NTC__DEC_ERROR;
    memset(out, 0, sizeof(*out));
    if (!data)
        caplen = 0;
    if (wirelen < caplen)
        wirelen = caplen;
    dctx c = {.d = d, .ts = ts_us, .data = data, .p = out, .tunnels = 0, .ip_headers = 0};
    int r;
    uint32_t af;

    switch (linktype) {
    case 1: /* ETHERNET */
        r = dec_ether(&c, 0, caplen, wirelen, 1);
        break;
    case 101: /* RAW */
    case 228: /* IPV4 */
    case 229: /* IPV6 */
        r = dec_ip(&c, 0, caplen, wirelen);
        break;
    case 113: /* LINUX_SLL: pkttype, hatype, halen, addr[8], protocol */
        if (caplen < 16) {
            r = fail(&c, NTC_DECODE_TRUNCATED_L2);
            break;
        }
        if (rd16(data + 2) == 1 && rd16(data + 4) == 6)
            out->src_mac = data + 6;
        if (rd16(data + 14) == 0x0004)
            r = dec_llc(&c, 16, caplen, wirelen);
        else if (rd16(data + 14) < 0x0600)
            r = NTC__DEC_NONIP;
        else
            r = dec_ethertype(&c, rd16(data + 14), 16, caplen, wirelen);
        break;
    case 276: /* LINUX_SLL2: protocol, reserved, ifindex, hatype, pkttype, halen, addr[8] */
        if (caplen < 20) {
            r = fail(&c, NTC_DECODE_TRUNCATED_L2);
            break;
        }
        if (rd16(data + 8) == 1 && data[11] == 6)
            out->src_mac = data + 12;
        if (rd16(data) == 0x0004)
            r = dec_llc(&c, 20, caplen, wirelen);
        else if (rd16(data) < 0x0600)
            r = NTC__DEC_NONIP;
        else
            r = dec_ethertype(&c, rd16(data), 20, caplen, wirelen);
        break;
    case 0:   /* NULL: address family in the capturing host's byte order */
    case 108: /* LOOP: network byte order */
        if (caplen < 4) {
            r = fail(&c, NTC_DECODE_TRUNCATED_L2);
            break;
        }
        af = rd32(data);
        if (linktype == 0 && af > 0xffff)
            af = rd32le(data);
        if (af == 2 || af == 10 || af == 24 || af == 28 || af == 30)
            r = dec_ip(&c, 4, caplen, wirelen);
        else
            r = NTC__DEC_NONIP;
        break;
    default:
        r = fail(&c, NTC_DECODE_UNKNOWN_LINKTYPE);
        break;
    }
    return (ntc__dec_result)r;
}
