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
