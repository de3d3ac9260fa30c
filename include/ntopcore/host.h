/* libntopcore — hosts.
 *
 * A host is an IP address (per VLAN) seen in traffic. Local hosts — inside the networks of the
 * "host.local_networks" key, or addresses of a live capture interface (the system host) — keep full
 * statistics and their MAC address; remote hosts keep only the minimum (bytes, packets, flows).
 * Hosts idle longer than host.local_idle_timeout / host.remote_idle_timeout are purged, but never
 * while one of their flows is still active.
 *
 * Hosts are owned by the engine; a `const ntc_host *` is valid during the callback that received it
 * or while the snapshot it came from is held. Accessors only read and may run on any thread that
 * validly holds the pointer.
 */
#ifndef NTOPCORE_HOST_H
#define NTOPCORE_HOST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque host. */
typedef struct ntc_host ntc_host;

/** Host counters. Output struct: set `size` to sizeof(ntc_host_info) before ntc_host_get_info(). */
typedef struct ntc_host_info {
    size_t size;                  /**< set by the caller */
    uint8_t ip_version;           /**< 4 or 6 */
    uint8_t is_local;             /**< 1 for a local host */
    uint8_t is_system;            /**< 1 for an address of a live capture interface */
    uint8_t has_mac;              /**< 1 when `mac` is known (local hosts on Ethernet links) */
    uint16_t vlan;                /**< VLAN id, 0 if untagged */
    uint8_t addr[16];             /**< address, network byte order (IPv4 in the first 4 bytes) */
    uint8_t mac[6];               /**< last source MAC seen for this host (local hosts only) */
    uint64_t packets_sent;
    uint64_t bytes_sent;          /**< IP bytes */
    uint64_t packets_rcvd;
    uint64_t bytes_rcvd;          /**< IP bytes */
    uint64_t first_us;            /**< first seen, microseconds since the epoch */
    uint64_t last_us;             /**< last seen */
    uint32_t active_flows_as_client;
    uint32_t active_flows_as_server;
    uint64_t total_flows_as_client;
    uint64_t total_flows_as_server;
    /* Local hosts only (0 for remote hosts, which keep the minimum): index [0] is what the host
     * sent, [1] what it received. TCP health comes from flow analytics ("flow.analytics"). */
    uint64_t tcp_retransmissions[2];
    uint64_t tcp_out_of_order[2];
    uint64_t tcp_lost_segments[2]; /**< segments after a gap (earlier data not captured) */
    uint64_t tcp_zero_windows[2];
    uint64_t tcp_keepalives[2];
    double bps[2], pps[2];        /**< throughput over the last whole second of packet time, as
                                       of the engine clock when the host was last handed out */
    double peak_bps[2], peak_pps[2]; /**< highest one-second throughput */
    uint64_t upload_bytes;        /**< IP bytes sent to hosts outside the local networks */
    uint64_t download_bytes;      /**< IP bytes received from hosts outside the local networks */
} ntc_host_info;

/** Fill `out` (size set by the caller). Returns 0, or NTC_EINVAL. */
int ntc_host_get_info(const ntc_host *host, ntc_host_info *out);

#ifdef __cplusplus
}
#endif
#endif
