/* libntopcore — interface statistics.
 *
 * One engine keeps one set of interface counters over all its sources. Interface totals count
 * whole frames as captured on the wire (original length); per-protocol counters count IP bytes.
 * Packets that cannot be decoded are counted by reason (ntc_decode_error) and otherwise skipped.
 *
 * Thread-safety: ntc_iface_stats is a plain output struct; see engine.h for who may fill it.
 */
#ifndef NTOPCORE_IFACE_H
#define NTOPCORE_IFACE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Reasons a packet was not fully decoded. Append-only. */
typedef enum ntc_decode_error {
    NTC_DECODE_TRUNCATED_L2 = 0,    /**< frame shorter than its link-layer header(s) */
    NTC_DECODE_TRUNCATED_IP = 1,    /**< captured bytes end inside the IP header */
    NTC_DECODE_BAD_IP_VERSION = 2,  /**< IP version field neither 4 nor 6 where IP was announced */
    NTC_DECODE_BAD_IPV4_IHL = 3,    /**< IPv4 header length below 20 bytes */
    NTC_DECODE_BAD_IP_LENGTH = 4,   /**< IP total/payload length smaller than the header, or larger
                                         than the frame on the wire */
    NTC_DECODE_IPV6_EXT_LIMIT = 5,  /**< too many or truncated IPv6 extension headers */
    NTC_DECODE_TRUNCATED_L4 = 6,    /**< captured bytes end inside the TCP/UDP/ICMP header */
    NTC_DECODE_BAD_TCP_HEADER = 7,  /**< TCP data offset below 20 bytes */
    NTC_DECODE_TOO_DEEP = 8,        /**< too many nested VLAN/MPLS labels or tunnels */
    NTC_DECODE_BAD_TUNNEL = 9,      /**< malformed GRE/GTP-U/VXLAN header */
    NTC_DECODE_UNKNOWN_LINKTYPE = 10, /**< the source's link type is not supported */
    NTC_DECODE_FRAG_DROPPED = 11,   /**< fragment table full: a first fragment could not be kept */
    NTC_DECODE_ERROR_COUNT = 12     /**< number of reasons (grows when reasons are appended) */
} ntc_decode_error;

/** Capacity of ntc_iface_stats.decode_errors; larger than NTC_DECODE_ERROR_COUNT so that reasons
 * can be appended without changing the struct. */
#define NTC_DECODE_ERROR_SLOTS 32

/** Short name of a decode error reason ("truncated-l2", ...). Static string, never NULL. */
const char *ntc_decode_error_name(int reason);

/** Interface counters. Output struct: set `size` to sizeof(ntc_iface_stats) before asking. */
typedef struct ntc_iface_stats {
    size_t size;                   /**< set by the caller */
    uint64_t packets;              /**< every frame given to the engine */
    uint64_t bytes;                /**< whole frames, original (wire) length */
    uint64_t ip_packets;           /**< frames that carried IPv4 or IPv6 and were decoded */
    uint64_t ip_bytes;             /**< IP bytes of those (outermost IP header's length) */
    uint64_t nonip_packets;        /**< frames without IP (ARP, STP, LLC, ...) */
    uint64_t nonip_bytes;          /**< whole-frame bytes of those */
    uint64_t ipv4_packets, ipv6_packets;
    uint64_t tcp_packets, tcp_bytes;   /**< IP bytes of TCP packets */
    uint64_t udp_packets, udp_bytes;
    uint64_t icmp_packets, icmp_bytes; /**< ICMP and ICMPv6 */
    uint64_t other_l4_packets, other_l4_bytes;
    uint64_t fragments;            /**< IP fragments seen (first and later) */
    uint64_t tunnelled_packets;    /**< packets decoded through a tunnel */
    uint64_t vlan_packets;         /**< packets with at least one VLAN tag */
    uint64_t mpls_packets;         /**< packets with an MPLS label stack */
    uint64_t pppoe_packets;        /**< PPPoE session packets */
    uint64_t decode_errors_total;  /**< sum of decode_errors[] */
    uint64_t decode_errors[NTC_DECODE_ERROR_SLOTS]; /**< by ntc_decode_error */
    uint64_t kernel_received;      /**< live capture: packets the kernel saw (sum over sources) */
    uint64_t kernel_dropped;       /**< live capture: packets the kernel dropped (buffer full) */
    uint64_t ifdrops;              /**< live capture: packets dropped by the interface/driver */
    uint64_t flows_active;         /**< flows in the table now */
    uint64_t flows_total;          /**< flows created since start */
    uint64_t flows_expired;        /**< flows removed by idle timeout */
    uint64_t flows_evicted;        /**< flows removed because flow.max was reached */
    uint64_t hosts_active;         /**< hosts in the table now */
    uint64_t hosts_local;          /**< of which local */
    uint64_t hosts_total;          /**< hosts created since start */
    uint64_t hosts_purged;         /**< hosts removed by idle timeout */
    uint64_t hosts_evicted;        /**< hosts removed because host.max was reached */
    uint64_t hosts_not_created;    /**< host.max reached and no idle host could be evicted */
    double bps, pps;               /**< throughput over the last whole second of packet time */
    double peak_bps, peak_pps;     /**< highest one-second throughput seen */
    uint64_t first_us;             /**< time of the first packet (0 if none) */
    uint64_t last_us;              /**< time of the last packet, or the clock's last advance */
    uint64_t uptime_us;            /**< last_us - first_us */
    uint64_t flow_bytes;           /**< memory used by one flow entry (struct + index share) */
    uint64_t host_bytes;           /**< memory used by one host entry */
    uint64_t memory_bytes;         /**< memory held by the flow and host tables now, including the
                                        DPI state of flows still being inspected */
    uint64_t flows_inspecting;     /**< flows whose application is still being inspected */
    uint64_t dpi_state_bytes;      /**< extra memory of one flow while it is inspected (freed when
                                        its verdict is final) */
    uint64_t clock_resyncs;        /**< packets so far behind the clock (engine.clock_resync) that
                                        the clock restarted from them, ending the older flows */
    /* TCP health over all flows (flow analytics, "flow.analytics"); see ntc_flow_analytics. */
    uint64_t tcp_retransmissions;
    uint64_t tcp_out_of_order;
    uint64_t tcp_lost_segments;
    uint64_t tcp_zero_windows;
    uint64_t tcp_keepalives;
    uint64_t flows_collected;      /**< flow records ingested (collectors, ntc_engine_ingest_flow) */
    uint64_t collect_messages;     /**< datagrams and ZMQ messages the collectors accepted */
    uint64_t collect_errors;       /**< malformed messages or records, counted and skipped */
    uint64_t collect_lost;         /**< messages (records for NetFlow v5) that the exporters'
                                        sequence numbers or ZMQ msg_ids say were lost */
    uint64_t collect_no_template;  /**< data sets skipped: their template was not (yet) known */
    uint64_t collect_refused;      /**< templates, exporters or ZMQ sources not kept because a
                                        collect.* limit was reached (their data is skipped) */
} ntc_iface_stats;

#ifdef __cplusplus
}
#endif
#endif
