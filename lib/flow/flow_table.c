#include <stdlib.h>

#include "flow/flow.h"
#include "host/host.h"
#include "ntopcore/error.h"

int ntc__flow_table_init(ntc__flow_table *t, uint32_t max, uint64_t idle_us, uint64_t short_us,
                         uint64_t seed)
{
    memset(t, 0, sizeof(*t));
    uint32_t n = ntc__pow2_ceil(max < 16 ? 16 : max);
    t->buckets = calloc(n, sizeof(*t->buckets));
    if (!t->buckets)
        return NTC_ENOMEM;
    t->mask = n - 1;
    t->max = max;
    t->seed = seed;
    t->next_id = 1;
    t->idle_us[NTC__FLOW_LRU_NORMAL] = idle_us;
    t->idle_us[NTC__FLOW_LRU_SHORT] = short_us;
    ntc__list_init(&t->lru[0]);
    ntc__list_init(&t->lru[1]);
    return 0;
}

void ntc__flow_table_set_analytics(ntc__flow_table *t, const ntc__ana_cfg *c)
{
    t->ana = *c;
    t->ana_size = ntc__ana_size(c);
}

void ntc__flow_table_destroy(ntc__flow_table *t)
{
    for (int k = 0; k < 2; k++) {
        ntc__lnode *n;
        while ((n = ntc__list_first(&t->lru[k])) != NULL)
            ntc__flow_remove(t, NTC__CONTAINER_OF(n, struct ntc_flow, lru));
    }
    free(t->buckets);
    t->buckets = NULL;
}

uint32_t ntc__flow_hash(const ntc__flow_table *t, const ntc__pkt *p)
{
    /* Order the two endpoints so both directions give the same words. */
    uint64_t tail;
    if (p->ip_version == 4) {
        /* IPv4: both addresses fit one word. */
        uint32_t a, b;
        memcpy(&a, p->src, 4);
        memcpy(&b, p->dst, 4);
        int swap = a > b || (a == b && p->sport > p->dport);
        uint16_t plo = swap ? p->dport : p->sport, phi = swap ? p->sport : p->dport;
        uint64_t w[2];
        w[0] = swap ? ((uint64_t)b << 32 | a) : ((uint64_t)a << 32 | b);
        tail = (uint64_t)plo | ((uint64_t)phi << 16) | ((uint64_t)p->vlan << 32) |
               ((uint64_t)p->l4_proto << 48) | ((uint64_t)4 << 56);
        w[1] = tail;
        return (uint32_t)ntc__hash_words(w, 2, t->seed);
    }
    int c = memcmp(p->src, p->dst, 16);
    int swap = c > 0 || (c == 0 && p->sport > p->dport);
    const uint8_t *lo = swap ? p->dst : p->src, *hi = swap ? p->src : p->dst;
    uint16_t plo = swap ? p->dport : p->sport, phi = swap ? p->sport : p->dport;
    uint64_t w[5];
    memcpy(&w[0], lo, 16);
    memcpy(&w[2], hi, 16);
    tail = (uint64_t)plo | ((uint64_t)phi << 16) | ((uint64_t)p->vlan << 32) |
           ((uint64_t)p->l4_proto << 48) | ((uint64_t)p->ip_version << 56);
    w[4] = tail;
    return (uint32_t)ntc__hash_words(w, 5, t->seed);
}

struct ntc_flow *ntc__flow_find(ntc__flow_table *t, const ntc__pkt *p, uint32_t hash, int *dir)
{
    for (struct ntc_flow *f = t->buckets[hash & t->mask]; f; f = f->hnext) {
        const ntc__flow_key *k = &f->key;
        if (f->hash != hash || k->proto != p->l4_proto || k->vlan != p->vlan ||
            k->ip_version != p->ip_version)
            continue;
        if (k->pa == p->sport && k->pb == p->dport && memcmp(k->a, p->src, 16) == 0 &&
            memcmp(k->b, p->dst, 16) == 0) {
            *dir = 0;
            return f;
        }
        if (k->pa == p->dport && k->pb == p->sport && memcmp(k->a, p->dst, 16) == 0 &&
            memcmp(k->b, p->src, 16) == 0) {
            *dir = 1;
            return f;
        }
    }
    return NULL;
}

/* Ports that identify a server when only one side uses them. */
static int is_service_port(uint16_t port)
{
    if (port == 0)
        return 0;
    if (port < 1024)
        return 1;
    switch (port) {
    case 1194: case 1433: case 1521: case 1883: case 2049: case 3128: case 3306: case 3389:
    case 3478: case 5060: case 5061: case 5222: case 5223: case 5228: case 5353: case 5355:
    case 5432: case 5900: case 6379: case 6443: case 8000: case 8008: case 8080: case 8443:
    case 8883: case 9000: case 9092: case 9200: case 11211: case 27017:
        return 1;
    default:
        return 0;
    }
}

/* 1 when the first packet's sender should be taken as the server. */
static int sender_is_server(const ntc__pkt *p)
{
    if (p->l4_proto == 6) {
        if ((p->tcp_flags & 0x12) == 0x02) /* SYN without ACK: the sender is the client */
            return 0;
        if ((p->tcp_flags & 0x12) == 0x12) /* SYN+ACK: the sender is the server */
            return 1;
    }
    if (p->l4_proto == 1 || p->l4_proto == 58) {
        /* Echo reply (ICMP 0, ICMPv6 129) comes from the server. */
        return (p->l4_proto == 1 && p->icmp_type == 0) || (p->l4_proto == 58 && p->icmp_type == 129);
    }
    return is_service_port(p->sport) && !is_service_port(p->dport);
}

static void set_lru(ntc__flow_table *t, struct ntc_flow *f, int k)
{
    if (f->lru_id != k) {
        ntc__list_remove(&t->lru[f->lru_id], &f->lru);
        f->lru_id = (uint8_t)k;
        ntc__list_push_tail(&t->lru[k], &f->lru);
    }
}

struct ntc_flow *ntc__flow_create(ntc__flow_table *t, const ntc__pkt *p, uint32_t hash,
                                  uint64_t now, int *dir)
{
    struct ntc_flow *f = calloc(1, sizeof(*f) + t->ana_size);
    if (!f)
        return NULL;
    int rev = sender_is_server(p);
    if (t->ana_size) {
        f->ana = (ntc__flow_ana *)(void *)(f + 1);
        ntc__ana_init(f->ana, &t->ana, p, rev);
    }
    ntc__flow_key *k = &f->key;
    memcpy(k->a, rev ? p->dst : p->src, 16);
    memcpy(k->b, rev ? p->src : p->dst, 16);
    k->pa = rev ? p->dport : p->sport;
    k->pb = rev ? p->sport : p->dport;
    k->vlan = p->vlan;
    k->proto = p->l4_proto;
    k->ip_version = p->ip_version;
    f->hash = hash;
    f->id = t->next_id++;
    f->first_us = f->last_us = f->last_report_us = now;
    f->tunnel = p->tunnel;
    if (p->l4_proto == 6) {
        f->tcp_state = NTC_TCP_MIDSTREAM;
        /* Until the handshake completes, a TCP flow has the short idle timeout. */
        f->lru_id = ((p->tcp_flags & 0x02) != 0) ? NTC__FLOW_LRU_SHORT : NTC__FLOW_LRU_NORMAL;
    } else {
        f->tcp_state = NTC_TCP_NONE;
        f->lru_id = NTC__FLOW_LRU_NORMAL;
    }
    f->hnext = t->buckets[hash & t->mask];
    t->buckets[hash & t->mask] = f;
    ntc__list_push_tail(&t->lru[f->lru_id], &f->lru);
    t->count++;
    t->total++;
    *dir = rev;
    return f;
}

/* Swap client and server (a SYN came from the side we had taken as the server). */
static void swap_orientation(struct ntc_flow *f)
{
    ntc__flow_key *k = &f->key;
    uint8_t tmp[16];
    memcpy(tmp, k->a, 16);
    memcpy(k->a, k->b, 16);
    memcpy(k->b, tmp, 16);
    uint16_t tp = k->pa;
    k->pa = k->pb;
    k->pb = tp;
    uint64_t t64 = f->pkts[0];
    f->pkts[0] = f->pkts[1];
    f->pkts[1] = t64;
    t64 = f->bytes[0];
    f->bytes[0] = f->bytes[1];
    f->bytes[1] = t64;
    uint8_t t8 = f->tcp_flags[0];
    f->tcp_flags[0] = f->tcp_flags[1];
    f->tcp_flags[1] = t8;
    struct ntc_host *h = f->host[0];
    f->host[0] = f->host[1];
    f->host[1] = h;
    if (f->host[0]) {
        f->host[0]->active_srv--, f->host[0]->total_srv--;
        f->host[0]->active_cli++, f->host[0]->total_cli++;
    }
    if (f->host[1]) {
        f->host[1]->active_cli--, f->host[1]->total_cli--;
        f->host[1]->active_srv++, f->host[1]->total_srv++;
    }
    /* FINs seen keep their sender. */
    uint8_t fins = f->flags & (NTC__FLOW_CLI_FIN | NTC__FLOW_SRV_FIN);
    f->flags &= (uint8_t) ~(NTC__FLOW_CLI_FIN | NTC__FLOW_SRV_FIN);
    if (fins & NTC__FLOW_CLI_FIN)
        f->flags |= NTC__FLOW_SRV_FIN;
    if (fins & NTC__FLOW_SRV_FIN)
        f->flags |= NTC__FLOW_CLI_FIN;
}

/* Idle-timeout class of a TCP state: short for flows never established, or closed. */
static int tcp_lru_class(uint8_t state)
{
    return (state == NTC_TCP_SYN_SENT || state == NTC_TCP_SYN_RCVD || state == NTC_TCP_CLOSED ||
            state == NTC_TCP_RESET)
               ? NTC__FLOW_LRU_SHORT
               : NTC__FLOW_LRU_NORMAL;
}

static void tcp_track(ntc__flow_table *t, struct ntc_flow *f, const ntc__pkt *p, int dir)
{
    uint8_t fl = p->tcp_flags;
    uint8_t st = f->tcp_state;
    if (fl & 0x04) { /* RST */
        st = NTC_TCP_RESET;
    } else if ((fl & 0x12) == 0x02 && dir == 0) {
        f->flags |= NTC__FLOW_CLI_SYN;
        if (st == NTC_TCP_MIDSTREAM && f->pkts[0] + f->pkts[1] <= 1) {
            st = NTC_TCP_SYN_SENT;
        } else if (st == NTC_TCP_CLOSED || st == NTC_TCP_RESET) {
            /* Port reuse after a close or reset: a new handshake starts. */
            st = NTC_TCP_SYN_SENT;
            f->flags &= (uint8_t) ~(NTC__FLOW_CLI_FIN | NTC__FLOW_SRV_FIN);
        }
        /* A retransmitted or stray SYN on an established flow changes nothing. */
    } else if (st == NTC_TCP_RESET) {
        /* Packets after a reset (in flight, retransmitted) leave it reset. */
    } else if ((fl & 0x12) == 0x12 && dir == 1) {
        if (st == NTC_TCP_SYN_SENT || st == NTC_TCP_MIDSTREAM)
            st = NTC_TCP_SYN_RCVD;
    } else if ((fl & 0x10) && dir == 0 && st == NTC_TCP_SYN_RCVD) {
        st = NTC_TCP_ESTABLISHED;
    } else if ((st == NTC_TCP_SYN_SENT || st == NTC_TCP_SYN_RCVD) && p->payload_len > 0 &&
               f->pkts[0] > 0 && f->pkts[1] > 0) {
        /* Part of the handshake was not captured, but data flows both ways. */
        st = NTC_TCP_ESTABLISHED;
    }
    if ((fl & 0x01) && st != NTC_TCP_RESET) { /* FIN */
        f->flags |= dir == 0 ? NTC__FLOW_CLI_FIN : NTC__FLOW_SRV_FIN;
        if ((f->flags & (NTC__FLOW_CLI_FIN | NTC__FLOW_SRV_FIN)) ==
            (NTC__FLOW_CLI_FIN | NTC__FLOW_SRV_FIN))
            st = NTC_TCP_CLOSED;
        else if (st != NTC_TCP_CLOSED)
            st = NTC_TCP_CLOSING;
    }
    f->tcp_state = st;
    /* The idle timeout follows the state, whatever packet came: a retransmitted SYN+ACK on an
     * established flow does not shorten it. */
    set_lru(t, f, tcp_lru_class(st));
}

int ntc__flow_orient(struct ntc_flow *f, const ntc__pkt *p, int *dir)
{
    if (p->l4_proto == 6 && *dir == 1 && (p->tcp_flags & 0x12) == 0x02 &&
        !(f->flags & NTC__FLOW_CLI_SYN)) {
        /* A SYN from the side taken as server: it is the client after all. */
        swap_orientation(f);
        if (f->ana)
            ntc__ana_swap(f->ana);
        *dir = 0;
        return 1;
    }
    return 0;
}

unsigned ntc__flow_update(ntc__flow_table *t, struct ntc_flow *f, const ntc__pkt *p, int d,
                          uint64_t now)
{
    unsigned ta = f->ana ? ntc__ana_packet(f->ana, p, d, now) : 0;
    f->pkts[d]++;
    f->bytes[d] += p->ip_len;
    f->tcp_flags[d] |= p->tcp_flags;
    if (p->frag)
        f->fragments++;
    if (p->l4_proto == 6)
        tcp_track(t, f, p, d);
    /* The LRU order only needs one-second precision (expiry runs on one-second ticks): move the
     * flow to the tail only when its last packet was in an earlier second. */
    if (now > f->last_us) {
        uint64_t prev_s = f->last_us / 1000000u;
        f->last_us = now;
        ntc__list *l = &t->lru[f->lru_id];
        if (prev_s != now / 1000000u && l->head.prev != &f->lru) {
            ntc__list_remove(l, &f->lru);
            ntc__list_push_tail(l, &f->lru);
        }
    }
    return ta;
}

struct ntc_flow *ntc__flow_oldest(const ntc__flow_table *t)
{
    ntc__lnode *a = ntc__list_first(&t->lru[0]), *b = ntc__list_first(&t->lru[1]);
    if (!a && !b)
        return NULL;
    if (!a)
        return NTC__CONTAINER_OF(b, struct ntc_flow, lru);
    if (!b)
        return NTC__CONTAINER_OF(a, struct ntc_flow, lru);
    struct ntc_flow *fa = NTC__CONTAINER_OF(a, struct ntc_flow, lru);
    struct ntc_flow *fb = NTC__CONTAINER_OF(b, struct ntc_flow, lru);
    return fb->last_us < fa->last_us ? fb : fa;
}

struct ntc_flow *ntc__flow_expired_head(const ntc__flow_table *t, int k, uint64_t now)
{
    ntc__lnode *n = ntc__list_first(&t->lru[k]);
    if (!n)
        return NULL;
    struct ntc_flow *f = NTC__CONTAINER_OF(n, struct ntc_flow, lru);
    return (now > f->last_us && now - f->last_us > t->idle_us[k]) ? f : NULL;
}

void ntc__flow_remove(ntc__flow_table *t, struct ntc_flow *f)
{
    struct ntc_flow **pp = &t->buckets[f->hash & t->mask];
    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
    ntc__list_remove(&t->lru[f->lru_id], &f->lru);
    for (int i = 0; i < 2; i++) {
        if (f->host[i]) {
            if (i == 0)
                f->host[i]->active_cli--;
            else
                f->host[i]->active_srv--;
        }
    }
    t->count--;
    if (f->meta && !f->dpi)
        t->meta_bytes -= f->meta->size;
    ntc__dpi_flow_release(f);
    free(f);
}

size_t ntc__flow_entry_bytes(const ntc__flow_table *t)
{
    return sizeof(struct ntc_flow) + t->ana_size + sizeof(struct ntc_flow *);
}
