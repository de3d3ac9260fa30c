/* Private: per-flow analytics (TCP health after Wireshark's expert analysis, handshake and
 * application latency, throughput, Zeek conn_state/history, packet size and inter-arrival
 * statistics, the first packets). The block lives in the same allocation as its flow, right after
 * it, when flow.analytics is on; f->ana is NULL otherwise. */
#ifndef NTC_LIB_FLOW_ANALYTICS_H
#define NTC_LIB_FLOW_ANALYTICS_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"

struct ntc_flow;

/** Settings, from the configuration, fixed for the life of a flow table. */
typedef struct ntc__ana_cfg {
    uint8_t enabled;
    uint8_t first_max;          /* flow.first_packets */
    uint16_t cid_seed;          /* flow.community_id_seed */
    uint32_t max_latency_us;    /* flow.max_latency_ms */
} ntc__ana_cfg;

/** Sequence analysis of one direction (Wireshark's tcp_analyze_seq_info, reduced). */
typedef struct ntc__tcp_dir {
    uint32_t nextseq;           /* highest seq + len seen (0: none yet) */
    uint32_t lastack;           /* last ACK number this direction sent */
    uint32_t window;            /* last window this direction advertised (raw) */
    uint32_t isn;               /* sequence number of this direction's first SYN */
    uint64_t nextseq_us;        /* when nextseq last moved */
    uint64_t lastack_us;        /* when lastack was sent */
    int32_t dupacks;            /* duplicate ACKs in a row */
    uint8_t lastflags;          /* NTC__TA_* of this direction's last segment */
    uint8_t has_isn;
    uint8_t zstate;             /* Zeek endpoint state */
    uint8_t has_next;           /* nextseq holds a sequence number (0 is one too) */
    uint16_t hist_bits;         /* Zeek history letters already given */
    uint16_t pad2;
    uint32_t hist_rexmit;       /* retransmissions with payload (Zeek's T, log scale) */
    uint32_t hist_syn, hist_fin, hist_rst; /* sequence of the last SYN/FIN/RST (history repeats) */
} ntc__tcp_dir;

/** What the analysis found in one packet (for the host and interface roll-ups). */
enum {
    NTC__TA_RETRANS = 1, NTC__TA_OOO = 2, NTC__TA_LOST = 4, NTC__TA_ZERO_WIN = 8,
    NTC__TA_KEEPALIVE = 16, NTC__TA_DUPACK = 32, NTC__TA_ZWP = 64
};

typedef struct ntc__pkt_sample {
    uint32_t iat_us;
    uint16_t len;
    uint8_t dir;
    uint8_t pad;
} ntc__pkt_sample;

typedef struct ntc__flow_ana {
    /* per direction: sizes and inter-arrival times */
    struct {
        uint64_t first_us, last_us;
        uint32_t iat_min, iat_max;
        uint16_t len_min, len_max;
        uint32_t pad;
        double len_sq, iat_sq;
    } d[2];
    /* throughput: accumulation for second tp_sec, the rate of the second before it, the peak */
    uint32_t tp_sec;
    uint32_t tp_bytes[2], tp_pkts[2];
    uint32_t last_bytes[2], last_pkts[2];
    uint32_t peak_bytes[2], peak_pkts[2];
    /* TCP health */
    ntc__tcp_dir seq[2];
    uint32_t retrans[2], ooo[2], lost[2], zwin[2], keepalive[2], dupack[2];
    /* latency */
    uint64_t syn_us;            /* last SYN without ACK (Wireshark's ts_mru_syn) */
    uint64_t synack_us;         /* first SYN+ACK after it */
    uint32_t irtt_us;           /* handshake RTT as Wireshark measures it (out-of-order threshold) */
    uint32_t srv_lat_us, cli_lat_us;
    uint32_t appl_lat_us;
    uint64_t req_us;            /* HTTP: last request segment; DNS: the query */
    uint64_t tls_hello_us;
    uint32_t tls_hs_us;
    uint16_t dns_id;
    uint8_t appl_state;         /* 0 none, 1 HTTP request seen, 2 DNS query seen, 3 done */
    uint8_t appl_kind;          /* ntc_appl_latency_kind */
    uint8_t tls_state;          /* 0 none, 1 ClientHello seen, 2 server answered, 3 done */
    uint8_t icmp_type, icmp_code, icmp_dir; /* first ICMP message (Community ID) */
    uint8_t udp_seen;           /* bit d: direction d sent a packet (UDP conn_state) */
    uint8_t hist_len;
    uint8_t first_n, first_max;
    uint16_t cid_seed;
    uint32_t max_latency_us;
    uint64_t prev_us;           /* the flow's previous packet (first-packet inter-arrival) */
    char hist[32];
    ntc__pkt_sample first[];    /* first_max entries */
} ntc__flow_ana;

/** Bytes of the analytics block for these settings (0 when disabled). */
size_t ntc__ana_size(const ntc__ana_cfg *c);

/** Initialise the block of a new flow (its first packet not yet accounted). */
void ntc__ana_init(ntc__flow_ana *a, const ntc__ana_cfg *c, const ntc__pkt *p, int dir);

/** Start over the TCP sequence analysis and handshake timing (a new connection reuses the ports). */
void ntc__ana_tcp_reset(ntc__flow_ana *a);

/** Account one packet going in direction dir at `now`; returns NTC__TA_* bits (TCP only). */
unsigned ntc__ana_packet(ntc__flow_ana *a, const ntc__pkt *p, int dir, uint64_t now);

/** Client and server swapped (a late SYN): swap everything kept per direction. */
void ntc__ana_swap(ntc__flow_ana *a);

/** Close the throughput seconds that ended before `now`. */
void ntc__ana_settle(ntc__flow_ana *a, uint64_t now);

/** Zeek conn_state of the flow (proto is the flow's L4 protocol). */
int ntc__ana_conn_state(const ntc__flow_ana *a, int proto);

/** Community ID v1 of the flow into out (at least 32 bytes); "" when it cannot be computed. */
void ntc__community_id(const struct ntc_flow *f, char *out, size_t outlen);

#endif
