/* Private: the flow table. Chained hash with a per-engine seed (symmetric: both directions of a
 * flow hash alike), bucket array sized once from flow.max (O(1) lookups, memory bounded by the
 * cap), and two LRU lists ordered by last packet — one per idle timeout class — so expiry and
 * eviction of the longest-idle flow only look at list heads. */
#ifndef NTC_LIB_FLOW_H
#define NTC_LIB_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"
#include "dpi/dpi.h"
#include "flow/analytics.h"
#include "ntopcore/flow.h"
#include "util/util.h"

struct ntc_host;

/** Key as stored: side a is the client. */
typedef struct ntc__flow_key {
    uint8_t a[16], b[16];
    uint16_t pa, pb;
    uint16_t vlan;
    uint8_t proto;
    uint8_t ip_version;
} ntc__flow_key;

/** Timeout classes (index of the LRU list). */
enum { NTC__FLOW_LRU_NORMAL = 0, NTC__FLOW_LRU_SHORT = 1 };

/** Flow flags. */
enum {
    NTC__FLOW_CLI_SYN = 1,   /* the client sent a SYN (orientation is certain) */
    NTC__FLOW_CLI_FIN = 2,
    NTC__FLOW_SRV_FIN = 4
};

struct ntc_flow {
    struct ntc_flow *hnext;
    ntc__lnode lru;
    uint32_t hash;
    uint8_t lru_id;
    uint8_t tcp_state;
    uint8_t flags;
    uint8_t tunnel;
    ntc__flow_key key;
    uint8_t tcp_flags[2];       /* [0] client, [1] server */
    uint16_t pad0;
    uint32_t fragments;
    uint64_t id;
    uint64_t pkts[2], bytes[2]; /* [0] client->server, [1] server->client */
    uint64_t first_us, last_us, last_report_us;
    struct ntc_host *host[2];   /* [0] client, [1] server; NULL when host.max was reached */
    ntc__flow_l7 l7;            /* application verdict (how == NTC_L7_PENDING while inspecting) */
    struct ntc__dpi_flow *dpi;  /* nDPI state, only while inspecting */
    ntc__lnode plru;            /* in the engine's list of flows being inspected (oldest first) */
    ntc__flow_meta *meta;       /* metadata strings, NULL if none */
    uint16_t host_app[2];       /* index in each local host's application table */
    uint16_t app_index;         /* index in the interface application table */
    ntc__flow_ana *ana;         /* analytics (in the same allocation, after the flow), or NULL */
};

typedef struct ntc__flow_table {
    struct ntc_flow **buckets;
    uint32_t mask;
    uint32_t max;
    uint32_t count;
    uint64_t seed;
    uint64_t next_id;
    ntc__list lru[2];
    uint64_t idle_us[2];        /* [NORMAL] flow.idle_timeout, [SHORT] flow.closed_idle_timeout */
    uint64_t total, expired, evicted;
    uint64_t meta_bytes;        /* metadata blocks held by the flows now */
    ntc__ana_cfg ana;           /* flow analytics settings */
    size_t ana_size;            /* bytes of each flow's analytics block (0: off) */
} ntc__flow_table;

int ntc__flow_table_init(ntc__flow_table *t, uint32_t max, uint64_t idle_us, uint64_t short_us,
                         uint64_t seed);

/** Turn flow analytics on for the flows created from now on (call right after init). */
void ntc__flow_table_set_analytics(ntc__flow_table *t, const ntc__ana_cfg *c);
void ntc__flow_table_destroy(ntc__flow_table *t);

/** Find the flow of a decoded packet. *dir is 0 when the packet goes client->server, 1 otherwise. */
struct ntc_flow *ntc__flow_find(ntc__flow_table *t, const ntc__pkt *p, uint32_t hash, int *dir);

/** Hash of the packet's flow key (same for both directions). */
uint32_t ntc__flow_hash(const ntc__flow_table *t, const ntc__pkt *p);

/** Create a flow for the packet (the table must have room). Orientation: see flow.h.
 * *dir is set as for ntc__flow_find(). NULL when out of memory. */
struct ntc_flow *ntc__flow_create(ntc__flow_table *t, const ntc__pkt *p, uint32_t hash,
                                  uint64_t now, int *dir);

/** Before accounting a packet: a SYN from the side taken as server makes it the client after all.
 * Swaps the flow's key, counters, flags and host pointers (and their active/total flow counts),
 * sets *dir to 0 and returns 1; the caller fixes what it keeps per direction (L7 tables). */
int ntc__flow_orient(struct ntc_flow *f, const ntc__pkt *p, int *dir);

/** Account one packet (direction dir) to the flow: counters, TCP flags and state, analytics, LRU
 * position. Returns the NTC__TA_* bits the TCP analysis found in the packet. */
unsigned ntc__flow_update(ntc__flow_table *t, struct ntc_flow *f, const ntc__pkt *p, int dir,
                      uint64_t now);

/** The longest-idle flow over both lists, or NULL. */
struct ntc_flow *ntc__flow_oldest(const ntc__flow_table *t);

/** Oldest flow of list k if it is idle at `now`, else NULL. */
struct ntc_flow *ntc__flow_expired_head(const ntc__flow_table *t, int k, uint64_t now);

/** Remove the flow from the table and free it. */
void ntc__flow_remove(ntc__flow_table *t, struct ntc_flow *f);

/** Bytes used by one flow entry (struct, analytics block, bucket share). */
size_t ntc__flow_entry_bytes(const ntc__flow_table *t);

#endif
