/* pktgen: packet crafting and pcap/pcapng writing for tests. See pktgen.h. */
#include "pktgen.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void wr16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static void wr32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

static uint16_t rd16(const uint8_t *b)
{
    return (uint16_t)(b[0] << 8 | b[1]);
}

void pg_init(pg_pkt *p)
{
    p->len = 0;
    p->nlayers = 0;
    p->overflow = 0;
}

/* Next-protocol values of a layer kind, as seen from the layer before it. */
static int ethertype_of(pg_kind k, uint16_t tpid)
{
    switch (k) {
    case PG_K_VLAN: return tpid;
    case PG_K_MPLS: return 0x8847;
    case PG_K_PPPOE: return 0x8864;
    case PG_K_IPV4: return 0x0800;
    case PG_K_IPV6: return 0x86dd;
    case PG_K_ARP: return 0x0806;
    default: return -1;
    }
}

static int ipproto_of(pg_kind k, uint8_t ext_type)
{
    switch (k) {
    case PG_K_TCP: return 6;
    case PG_K_UDP: return 17;
    case PG_K_ICMP: return 1;
    case PG_K_ICMP6: return 58;
    case PG_K_IPV4: return 4;
    case PG_K_IPV6: return 41;
    case PG_K_GRE: return 47;
    case PG_K_IPV6_EXT: return ext_type;
    case PG_K_IPV6_FRAG: return 44;
    default: return -1;
    }
}

/* Fill the next-protocol field of the last layer from the kind of the layer being pushed. */
static void link_prev(pg_pkt *p, pg_kind k, uint16_t extra)
{
    if (p->nlayers == 0)
        return;
    pg_layer *prev = &p->layers[p->nlayers - 1];
    uint8_t *b = p->data + prev->off;
    if (prev->kind == PG_K_MPLS) {
        if (k == PG_K_MPLS)
            b[2] &= (uint8_t)~1;
        return;
    }
    if (prev->next_explicit)
        return;
    int v;
    switch (prev->kind) {
    case PG_K_ETH:
        if ((v = ethertype_of(k, extra)) >= 0)
            wr16(b + 12, (uint16_t)v);
        break;
    case PG_K_VLAN:
        if ((v = ethertype_of(k, extra)) >= 0)
            wr16(b + 2, (uint16_t)v);
        break;
    case PG_K_SLL:
        if ((v = ethertype_of(k, extra)) >= 0)
            wr16(b + 14, (uint16_t)v);
        break;
    case PG_K_SLL2:
        if ((v = ethertype_of(k, extra)) >= 0)
            wr16(b, (uint16_t)v);
        break;
    case PG_K_SNAP:
        if ((v = ethertype_of(k, extra)) >= 0)
            wr16(b + 6, (uint16_t)v);
        break;
    case PG_K_PPPOE:
        if (k == PG_K_IPV4)
            wr16(b + 6, 0x0021);
        else if (k == PG_K_IPV6)
            wr16(b + 6, 0x0057);
        break;
    case PG_K_NULL: {
        uint32_t af = k == PG_K_IPV4 ? 2 : k == PG_K_IPV6 ? 30 : 0;
        if (!af)
            break;
        if (prev->aux)
            wr32(b, af);
        else {
            b[0] = (uint8_t)af;
            b[1] = b[2] = b[3] = 0;
        }
        break;
    }
    case PG_K_IPV4:
        if ((v = ipproto_of(k, (uint8_t)extra)) >= 0)
            b[9] = (uint8_t)v;
        break;
    case PG_K_IPV6:
        if ((v = ipproto_of(k, (uint8_t)extra)) >= 0)
            b[6] = (uint8_t)v;
        break;
    case PG_K_IPV6_EXT:
    case PG_K_IPV6_FRAG:
        if ((v = ipproto_of(k, (uint8_t)extra)) >= 0)
            b[0] = (uint8_t)v;
        break;
    case PG_K_CAPWAP:
        if (k == PG_K_WLAN)
            b[2] |= 0x01;
        else
            b[2] &= (uint8_t)~0x01;
        break;
    case PG_K_GRE:
        if (k == PG_K_IPV4)
            wr16(b + 2, 0x0800);
        else if (k == PG_K_IPV6)
            wr16(b + 2, 0x86dd);
        else if (k == PG_K_ETH)
            wr16(b + 2, 0x6558);
        else if (k == PG_K_MPLS)
            wr16(b + 2, 0x8847);
        break;
    default:
        break;
    }
}

/* Append a zeroed header of hlen bytes as a new layer. Returns NULL on overflow. */
static uint8_t *push(pg_pkt *p, pg_kind k, size_t hlen, int next_explicit, uint16_t extra,
                     size_t *off)
{
    *off = p->len;
    if (p->overflow || p->nlayers >= PG_MAX_LAYERS || hlen > PG_MAX_FRAME - p->len) {
        p->overflow = 1;
        return NULL;
    }
    link_prev(p, k, extra);
    pg_layer *l = &p->layers[p->nlayers++];
    l->kind = k;
    l->off = p->len;
    l->next_explicit = (uint8_t)(next_explicit != 0);
    l->aux = 0;
    uint8_t *b = p->data + p->len;
    memset(b, 0, hlen);
    p->len += hlen;
    return b;
}

size_t pg_eth(pg_pkt *p, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    size_t off;
    uint8_t *b = push(p, PG_K_ETH, 14, type != 0, 0, &off);
    if (b) {
        memcpy(b, dst, 6);
        memcpy(b + 6, src, 6);
        wr16(b + 12, type);
    }
    return off;
}

size_t pg_eth_8023(pg_pkt *p, const uint8_t dst[6], const uint8_t src[6])
{
    size_t off;
    uint8_t *b = push(p, PG_K_ETH8023, 14, 1, 0, &off);
    if (b) {
        memcpy(b, dst, 6);
        memcpy(b + 6, src, 6);
    }
    return off;
}

size_t pg_llc(pg_pkt *p, uint8_t dsap, uint8_t ssap, uint8_t ctrl)
{
    size_t off;
    uint8_t *b = push(p, PG_K_LLC, 3, 1, 0, &off);
    if (b) {
        b[0] = dsap;
        b[1] = ssap;
        b[2] = ctrl;
    }
    return off;
}

size_t pg_snap(pg_pkt *p, uint32_t oui, uint16_t type)
{
    size_t off;
    uint8_t *b = push(p, PG_K_SNAP, 8, type != 0, 0, &off);
    if (b) {
        b[0] = 0xaa;
        b[1] = 0xaa;
        b[2] = 0x03;
        b[3] = (uint8_t)(oui >> 16);
        b[4] = (uint8_t)(oui >> 8);
        b[5] = (uint8_t)oui;
        wr16(b + 6, type);
    }
    return off;
}

size_t pg_vlan(pg_pkt *p, uint16_t tpid, uint8_t pcp, uint16_t vid, uint16_t type)
{
    size_t off;
    uint8_t *b = push(p, PG_K_VLAN, 4, type != 0, tpid ? tpid : 0x8100, &off);
    if (b) {
        wr16(b, (uint16_t)((pcp & 7) << 13 | (vid & 0x0fff)));
        wr16(b + 2, type);
    }
    return off;
}

size_t pg_mpls(pg_pkt *p, uint32_t label, uint8_t tc, uint8_t ttl)
{
    size_t off;
    uint8_t *b = push(p, PG_K_MPLS, 4, 0, 0, &off);
    if (b)
        wr32(b, (label & 0xfffff) << 12 | (uint32_t)(tc & 7) << 9 | 1u << 8 | ttl);
    return off;
}

size_t pg_pppoe(pg_pkt *p, uint16_t session, uint16_t ppp_proto)
{
    size_t off;
    uint8_t *b = push(p, PG_K_PPPOE, 8, ppp_proto != 0, 0, &off);
    if (b) {
        b[0] = 0x11;
        b[1] = 0x00;
        wr16(b + 2, session);
        wr16(b + 6, ppp_proto);
    }
    return off;
}

size_t pg_sll(pg_pkt *p, uint16_t pkttype, uint16_t hatype, const uint8_t *addr, uint8_t addrlen,
              uint16_t proto)
{
    size_t off;
    uint8_t *b = push(p, PG_K_SLL, 16, proto != 0, 0, &off);
    if (b) {
        wr16(b, pkttype);
        wr16(b + 2, hatype);
        wr16(b + 4, addrlen);
        if (addr)
            memcpy(b + 6, addr, addrlen > 8 ? 8 : addrlen);
        wr16(b + 14, proto);
    }
    return off;
}

size_t pg_sll2(pg_pkt *p, uint16_t proto, uint32_t ifindex, uint16_t hatype, uint8_t pkttype,
               const uint8_t *addr, uint8_t addrlen)
{
    size_t off;
    uint8_t *b = push(p, PG_K_SLL2, 20, proto != 0, 0, &off);
    if (b) {
        wr16(b, proto);
        wr32(b + 4, ifindex);
        wr16(b + 8, hatype);
        b[10] = pkttype;
        b[11] = addrlen;
        if (addr)
            memcpy(b + 12, addr, addrlen > 8 ? 8 : addrlen);
    }
    return off;
}

size_t pg_null(pg_pkt *p, uint32_t af, int big_endian)
{
    size_t off;
    uint8_t *b = push(p, PG_K_NULL, 4, af != 0, 0, &off);
    if (b) {
        p->layers[p->nlayers - 1].aux = (uint8_t)(big_endian != 0);
        if (big_endian)
            wr32(b, af);
        else {
            b[0] = (uint8_t)af;
            b[1] = (uint8_t)(af >> 8);
            b[2] = (uint8_t)(af >> 16);
            b[3] = (uint8_t)(af >> 24);
        }
    }
    return off;
}

size_t pg_arp(pg_pkt *p, uint16_t op, const uint8_t sha[6], const uint8_t spa[4],
              const uint8_t tha[6], const uint8_t tpa[4])
{
    size_t off;
    uint8_t *b = push(p, PG_K_ARP, 28, 1, 0, &off);
    if (b) {
        wr16(b, 1);
        wr16(b + 2, 0x0800);
        b[4] = 6;
        b[5] = 4;
        wr16(b + 6, op);
        memcpy(b + 8, sha, 6);
        memcpy(b + 14, spa, 4);
        memcpy(b + 18, tha, 6);
        memcpy(b + 24, tpa, 4);
    }
    return off;
}

size_t pg_ipv4(pg_pkt *p, const uint8_t src[4], const uint8_t dst[4], const pg_ipv4_opt *opt)
{
    pg_ipv4_opt o;
    if (opt)
        o = *opt;
    else
        memset(&o, 0, sizeof(o));
    size_t olen = o.options_len > 40 ? 40 : o.options_len;
    size_t hlen = 20 + (olen + 3) / 4 * 4;
    size_t off;
    uint8_t *b = push(p, PG_K_IPV4, hlen, o.proto != 0, 0, &off);
    if (b) {
        b[0] = (uint8_t)(0x40 | hlen / 4);
        b[1] = o.tos;
        wr16(b + 4, o.id);
        wr16(b + 6, (uint16_t)((o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | (o.frag_off & 0x1fff)));
        b[8] = o.ttl ? o.ttl : 64;
        b[9] = o.proto ? o.proto : 255;
        memcpy(b + 12, src, 4);
        memcpy(b + 16, dst, 4);
        if (olen)
            memcpy(b + 20, o.options, olen);
    }
    return off;
}

size_t pg_ipv6(pg_pkt *p, const uint8_t src[16], const uint8_t dst[16], const pg_ipv6_opt *opt)
{
    pg_ipv6_opt o;
    if (opt)
        o = *opt;
    else
        memset(&o, 0, sizeof(o));
    size_t off;
    uint8_t *b = push(p, PG_K_IPV6, 40, o.next != 0, 0, &off);
    if (b) {
        wr32(b, 6u << 28 | (uint32_t)o.tclass << 20 | (o.flow_label & 0xfffff));
        b[6] = o.next ? o.next : 59;
        b[7] = o.hop_limit ? o.hop_limit : 64;
        memcpy(b + 8, src, 16);
        memcpy(b + 24, dst, 16);
    }
    return off;
}

size_t pg_ipv6_ext(pg_pkt *p, uint8_t type, size_t len)
{
    size_t off;
    if (type == 51) {
        if (len < 12)
            len = 12;
        len = (len + 3) / 4 * 4;
    } else {
        if (len < 8)
            len = 8;
        len = (len + 7) / 8 * 8;
    }
    uint8_t *b = push(p, PG_K_IPV6_EXT, len, 0, type, &off);
    if (b) {
        b[0] = 59;
        b[1] = (uint8_t)(type == 51 ? len / 4 - 2 : len / 8 - 1);
    }
    return off;
}

size_t pg_ipv6_frag(pg_pkt *p, uint16_t offset8, int more, uint32_t id, uint8_t next)
{
    size_t off;
    uint8_t *b = push(p, PG_K_IPV6_FRAG, 8, next != 0, 0, &off);
    if (b) {
        b[0] = next ? next : 59;
        wr16(b + 2, (uint16_t)((offset8 & 0x1fff) << 3 | (more ? 1 : 0)));
        wr32(b + 4, id);
    }
    return off;
}

size_t pg_tcp(pg_pkt *p, uint16_t sport, uint16_t dport, const pg_tcp_opt *opt)
{
    pg_tcp_opt o;
    if (opt)
        o = *opt;
    else {
        memset(&o, 0, sizeof(o));
        o.win = 65535;
    }
    size_t olen = o.options_len > 40 ? 40 : o.options_len;
    size_t hlen = 20 + (olen + 3) / 4 * 4;
    size_t off;
    uint8_t *b = push(p, PG_K_TCP, hlen, 1, 0, &off);
    if (b) {
        wr16(b, sport);
        wr16(b + 2, dport);
        wr32(b + 4, o.seq);
        wr32(b + 8, o.ack);
        b[12] = (uint8_t)(hlen / 4 << 4);
        b[13] = o.flags;
        wr16(b + 14, o.win);
        wr16(b + 18, o.urg);
        if (olen)
            memcpy(b + 20, o.options, olen);
    }
    return off;
}

size_t pg_udp(pg_pkt *p, uint16_t sport, uint16_t dport)
{
    size_t off;
    uint8_t *b = push(p, PG_K_UDP, 8, 1, 0, &off);
    if (b) {
        wr16(b, sport);
        wr16(b + 2, dport);
    }
    return off;
}

static size_t icmp_any(pg_pkt *p, pg_kind k, uint8_t type, uint8_t code, uint16_t id, uint16_t seq)
{
    size_t off;
    uint8_t *b = push(p, k, 8, 1, 0, &off);
    if (b) {
        b[0] = type;
        b[1] = code;
        wr16(b + 4, id);
        wr16(b + 6, seq);
    }
    return off;
}

size_t pg_icmp(pg_pkt *p, uint8_t type, uint8_t code, uint16_t id, uint16_t seq)
{
    return icmp_any(p, PG_K_ICMP, type, code, id, seq);
}

size_t pg_icmp6(pg_pkt *p, uint8_t type, uint8_t code, uint16_t id, uint16_t seq)
{
    return icmp_any(p, PG_K_ICMP6, type, code, id, seq);
}

size_t pg_gre(pg_pkt *p, const pg_gre_opt *opt)
{
    pg_gre_opt o;
    if (opt)
        o = *opt;
    else
        memset(&o, 0, sizeof(o));
    size_t hlen = 4 + (o.csum ? 4 : 0) + (o.has_key ? 4 : 0) + (o.has_seq ? 4 : 0);
    size_t off;
    uint8_t *b = push(p, PG_K_GRE, hlen, o.proto != 0, 0, &off);
    if (b) {
        p->layers[p->nlayers - 1].aux = o.csum;
        uint16_t flags = (uint16_t)((o.csum ? 0x8000 : 0) | (o.has_key ? 0x2000 : 0) |
                                    (o.has_seq ? 0x1000 : 0) | (o.version & 7));
        wr16(b, flags);
        wr16(b + 2, o.proto);
        size_t pos = 4 + (o.csum ? 4 : 0);
        if (o.has_key) {
            wr32(b + pos, o.key);
            pos += 4;
        }
        if (o.has_seq)
            wr32(b + pos, o.seq);
    }
    return off;
}

size_t pg_gtpu(pg_pkt *p, uint32_t teid, const pg_gtpu_opt *opt)
{
    pg_gtpu_opt o;
    if (opt)
        o = *opt;
    else
        memset(&o, 0, sizeof(o));
    if (o.n_ext < 0)
        o.n_ext = 0;
    if (o.n_ext > 4)
        o.n_ext = 4;
    int optional = o.has_seq || o.has_npdu || o.n_ext > 0;
    size_t hlen = 8 + (optional ? 4 : 0);
    for (int i = 0; i < o.n_ext; i++)
        hlen += (size_t)(o.ext[i].len4 ? o.ext[i].len4 : 1) * 4;
    size_t off;
    uint8_t *b = push(p, PG_K_GTPU, hlen, 1, 0, &off);
    if (!b)
        return off;
    b[0] = (uint8_t)(0x30 | (o.n_ext ? 0x04 : 0) | (o.has_seq ? 0x02 : 0) | (o.has_npdu ? 0x01 : 0));
    b[1] = o.msg_type ? o.msg_type : 0xff;
    wr32(b + 4, teid);
    if (optional) {
        wr16(b + 8, o.seq);
        b[10] = o.npdu;
        b[11] = o.n_ext ? o.ext[0].type : 0;
        size_t pos = 12;
        for (int i = 0; i < o.n_ext; i++) {
            size_t elen = (size_t)(o.ext[i].len4 ? o.ext[i].len4 : 1) * 4;
            b[pos] = (uint8_t)(elen / 4);
            if (o.ext[i].content)
                memcpy(b + pos + 1, o.ext[i].content, elen - 2);
            b[pos + elen - 1] = i + 1 < o.n_ext ? o.ext[i + 1].type : 0;
            pos += elen;
        }
    }
    return off;
}

size_t pg_vxlan(pg_pkt *p, uint32_t vni)
{
    size_t off;
    uint8_t *b = push(p, PG_K_VXLAN, 8, 1, 0, &off);
    if (b) {
        b[0] = 0x08;
        wr32(b + 4, (vni & 0xffffff) << 8);
    }
    return off;
}

size_t pg_capwap(pg_pkt *p, const pg_capwap_opt *opt)
{
    pg_capwap_opt o;
    if (opt)
        o = *opt;
    else
        memset(&o, 0, sizeof(o));
    size_t mac_field = o.radio_mac_len ? (1u + o.radio_mac_len + 3) / 4 * 4 : 0;
    size_t wsi_field = o.wsi_len ? (1u + o.wsi_len + 3) / 4 * 4 : 0;
    size_t hlen = 8 + mac_field + wsi_field;
    size_t off;
    uint8_t *b = push(p, PG_K_CAPWAP, hlen, 0, 0, &off);
    if (!b)
        return off;
    uint8_t wbid = o.wbid ? o.wbid : 1;
    /* preamble 0; HLEN 5 bits, RID 5, WBID 5, T 1, F L W M K 1 each, 3 reserved flag bits */
    uint32_t w = (uint32_t)(hlen / 4) << 19 | (uint32_t)(o.rid & 0x1f) << 14 |
                 (uint32_t)(wbid & 0x1f) << 9 | (o.frag ? 1u << 7 : 0) | (o.last ? 1u << 6 : 0) |
                 (o.wsi_len ? 1u << 5 : 0) | (o.radio_mac_len ? 1u << 4 : 0) |
                 (o.keepalive ? 1u << 3 : 0);
    b[1] = (uint8_t)(w >> 16);
    b[2] = (uint8_t)(w >> 8);
    b[3] = (uint8_t)w;
    wr16(b + 4, o.frag_id);
    wr16(b + 6, (uint16_t)((o.frag_off & 0x1fff) << 3));
    size_t pos = 8;
    if (mac_field) {
        b[pos] = o.radio_mac_len;
        if (o.radio_mac)
            memcpy(b + pos + 1, o.radio_mac, o.radio_mac_len);
        pos += mac_field;
    }
    if (wsi_field) {
        b[pos] = o.wsi_len;
        if (o.wsi)
            memcpy(b + pos + 1, o.wsi, o.wsi_len);
    }
    return off;
}

size_t pg_wlan(pg_pkt *p, uint8_t type, uint8_t subtype, uint8_t flags, const pg_wlan_opt *opt)
{
    pg_wlan_opt o;
    if (opt)
        o = *opt;
    else
        memset(&o, 0, sizeof(o));
    static const uint8_t zero[6] = {0};
    size_t hlen = 24, addrs = 3, qos_off = 0, htc_off = 0;
    if (type == 1) {
        hlen = subtype == 12 || subtype == 13 ? 10 : 16;
        addrs = hlen == 10 ? 1 : 2;
    } else if (type == 2) {
        if ((flags & 3) == 3) {
            hlen += 6;
            addrs = 4;
        }
        if (subtype & 8) {
            qos_off = hlen;
            hlen += 2;
            if (flags & PG_WLAN_ORDER) {
                htc_off = hlen;
                hlen += 4;
            }
        }
    }
    size_t off;
    uint8_t *b = push(p, PG_K_WLAN, hlen, 1, 0, &off);
    if (!b)
        return off;
    b[0] = (uint8_t)((subtype & 15) << 4 | (type & 3) << 2);
    b[1] = flags;
    const uint8_t *a[4] = {o.addr1, o.addr2, o.addr3, o.addr4};
    static const size_t apos[4] = {4, 10, 16, 24};
    for (size_t i = 0; i < addrs; i++)
        memcpy(b + apos[i], a[i] ? a[i] : zero, 6);
    if (hlen >= 24) {
        b[22] = (uint8_t)o.seq_ctrl;
        b[23] = (uint8_t)(o.seq_ctrl >> 8);
    }
    if (qos_off) {
        b[qos_off] = (uint8_t)o.qos;
        b[qos_off + 1] = (uint8_t)(o.qos >> 8);
    }
    if (htc_off) {
        for (int i = 0; i < 4; i++)
            b[htc_off + (size_t)i] = (uint8_t)(o.htc >> (8 * i));
    }
    return off;
}

size_t pg_data(pg_pkt *p, const void *data, size_t len)
{
    size_t off;
    uint8_t *b = push(p, PG_K_DATA, len, 1, 0, &off);
    if (b && len)
        memcpy(b, data, len);
    return off;
}

size_t pg_str(pg_pkt *p, const char *s)
{
    return pg_data(p, s, strlen(s));
}

size_t pg_fill(pg_pkt *p, uint8_t byte, size_t len)
{
    size_t off;
    uint8_t *b = push(p, PG_K_DATA, len, 1, 0, &off);
    if (b)
        memset(b, byte, len);
    return off;
}

uint32_t pg_csum_add(uint32_t sum, const uint8_t *data, size_t len)
{
    size_t i;
    for (i = 0; i + 1 < len; i += 2) {
        sum += (uint32_t)(data[i] << 8 | data[i + 1]);
        if (sum & 0x80000000u)
            sum = (sum & 0xffff) + (sum >> 16);
    }
    if (i < len)
        sum += (uint32_t)data[i] << 8;
    return sum;
}

uint16_t pg_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

void pg_ipv4_csum(pg_pkt *p, size_t off)
{
    if (off + 20 > p->len)
        return;
    uint8_t *b = p->data + off;
    size_t hlen = (size_t)(b[0] & 15) * 4;
    if (hlen < 20 || off + hlen > p->len)
        hlen = 20;
    wr16(b + 10, 0);
    wr16(b + 10, (uint16_t)~pg_csum_fold(pg_csum_add(0, b, hlen)));
}

/* Checksum with the pseudo header of the enclosing IP layer (before layer index i). */
static uint16_t l4_csum(const pg_pkt *p, int i, uint8_t proto, size_t off, size_t len)
{
    uint32_t sum = 0;
    for (int j = i - 1; j >= 0; j--) {
        const uint8_t *ip = p->data + p->layers[j].off;
        if (p->layers[j].kind == PG_K_IPV4) {
            uint8_t ph[12];
            memcpy(ph, ip + 12, 8);
            ph[8] = 0;
            ph[9] = proto;
            wr16(ph + 10, (uint16_t)len);
            sum = pg_csum_add(0, ph, sizeof(ph));
            break;
        }
        if (p->layers[j].kind == PG_K_IPV6) {
            uint8_t ph[40];
            memcpy(ph, ip + 8, 32);
            wr32(ph + 32, (uint32_t)len);
            ph[36] = ph[37] = ph[38] = 0;
            ph[39] = proto;
            sum = pg_csum_add(0, ph, sizeof(ph));
            break;
        }
    }
    sum = pg_csum_add(sum, p->data + off, len);
    return (uint16_t)~pg_csum_fold(sum);
}

int pg_finish(pg_pkt *p)
{
    if (p->overflow)
        return -1;
    size_t end = p->len;
    for (int i = p->nlayers - 1; i >= 0; i--) {
        size_t off = p->layers[i].off;
        uint8_t *b = p->data + off;
        size_t len = end - off;
        uint16_t cs;
        switch (p->layers[i].kind) {
        case PG_K_ETH8023:
            wr16(b + 12, (uint16_t)(len - 14));
            break;
        case PG_K_PPPOE:
            wr16(b + 4, (uint16_t)(len - 6));
            break;
        case PG_K_IPV4:
            wr16(b + 2, (uint16_t)len);
            pg_ipv4_csum(p, off);
            break;
        case PG_K_IPV6:
            wr16(b + 4, (uint16_t)(len - 40));
            break;
        case PG_K_UDP:
            wr16(b + 4, (uint16_t)len);
            wr16(b + 6, 0);
            cs = l4_csum(p, i, 17, off, len);
            wr16(b + 6, cs ? cs : 0xffff);
            break;
        case PG_K_TCP:
            wr16(b + 16, 0);
            wr16(b + 16, l4_csum(p, i, 6, off, len));
            break;
        case PG_K_ICMP:
            wr16(b + 2, 0);
            wr16(b + 2, (uint16_t)~pg_csum_fold(pg_csum_add(0, b, len)));
            break;
        case PG_K_ICMP6:
            wr16(b + 2, 0);
            wr16(b + 2, l4_csum(p, i, 58, off, len));
            break;
        case PG_K_GRE:
            if (p->layers[i].aux) {
                wr16(b + 4, 0);
                wr16(b + 4, (uint16_t)~pg_csum_fold(pg_csum_add(0, b, len)));
            }
            break;
        case PG_K_GTPU:
            wr16(b + 2, (uint16_t)(len - 8));
            break;
        default:
            break;
        }
    }
    return 0;
}

void pg_pad(pg_pkt *p, size_t min_len)
{
    if (min_len > PG_MAX_FRAME)
        min_len = PG_MAX_FRAME;
    if (p->len < min_len) {
        memset(p->data + p->len, 0, min_len - p->len);
        p->len = min_len;
    }
}

void pg_put8(pg_pkt *p, size_t off, uint8_t v)
{
    if (off < p->len)
        p->data[off] = v;
}

void pg_put16(pg_pkt *p, size_t off, uint16_t v)
{
    if (off + 2 <= p->len)
        wr16(p->data + off, v);
}

void pg_put32(pg_pkt *p, size_t off, uint32_t v)
{
    if (off + 4 <= p->len)
        wr32(p->data + off, v);
}

int pg_in6(const char *text, uint8_t out[16])
{
    return inet_pton(AF_INET6, text, out) == 1 ? 0 : -1;
}

int pg_ipv4_fragment(const pg_pkt *whole, size_t ip_off, size_t chunk, pg_pkt *frags, int max)
{
    if (ip_off + 20 > whole->len || chunk == 0 || chunk % 8)
        return -1;
    const uint8_t *ip = whole->data + ip_off;
    size_t hlen = (size_t)(ip[0] & 15) * 4;
    size_t tot = rd16(ip + 2);
    if (hlen < 20 || tot < hlen || ip_off + tot > whole->len)
        return -1;
    uint16_t fo = rd16(ip + 6);
    size_t base = (size_t)(fo & 0x1fff) * 8;
    int orig_mf = (fo & 0x2000) != 0;
    size_t data_len = tot - hlen;
    int n = 0;
    for (size_t pos = 0; pos < data_len || (data_len == 0 && n == 0); pos += chunk) {
        if (n >= max)
            return -1;
        size_t take = data_len - pos < chunk ? data_len - pos : chunk;
        pg_pkt *f = &frags[n++];
        pg_init(f);
        if (ip_off + hlen + take > PG_MAX_FRAME)
            return -1;
        memcpy(f->data, whole->data, ip_off + hlen);
        memcpy(f->data + ip_off + hlen, ip + hlen + pos, take);
        f->len = ip_off + hlen + take;
        uint8_t *fip = f->data + ip_off;
        wr16(fip + 2, (uint16_t)(hlen + take));
        int more = pos + take < data_len || orig_mf;
        wr16(fip + 6, (uint16_t)((fo & 0x4000) | (more ? 0x2000 : 0) | (((base + pos) / 8) & 0x1fff)));
        pg_ipv4_csum(f, ip_off);
        if (data_len == 0)
            break;
    }
    return n;
}

int pg_ipv6_fragment(const pg_pkt *whole, size_t ip_off, size_t chunk, uint32_t id, pg_pkt *frags,
                     int max)
{
    if (ip_off + 40 > whole->len || chunk == 0 || chunk % 8)
        return -1;
    const uint8_t *ip = whole->data + ip_off;
    size_t data_len = rd16(ip + 4);
    if (ip_off + 40 + data_len > whole->len)
        return -1;
    int n = 0;
    for (size_t pos = 0; pos < data_len || (data_len == 0 && n == 0); pos += chunk) {
        if (n >= max)
            return -1;
        size_t take = data_len - pos < chunk ? data_len - pos : chunk;
        pg_pkt *f = &frags[n++];
        pg_init(f);
        if (ip_off + 48 + take > PG_MAX_FRAME)
            return -1;
        memcpy(f->data, whole->data, ip_off + 40);
        uint8_t *fh = f->data + ip_off + 40;
        fh[0] = ip[6];
        fh[1] = 0;
        int more = pos + take < data_len;
        wr16(fh + 2, (uint16_t)((pos / 8) << 3 | (more ? 1 : 0)));
        wr32(fh + 4, id);
        memcpy(fh + 8, ip + 40 + pos, take);
        f->len = ip_off + 48 + take;
        f->data[ip_off + 6] = 44;
        wr16(f->data + ip_off + 4, (uint16_t)(8 + take));
        if (data_len == 0)
            break;
    }
    return n;
}

/* ---- capture files ---- */

struct pg_pcap {
    FILE *f;
    int ng;
    uint32_t snaplen;
    int err;
};

static void put_bytes(pg_pcap *w, const void *b, size_t n)
{
    if (n && fwrite(b, 1, n, w->f) != n)
        w->err = 1;
}

static void put_u32(pg_pcap *w, uint32_t v)
{
    put_bytes(w, &v, 4);
}

static void put_u16(pg_pcap *w, uint16_t v)
{
    put_bytes(w, &v, 2);
}

static pg_pcap *open_any(const char *path, uint32_t snaplen, int ng)
{
    pg_pcap *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->f = fopen(path, "wb");
    if (!w->f) {
        free(w);
        return NULL;
    }
    w->ng = ng;
    w->snaplen = snaplen ? snaplen : 262144;
    return w;
}

pg_pcap *pg_pcap_open(const char *path, uint32_t linktype, uint32_t snaplen)
{
    pg_pcap *w = open_any(path, snaplen, 0);
    if (!w)
        return NULL;
    put_u32(w, 0xa1b2c3d4);
    put_u16(w, 2);
    put_u16(w, 4);
    put_u32(w, 0); /* thiszone */
    put_u32(w, 0); /* sigfigs */
    put_u32(w, w->snaplen);
    put_u32(w, linktype);
    return w;
}

pg_pcap *pg_pcapng_open(const char *path, uint32_t linktype, uint32_t snaplen)
{
    pg_pcap *w = open_any(path, snaplen, 1);
    if (!w)
        return NULL;
    /* Section Header Block, no options. */
    put_u32(w, 0x0a0d0d0a);
    put_u32(w, 28);
    put_u32(w, 0x1a2b3c4d);
    put_u16(w, 1);
    put_u16(w, 0);
    put_u32(w, 0xffffffff); /* section length unknown (64 bits) */
    put_u32(w, 0xffffffff);
    put_u32(w, 28);
    /* Interface Description Block, no options: if_tsresol defaults to microseconds. */
    put_u32(w, 1);
    put_u32(w, 20);
    put_u16(w, (uint16_t)linktype);
    put_u16(w, 0);
    put_u32(w, w->snaplen);
    put_u32(w, 20);
    return w;
}

int pg_pcap_write(pg_pcap *w, uint64_t ts_us, const void *data, uint32_t caplen, uint32_t wirelen)
{
    if (!w)
        return -1;
    if (caplen > w->snaplen)
        caplen = w->snaplen;
    if (wirelen < caplen)
        wirelen = caplen;
    if (!w->ng) {
        put_u32(w, (uint32_t)(ts_us / 1000000));
        put_u32(w, (uint32_t)(ts_us % 1000000));
        put_u32(w, caplen);
        put_u32(w, wirelen);
        put_bytes(w, data, caplen);
    } else {
        uint32_t padded = (caplen + 3) & ~3u;
        uint32_t blen = 32 + padded;
        static const uint8_t zeros[4] = {0, 0, 0, 0};
        put_u32(w, 6);
        put_u32(w, blen);
        put_u32(w, 0); /* interface id */
        put_u32(w, (uint32_t)(ts_us >> 32));
        put_u32(w, (uint32_t)ts_us);
        put_u32(w, caplen);
        put_u32(w, wirelen);
        put_bytes(w, data, caplen);
        put_bytes(w, zeros, padded - caplen);
        put_u32(w, blen);
    }
    return w->err ? -1 : 0;
}

int pg_pcap_write_pkt(pg_pcap *w, uint64_t ts_us, const pg_pkt *p)
{
    return pg_pcap_write(w, ts_us, p->data, (uint32_t)p->len, (uint32_t)p->len);
}

int pg_pcap_close(pg_pcap *w)
{
    if (!w)
        return 0;
    int err = w->err;
    if (fclose(w->f) != 0)
        err = 1;
    free(w);
    return err ? -1 : 0;
}
