/* libntopcore — flows.
 *
 * A flow is the set of packets sharing VLAN, L4 protocol, the two addresses and the two ports, in
 * both directions. The client is the side that sent the TCP SYN; without a SYN, the sender of the
 * first packet, corrected when only the other side uses a well-known port (< 1024, or a common
 * service port) and the sender does not. ICMP echo flows use the echo identifier as both ports; other
 * ICMP messages use port 0. "Client to server" is the IN direction of flow records (IN_PKTS), server
 * to client the OUT direction. Bytes are IP bytes: the IP header and everything after it, taken from
 * the IP length field of the innermost IP header (for tunnelled traffic, the inner packet).
 *
 * Flows are owned by the engine. A `const ntc_flow *` is valid only during the callback that
 * received it (flow end, foreach), or as long as the snapshot it came from is held.
 * Thread-safety: the accessors below only read; they may run on any thread that validly holds the
 * pointer.
 */
#ifndef NTOPCORE_FLOW_H
#define NTOPCORE_FLOW_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque flow. */
typedef struct ntc_flow ntc_flow;

/** TCP connection state of a flow (NTC_TCP_NONE for non-TCP flows). */
typedef enum ntc_tcp_state {
    NTC_TCP_NONE = 0,        /**< not a TCP flow */
    NTC_TCP_SYN_SENT = 1,    /**< SYN seen, no SYN+ACK yet */
    NTC_TCP_SYN_RCVD = 2,    /**< SYN+ACK seen, handshake not completed */
    NTC_TCP_ESTABLISHED = 3, /**< three-way handshake seen, or data seen in both directions */
    NTC_TCP_CLOSING = 4,     /**< FIN seen from one side */
    NTC_TCP_CLOSED = 5,      /**< FIN seen from both sides */
    NTC_TCP_RESET = 6,       /**< RST seen */
    NTC_TCP_MIDSTREAM = 7    /**< no handshake seen (capture started mid-connection) */
} ntc_tcp_state;

/** Why a flow was reported through the flow-end callback. */
typedef enum ntc_flow_end_reason {
    NTC_FLOW_END_IDLE = 1,    /**< idle longer than its idle timeout */
    NTC_FLOW_END_ACTIVE = 2,  /**< active timeout: the flow goes on; counters are cumulative */
    NTC_FLOW_END_EVICTED = 3, /**< removed to make room (flow.max reached) */
    NTC_FLOW_END_FLUSH = 4    /**< end of input, or ntc_engine_flush() */
} ntc_flow_end_reason;

/** Tunnel the flow was carried in (its outermost encapsulation), if any. */
typedef enum ntc_tunnel {
    NTC_TUNNEL_NONE = 0,
    NTC_TUNNEL_IPIP = 1,   /**< IPv4 or IPv6 inside IPv4 or IPv6 (includes 6in4) */
    NTC_TUNNEL_GRE = 2,
    NTC_TUNNEL_GTPU = 3,
    NTC_TUNNEL_VXLAN = 4,
    NTC_TUNNEL_CAPWAP = 5  /**< CAPWAP data channel (wireless access points) */
} ntc_tunnel;

/** Flow counters and key. An output struct: set `size` to sizeof(ntc_flow_info) before calling
 * ntc_flow_get_info(); fields past `size` are not written, so old callers keep working when fields
 * are appended. Addresses are in network byte order; IPv4 addresses use the first 4 bytes. */
typedef struct ntc_flow_info {
    size_t size;                 /**< set by the caller */
    uint64_t id;                 /**< engine-unique flow serial number, from 1 */
    uint8_t ip_version;          /**< 4 or 6 */
    uint8_t l4_proto;            /**< IP protocol number (6 TCP, 17 UDP, 1 ICMP, ...) */
    uint16_t vlan;               /**< innermost 802.1Q/802.1ad VLAN id, 0 if untagged */
    uint8_t cli_addr[16];        /**< client address */
    uint8_t srv_addr[16];        /**< server address */
    uint16_t cli_port;           /**< client port (host byte order) */
    uint16_t srv_port;           /**< server port (host byte order) */
    uint64_t cli2srv_packets;    /**< IN_PKTS */
    uint64_t cli2srv_bytes;      /**< IN_BYTES (IP bytes) */
    uint64_t srv2cli_packets;    /**< OUT_PKTS */
    uint64_t srv2cli_bytes;      /**< OUT_BYTES (IP bytes) */
    uint64_t first_us;           /**< time of the first packet, microseconds since the epoch */
    uint64_t last_us;            /**< time of the last packet */
    uint8_t cli_tcp_flags;       /**< OR of the TCP flags sent by the client */
    uint8_t srv_tcp_flags;       /**< OR of the TCP flags sent by the server */
    uint8_t tcp_state;           /**< ntc_tcp_state */
    uint8_t tunnel;              /**< ntc_tunnel */
    uint32_t fragments;          /**< IP fragments counted in this flow (both directions) */
} ntc_flow_info;

/** Fill `out` (whose `size` field the caller set) with the flow's key and counters.
 * Returns 0, or NTC_EINVAL for NULL arguments or a `size` smaller than the first fields. */
int ntc_flow_get_info(const ntc_flow *flow, ntc_flow_info *out);

/** Connection state in Zeek's terms (conn.log `conn_state`), from the TCP flags each side sent:
 * a shared vocabulary for SIEM rules. For UDP: S0 (only the client sent), SF (both sent), SHR
 * (only the server sent). Other protocols: OTH. */
typedef enum ntc_conn_state {
    NTC_CONN_OTH = 0,    /**< no SYN seen (mid-stream), or not TCP/UDP */
    NTC_CONN_S0 = 1,     /**< connection attempt seen, no reply */
    NTC_CONN_S1 = 2,     /**< established, not terminated */
    NTC_CONN_SF = 3,     /**< normal establishment and termination */
    NTC_CONN_REJ = 4,    /**< connection attempt rejected (reset) */
    NTC_CONN_S2 = 5,     /**< established, close attempt by the client only */
    NTC_CONN_S3 = 6,     /**< established, close attempt by the server only */
    NTC_CONN_RSTO = 7,   /**< established, the client aborted (RST) */
    NTC_CONN_RSTR = 8,   /**< the server sent a RST */
    NTC_CONN_RSTOS0 = 9, /**< the client sent a SYN then a RST; no SYN-ACK from the server */
    NTC_CONN_RSTRH = 10, /**< the server sent a SYN-ACK then a RST; no SYN from the client */
    NTC_CONN_SH = 11,    /**< the client sent a SYN then a FIN; no SYN-ACK from the server */
    NTC_CONN_SHR = 12    /**< the server sent a SYN-ACK then a FIN (UDP: only the server sent) */
} ntc_conn_state;

/** What APPL_LATENCY measured. */
typedef enum ntc_appl_latency_kind {
    NTC_APPL_LATENCY_NONE = 0,
    NTC_APPL_LATENCY_HTTP = 1, /**< end of the first HTTP request -> first byte of its response */
    NTC_APPL_LATENCY_DNS = 2   /**< first DNS query -> the answer with its transaction id */
} ntc_appl_latency_kind;

/** Flow analytics (config "flow.analytics", on by default): TCP health, latency, throughput,
 * connection state, packet size and inter-arrival statistics. An output struct: set `size`.
 * Index [0] is client->server (IN), [1] server->client (OUT).
 *
 * TCP health follows Wireshark's expert analysis, per direction: a retransmission is a segment
 * with data (or SYN/FIN) that does not advance the sequence (fast and spurious retransmissions
 * included); an out-of-order segment is one that does not advance it but comes within the
 * handshake round-trip time (3 ms without handshake) of the highest one; a lost segment starts past
 * the highest sequence seen (the segments in between were not captured); zero windows, keep-alives
 * and duplicate ACKs are counted as Wireshark flags them.
 *
 * Latencies come from the capture point: server network latency is SYN -> SYN/ACK (the last SYN
 * if it was sent again), client network latency SYN/ACK -> the client's ACK; their sum is the
 * handshake round-trip time. Values above "flow.max_latency_ms" are dropped (0). 0 means unknown. */
typedef struct ntc_flow_analytics {
    size_t size;                  /**< set by the caller */
    uint8_t available;            /**< 0 when flow.analytics is off: the fields below are 0 */
    uint8_t conn_state;           /**< ntc_conn_state */
    uint8_t appl_latency_kind;    /**< ntc_appl_latency_kind */
    uint8_t first_count;          /**< packets ntc_flow_first_packets() returns */
    uint32_t retransmissions[2];
    uint32_t out_of_order[2];
    uint32_t lost_segments[2];
    uint32_t zero_windows[2];
    uint32_t keepalives[2];
    uint32_t duplicate_acks[2];
    uint32_t server_nw_latency_us; /**< SYN -> SYN/ACK */
    uint32_t client_nw_latency_us; /**< SYN/ACK -> ACK */
    uint32_t appl_latency_us;      /**< see ntc_appl_latency_kind */
    uint32_t tls_handshake_us;     /**< ClientHello -> the client's first ChangeCipherSpec or
                                        application-data record after the server answered */
    double bps[2], pps[2];         /**< throughput over the last whole second of packet time
                                        (0 when the flow was idle then) */
    double peak_bps[2], peak_pps[2]; /**< highest one-second throughput */
    uint32_t len_min[2], len_max[2]; /**< packet sizes (IP bytes) */
    double len_mean[2], len_stddev[2];
    uint64_t iat_min_us[2], iat_max_us[2]; /**< time between packets of the same direction */
    double iat_mean_us[2], iat_stddev_us[2];
    char history[32];             /**< Zeek's `history`: letters for what each side did, upper case
                                       for the client (S SYN, H SYN-ACK, A ACK, D data, F FIN,
                                       R RST, T retransmission, W zero window, G gap, Q/I odd
                                       flags; T/W/G again at 10, 100, 1000 ...) */
    char community_id[32];        /**< Community ID v1 ("1:" + base64 SHA-1), seed
                                       "flow.community_id_seed"; "" when analytics are off */
} ntc_flow_analytics;

/** Fill `out` (size set by the caller) with the flow's analytics. Throughput is as of the engine
 * clock when the flow was last handed out (flow_end, foreach, snapshot). Returns 0 or NTC_EINVAL. */
int ntc_flow_get_analytics(const ntc_flow *flow, ntc_flow_analytics *out);

/** One of the first packets of a flow ("flow.first_packets", default 10). */
typedef struct ntc_packet_sample {
    uint32_t iat_us;    /**< time since the flow's previous packet (0 for the first) */
    uint16_t ip_len;    /**< IP bytes */
    uint8_t direction;  /**< 0 client->server, 1 server->client */
    uint8_t reserved;
} ntc_packet_sample;

/** Copy up to `max` of the flow's first packets into `out`; returns how many were copied (0 when
 * analytics are off). */
size_t ntc_flow_first_packets(const ntc_flow *flow, ntc_packet_sample *out, size_t max);

/** The flow's state in words for a person: "established", "closed normally",
 * "connection refused: the server reset it (application probably down)", "handshake
 * incomplete: no reply from the server", ... Static string, never NULL. */
const char *ntc_flow_state_text(const ntc_flow *flow);

/** Zeek name of a connection state ("S0", "SF", "REJ", ...). Static string, never NULL. */
const char *ntc_conn_state_name(int state);

/** Short name of a TCP state ("ESTABLISHED", ...). Static string, never NULL. */
const char *ntc_tcp_state_name(int state);

/** Short name of a tunnel type ("GRE", ...; "" for none). Static string, never NULL. */
const char *ntc_tunnel_name(int tunnel);

/** Short name of a flow end reason ("idle", "active", "evicted", "flush"). Static, never NULL. */
const char *ntc_flow_end_reason_name(int reason);

#ifdef __cplusplus
}
#endif
#endif
