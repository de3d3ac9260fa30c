/* Test harness shared by tests/core, tests/flow and tests/host: an engine with recording callbacks,
 * frame builders on top of pktgen, and lookups of live flows and hosts. Everything is static (one
 * copy per test program); nothing here is thread-safe. Include after <cmocka.h>'s prerequisites:
 * this header includes them itself. */
#ifndef NTC_TESTS_HARNESS_H
#define NTC_TESTS_HARNESS_H

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ntopcore/ntopcore.h"
#include "pktgen.h"

#define SEC 1000000ULL
/* A packet-time origin on a whole second (1700000000 % 60 == 20). */
#define T0 (1700000000ULL * SEC)

/* ---- recording callbacks ------------------------------------------------------------------- */

#define H_MAX_EV 2048

typedef struct h_flow_ev {
    ntc_flow_info fi;
    int reason;
    int order;           /* position among every recorded event */
} h_flow_ev;

typedef struct h_host_ev {
    ntc_host_info hi;
    int order;
} h_host_ev;

typedef struct h_tick_ev {
    int tick;
    uint64_t now;
    int order;
} h_tick_ev;

typedef struct h_rec {
    h_flow_ev flows[H_MAX_EV];
    int nflows;
    h_host_ev hosts[H_MAX_EV];
    int nhosts;
    h_tick_ev ticks[H_MAX_EV];
    int nticks;
    int order;
} h_rec;

static inline void h_on_flow(void *u, const ntc_flow *f, ntc_flow_end_reason why)
{
    h_rec *r = u;
    assert_true(r->nflows < H_MAX_EV);
    h_flow_ev *ev = &r->flows[r->nflows++];
    memset(ev, 0, sizeof(*ev));
    ev->fi.size = sizeof(ev->fi);
    assert_int_equal(ntc_flow_get_info(f, &ev->fi), 0);
    ev->reason = (int)why;
    ev->order = r->order++;
}

static inline void h_on_host(void *u, const ntc_host *h)
{
    h_rec *r = u;
    assert_true(r->nhosts < H_MAX_EV);
    h_host_ev *ev = &r->hosts[r->nhosts++];
    memset(ev, 0, sizeof(*ev));
    ev->hi.size = sizeof(ev->hi);
    assert_int_equal(ntc_host_get_info(h, &ev->hi), 0);
    ev->order = r->order++;
}

static inline void h_on_tick(void *u, ntc_tick t, uint64_t now)
{
    h_rec *r = u;
    assert_true(r->nticks < H_MAX_EV);
    h_tick_ev *ev = &r->ticks[r->nticks++];
    ev->tick = (int)t;
    ev->now = now;
    ev->order = r->order++;
}

static inline h_rec *h_rec_new(void)
{
    h_rec *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    return r;
}

static inline void h_rec_reset(h_rec *r)
{
    memset(r, 0, sizeof(*r));
}

/* Engine from key/value text pairs, NULL-terminated; callbacks record into r (r may be NULL). */
static inline ntc_engine *h_engine(h_rec *r, ...)
{
    ntc_config *cfg = ntc_config_new();
    assert_non_null(cfg);
    va_list ap;
    va_start(ap, r);
    const char *k;
    while ((k = va_arg(ap, const char *)) != NULL) {
        const char *v = va_arg(ap, const char *);
        int rc = ntc_config_set(cfg, k, v);
        if (rc)
            fail_msg("config %s = %s: %s", k, v, ntc_config_errmsg(cfg));
    }
    va_end(ap);
    ntc_engine *e = NULL;
    assert_int_equal(ntc_engine_new(&e, cfg), 0);
    assert_non_null(e);
    ntc_config_free(cfg);
    if (r) {
        ntc_callbacks cb;
        memset(&cb, 0, sizeof(cb));
        cb.version = NTC_CALLBACKS_VERSION;
        cb.flow_end = h_on_flow;
        cb.host_end = h_on_host;
        cb.tick = h_on_tick;
        assert_int_equal(ntc_engine_set_callbacks(e, &cb, r), 0);
    }
    return e;
}

/* ---- addresses ------------------------------------------------------------------------------ */

typedef struct h_addr {
    uint8_t b[16];
    int v;
} h_addr;

static inline h_addr h_ip(const char *s)
{
    h_addr a;
    memset(&a, 0, sizeof(a));
    if (inet_pton(AF_INET, s, a.b) == 1)
        a.v = 4;
    else if (inet_pton(AF_INET6, s, a.b) == 1)
        a.v = 6;
    else
        fail_msg("bad address literal %s", s);
    return a;
}

/* Does the 16-byte address field hold the address text s (IPv4: first 4 bytes)? */
static inline int h_addr_is(const uint8_t *field, const char *s)
{
    h_addr a = h_ip(s);
    return memcmp(field, a.b, a.v == 4 ? 4 : 16) == 0;
}

/* The MAC the builders use for a sender/receiver: 02:00 + last 4 address bytes. */
static inline void h_mac_of(const h_addr *a, uint8_t mac[6])
{
    const uint8_t *last = a->v == 4 ? a->b : a->b + 12;
    mac[0] = 0x02;
    mac[1] = 0x00;
    memcpy(mac + 2, last, 4);
}

/* ---- frame builders (Ethernet, optional 802.1Q tag when vlan > 0) ------------------------------ */

static inline size_t h_l2l3(pg_pkt *p, int vlan, const char *src, const char *dst, uint8_t proto)
{
    h_addr s = h_ip(src), d = h_ip(dst);
    assert_int_equal(s.v, d.v);
    uint8_t smac[6], dmac[6];
    h_mac_of(&s, smac);
    h_mac_of(&d, dmac);
    pg_init(p);
    pg_eth(p, dmac, smac, 0);
    if (vlan > 0)
        pg_vlan(p, 0, 0, (uint16_t)vlan, 0);
    if (s.v == 4) {
        pg_ipv4_opt o;
        memset(&o, 0, sizeof(o));
        o.proto = proto;
        return pg_ipv4(p, s.b, d.b, proto ? &o : NULL);
    }
    pg_ipv6_opt o6;
    memset(&o6, 0, sizeof(o6));
    o6.next = proto;
    return pg_ipv6(p, s.b, d.b, proto ? &o6 : NULL);
}

static inline void h_finish(pg_pkt *p)
{
    assert_int_equal(pg_finish(p), 0);
    assert_int_equal(p->overflow, 0);
}

static inline void h_build_udp(pg_pkt *p, int vlan, const char *src, uint16_t sport, const char *dst,
                               uint16_t dport, size_t payload)
{
    h_l2l3(p, vlan, src, dst, 0);
    pg_udp(p, sport, dport);
    if (payload)
        pg_fill(p, 0xab, payload);
    h_finish(p);
}

static inline void h_build_tcp(pg_pkt *p, int vlan, const char *src, uint16_t sport, const char *dst,
                               uint16_t dport, uint8_t flags, size_t payload)
{
    h_l2l3(p, vlan, src, dst, 0);
    pg_tcp_opt o;
    memset(&o, 0, sizeof(o));
    o.flags = flags;
    o.seq = 1000;
    o.ack = (flags & PG_ACK) ? 2000 : 0;
    o.win = 65535;
    pg_tcp(p, sport, dport, &o);
    if (payload)
        pg_fill(p, 0xcd, payload);
    h_finish(p);
}

/* ICMP (IPv4) or ICMPv6 (IPv6 addresses), echo layout (id, seq). */
static inline void h_build_icmp(pg_pkt *p, int vlan, const char *src, const char *dst, uint8_t type,
                                uint16_t id, size_t payload)
{
    h_l2l3(p, vlan, src, dst, 0);
    if (h_ip(src).v == 4)
        pg_icmp(p, type, 0, id, 1);
    else
        pg_icmp6(p, type, 0, id, 1);
    if (payload)
        pg_fill(p, 0xef, payload);
    h_finish(p);
}

/* ---- feeding ------------------------------------------------------------------------------- */

static inline void h_feed(ntc_engine *e, uint64_t ts, const pg_pkt *p)
{
    assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_ETHERNET, ts, p->data, (uint32_t)p->len,
                                       (uint32_t)p->len),
                     0);
}

static pg_pkt h_scratch;

static inline void h_udp(ntc_engine *e, uint64_t ts, const char *src, uint16_t sport, const char *dst,
                         uint16_t dport, size_t payload)
{
    h_build_udp(&h_scratch, 0, src, sport, dst, dport, payload);
    h_feed(e, ts, &h_scratch);
}

static inline void h_udp_vlan(ntc_engine *e, uint64_t ts, int vlan, const char *src, uint16_t sport,
                              const char *dst, uint16_t dport, size_t payload)
{
    h_build_udp(&h_scratch, vlan, src, sport, dst, dport, payload);
    h_feed(e, ts, &h_scratch);
}

static inline void h_tcp(ntc_engine *e, uint64_t ts, const char *src, uint16_t sport, const char *dst,
                         uint16_t dport, uint8_t flags, size_t payload)
{
    h_build_tcp(&h_scratch, 0, src, sport, dst, dport, flags, payload);
    h_feed(e, ts, &h_scratch);
}

static inline void h_icmp(ntc_engine *e, uint64_t ts, const char *src, const char *dst, uint8_t type,
                          uint16_t id, size_t payload)
{
    h_build_icmp(&h_scratch, 0, src, dst, type, id, payload);
    h_feed(e, ts, &h_scratch);
}

static inline void h_advance(ntc_engine *e, uint64_t ts)
{
    assert_int_equal(ntc_engine_advance(e, ts), 0);
}

/* ---- reading the engine -------------------------------------------------------------------- */

static inline ntc_iface_stats h_stats(ntc_engine *e)
{
    ntc_iface_stats st;
    memset(&st, 0, sizeof(st));
    st.size = sizeof(st);
    assert_int_equal(ntc_engine_get_iface_stats(e, &st), 0);
    return st;
}

typedef struct h_flow_list {
    ntc_flow_info fi[256];
    int n;
} h_flow_list;

static inline int h_collect_flow(void *u, const ntc_flow *f)
{
    h_flow_list *l = u;
    assert_true(l->n < 256);
    ntc_flow_info *fi = &l->fi[l->n++];
    memset(fi, 0, sizeof(*fi));
    fi->size = sizeof(*fi);
    assert_int_equal(ntc_flow_get_info(f, fi), 0);
    return 0;
}

/* Live flows through ntc_engine_foreach_flow. */
static inline int h_live_flows(ntc_engine *e, h_flow_list *l)
{
    memset(l, 0, sizeof(*l));
    assert_int_equal(ntc_engine_foreach_flow(e, h_collect_flow, l), 0);
    return l->n;
}

/* The one live flow (asserts there is exactly one). */
static inline ntc_flow_info h_only_flow(ntc_engine *e)
{
    h_flow_list *l = malloc(sizeof(*l));
    assert_non_null(l);
    assert_int_equal(h_live_flows(e, l), 1);
    ntc_flow_info fi = l->fi[0];
    free(l);
    return fi;
}

typedef struct h_host_list {
    ntc_host_info hi[256];
    int n;
} h_host_list;

static inline int h_collect_host(void *u, const ntc_host *h)
{
    h_host_list *l = u;
    assert_true(l->n < 256);
    ntc_host_info *hi = &l->hi[l->n++];
    memset(hi, 0, sizeof(*hi));
    hi->size = sizeof(*hi);
    assert_int_equal(ntc_host_get_info(h, hi), 0);
    return 0;
}

static inline int h_live_hosts(ntc_engine *e, h_host_list *l)
{
    memset(l, 0, sizeof(*l));
    assert_int_equal(ntc_engine_foreach_host(e, h_collect_host, l), 0);
    return l->n;
}

/* Find the live host with address ip on vlan; 1 if found (then *out is filled). */
static inline int h_find_host(ntc_engine *e, const char *ip, uint16_t vlan, ntc_host_info *out)
{
    h_host_list *l = malloc(sizeof(*l));
    assert_non_null(l);
    h_live_hosts(e, l);
    h_addr a = h_ip(ip);
    int found = 0;
    for (int i = 0; i < l->n; i++) {
        if (l->hi[i].ip_version == a.v && l->hi[i].vlan == vlan && h_addr_is(l->hi[i].addr, ip)) {
            if (out)
                *out = l->hi[i];
            found++;
        }
    }
    free(l);
    assert_true(found <= 1);
    return found;
}

/* Index of the recorded host_end event for ip (-1 if none; asserts at most one). */
static inline int h_host_ended(const h_rec *r, const char *ip)
{
    h_addr a = h_ip(ip);
    int idx = -1;
    for (int i = 0; i < r->nhosts; i++) {
        if (r->hosts[i].hi.ip_version == a.v && h_addr_is(r->hosts[i].hi.addr, ip)) {
            assert_int_equal(idx, -1);
            idx = i;
        }
    }
    return idx;
}

/* Number of recorded flow_end events with this reason. */
static inline int h_count_reason(const h_rec *r, int reason)
{
    int n = 0;
    for (int i = 0; i < r->nflows; i++)
        n += r->flows[i].reason == reason;
    return n;
}

/* Assert a flow key: client and server address/port. */
#define h_assert_key(fi, cli, cport, srv, sport)          \
    do {                                                  \
        assert_true(h_addr_is((fi).cli_addr, (cli)));     \
        assert_int_equal((fi).cli_port, (cport));         \
        assert_true(h_addr_is((fi).srv_addr, (srv)));     \
        assert_int_equal((fi).srv_port, (sport));         \
    } while (0)

#endif
