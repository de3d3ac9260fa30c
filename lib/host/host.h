/* Private: the host table (local/remote hosts, idle purge, cap) and the local-network matcher. */
#ifndef NTC_LIB_HOST_H
#define NTC_LIB_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "ntopcore/host.h"
#include "util/util.h"

/* ---- local networks ---- */

typedef struct ntc__localnet {
    uint8_t ip_version;
    uint8_t prefix;
    uint8_t is_system;  /* an address of a capture interface */
    uint8_t addr[16];   /* masked */
} ntc__localnet;

typedef struct ntc__localnets {
    ntc__localnet *nets;
    size_t count, cap;
} ntc__localnets;

/** Check the syntax of a comma-separated CIDR list; writes the reason into why. 0 if valid. */
int ntc__localnets_check(const char *text, char *why, size_t whylen);
/** Add every network of a (checked) list. */
int ntc__localnets_parse(ntc__localnets *ln, const char *text);
/** Add one network (prefix 32/128 with is_system=1 for interface addresses). */
int ntc__localnets_add(ntc__localnets *ln, int ip_version, const uint8_t *addr, int prefix,
                       int is_system);
/** 0 remote, 1 local, 2 local system host. */
int ntc__localnets_match(const ntc__localnets *ln, int ip_version, const uint8_t *addr);
void ntc__localnets_free(ntc__localnets *ln);

/* ---- hosts ---- */

/** Traffic of one application seen by a local host (sent = by this host). */
typedef struct ntc__host_app {
    uint16_t id;
    uint16_t pad;
    uint32_t flows;
    uint64_t pkts_sent, bytes_sent, pkts_rcvd, bytes_rcvd;
} ntc__host_app;

/** Extra state kept only for local hosts. */
typedef struct ntc__host_local {
    uint8_t mac[6];
    uint8_t has_mac;
    uint8_t pad;
    uint16_t napps, capps;
    ntc__host_app *apps;          /* L7 accounting, one entry per application seen */
    /* TCP health of the packets this host sent ([0]) and received ([1]), from flow analytics:
     * retransmissions, out of order, lost (gap before), zero window, keep-alive. */
    uint64_t tcp[2][5];
    /* Throughput, [0] sent [1] received: accumulation for second tp_sec, the last whole second,
     * the peak; and traffic to (upload) and from (download) hosts outside the local networks. */
    uint32_t tp_sec;
    uint32_t tp_pkts[2];
    uint64_t tp_bytes[2], last_bytes[2], peak_bytes[2];
    uint32_t last_pkts[2], peak_pkts[2];
    uint64_t upload_bytes, download_bytes;
} ntc__host_local;

/** Index in ntc__host_local.tcp[d][] of a TCP analysis finding. */
enum { NTC__HTCP_RETRANS, NTC__HTCP_OOO, NTC__HTCP_LOST, NTC__HTCP_ZERO_WIN, NTC__HTCP_KEEPALIVE };

struct ntc_host {                 /* 128 bytes on 64-bit: remote hosts cost this plus a bucket */
    struct ntc_host *hnext;       /* hash chain */
    ntc__lnode lru;               /* in the local or remote LRU list */
    uint16_t vlan;
    uint8_t ip_version;
    uint8_t flags;                /* NTC__HOST_* */
    uint32_t active_cli;
    uint32_t active_srv;
    uint32_t hash;
    uint8_t addr[16];
    uint64_t packets_sent, bytes_sent, packets_rcvd, bytes_rcvd;
    uint64_t first_us, last_us;
    uint32_t total_cli, total_srv; /* flows ever, modulo 2^32 */
    ntc__host_local *local;       /* non-NULL for local hosts */
    char *name;                   /* learnt passively (DNS, SNI, HTTP Host, DHCP), or NULL */
};

enum { NTC__HOST_LOCAL = 1, NTC__HOST_SYSTEM = 2 };

/** A name learnt from a DNS answer for an address (direct-mapped cache entry). */
typedef struct ntc__name_ent {
    uint8_t ip_version;           /* 0: empty */
    uint8_t pad;
    uint16_t vlan;
    uint8_t addr[16];
    char *name;
} ntc__name_ent;

typedef struct ntc__host_table {
    struct ntc_host **buckets;
    uint32_t mask;
    uint32_t max;
    uint64_t seed;
    ntc__list lru[2];             /* [0] remote, [1] local; oldest first */
    uint64_t idle_us[2];
    uint64_t total, purged, evicted, not_created, local_count;
    uint64_t extra_bytes;         /* names, local extensions and application tables held now */
    ntc__localnets nets;
    ntc__name_ent *names;         /* DNS answer cache, names_mask + 1 slots; NULL when off */
    uint32_t names_mask;
} ntc__host_table;

int ntc__host_table_init(ntc__host_table *t, uint32_t max, uint64_t local_idle_us,
                         uint64_t remote_idle_us, uint64_t seed);
/** Free every host; host_end is called for each when fn is non-NULL. */
void ntc__host_table_clear(ntc__host_table *t, void (*fn)(void *u, const ntc_host *h), void *u);
void ntc__host_table_destroy(ntc__host_table *t);

/** Find or create the host; NULL when host.max is reached and no idle host could be evicted
 * (counted in not_created). `now` is the engine clock. */
ntc_host *ntc__host_get(ntc__host_table *t, int ip_version, const uint8_t *addr, uint16_t vlan,
                        uint64_t now, void (*end_fn)(void *u, const ntc_host *h), void *u);

/** Find an existing host (no creation), or NULL. */
ntc_host *ntc__host_find(ntc__host_table *t, int ip_version, const uint8_t *addr, uint16_t vlan);

/** Remember `name` for an address from a DNS answer: names the host if it exists, and any host
 * created later with that address (bounded cache: one slot per hash value, newest wins). */
void ntc__host_learn_name(ntc__host_table *t, int ip_version, const uint8_t *addr, uint16_t vlan,
                          const char *name);

/** Size the DNS answer cache (0: off). Call once after init. 0 or NTC_ENOMEM. */
int ntc__host_names_init(ntc__host_table *t, uint32_t slots);

/** Set the host's name (copied; an over-long or identical name is ignored). */
void ntc__host_set_name(ntc__host_table *t, ntc_host *h, const char *name, size_t len);

/** Index of application `id` in a local host's table, added if new; UINT16_MAX when out of memory
 * or not a local host. */
uint16_t ntc__host_app_index(ntc__host_table *t, ntc_host *h, uint16_t id);

/** Free a host and what it owns. */
void ntc__host_free(ntc__host_table *t, ntc_host *h);

/** Mark the host as seen at `now` (moves it to the LRU tail when a new second started). */
static inline void ntc__host_touch(ntc__host_table *t, ntc_host *h, uint64_t now)
{
    /* One-second precision is enough for the LRU order (purge runs on one-second ticks). */
    if (now > h->last_us) {
        uint64_t prev_s = h->last_us / 1000000u;
        h->last_us = now;
        ntc__list *l = &t->lru[(h->flags & NTC__HOST_LOCAL) ? 1 : 0];
        if (prev_s != now / 1000000u && l->head.prev != &h->lru) {
            ntc__list_remove(l, &h->lru);
            ntc__list_push_tail(l, &h->lru);
        }
    }
}

/** Close the throughput seconds of a local host that ended before `now`. */
void ntc__host_tp_settle(ntc__host_local *l, uint64_t now);

/** Account a packet of `bytes` sent (d = 0) or received (d = 1) by a local host; remote says the
 * other end is outside the local networks (upload/download). */
static inline void ntc__host_tp_packet(ntc__host_local *l, int d, uint32_t bytes, int remote,
                                       uint64_t now)
{
    if (now / 1000000u != l->tp_sec)
        ntc__host_tp_settle(l, now);
    l->tp_bytes[d] += bytes;
    l->tp_pkts[d]++;
    if (remote) {
        if (d == 0)
            l->upload_bytes += bytes;
        else
            l->download_bytes += bytes;
    }
}

/** Purge hosts idle longer than their timeout and without active flows. */
void ntc__host_table_expire(ntc__host_table *t, uint64_t now,
                            void (*end_fn)(void *u, const ntc_host *h), void *u);

/** Bytes used by one host entry (remote, local). */
size_t ntc__host_entry_bytes(int local);

#endif
