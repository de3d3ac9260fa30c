/* libntopcore — the engine.
 *
 * An engine owns one flow table, one host table and one set of interface counters, and runs on
 * one thread. It is fed either by sources it opens itself (capture files, live interfaces, flow
 * collectors) and drives with ntc_engine_poll()/ntc_engine_run(), or packet by packet by the
 * embedding program with ntc_engine_ingest() (flow by flow with ntc_engine_ingest_flow()). Time is packet time: idle timeouts and rates run on packet timestamps, so a
 * capture file replays as it was lived; with live sources the clock also advances on idle with the
 * wall clock. Housekeeping (expiry, purge, throughput, snapshots) runs on one-second ticks.
 *
 * Thread-safety model: every function here must be called from the engine's thread (the thread that
 * calls poll/run/ingest), except ntc_engine_stop(), ntc_engine_snapshot_acquire(),
 * ntc_snapshot_*() and ntc_snapshot_release(), which may be called from any thread. Callbacks run on
 * the engine thread, during poll/run/ingest/flush. Other threads read the engine through snapshots:
 * immutable, reference-counted copies of the interface counters and of (some of) the flows and
 * hosts, published by the engine thread at most once per tick when a reader has asked for one.
 * Readers never stall capture: publishing swaps a pointer under a lock held for a few instructions.
 */
#ifndef NTOPCORE_ENGINE_H
#define NTOPCORE_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "config.h"
#include "flow.h"
#include "host.h"
#include "iface.h"
#include "l7.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque engine handle. */
typedef struct ntc_engine ntc_engine;

/** Link types for ntc_engine_ingest(). The values are the standard LINKTYPE_ numbers of the pcap
 * and pcapng file formats. libpcap's pcap_datalink() returns DLT_ values, which are the same
 * numbers except raw IP: DLT_RAW (12, or 14 on some systems) is also accepted as raw IP. */
typedef enum ntc_linktype {
    NTC_LINKTYPE_NULL = 0,        /**< BSD loopback: 4-byte address family, host byte order */
    NTC_LINKTYPE_ETHERNET = 1,    /**< Ethernet II / 802.3 */
    NTC_LINKTYPE_RAW = 101,       /**< raw IPv4 or IPv6, no link header */
    NTC_LINKTYPE_LOOP = 108,      /**< OpenBSD loopback: address family in network byte order */
    NTC_LINKTYPE_LINUX_SLL = 113, /**< Linux cooked capture v1 */
    NTC_LINKTYPE_IPV4 = 228,      /**< raw IPv4 */
    NTC_LINKTYPE_IPV6 = 229,      /**< raw IPv6 */
    NTC_LINKTYPE_LINUX_SLL2 = 276 /**< Linux cooked capture v2 */
} ntc_linktype;

/** Log levels for the log callback. */
typedef enum ntc_log_level {
    NTC_LOG_ERROR = 0,
    NTC_LOG_WARNING = 1,
    NTC_LOG_INFO = 2,
    NTC_LOG_DEBUG = 3
} ntc_log_level;

/** Periodic ticks, in packet time (wall time when live sources are idle). */
typedef enum ntc_tick {
    NTC_TICK_SECOND = 1,
    NTC_TICK_MINUTE = 2,
    NTC_TICK_FIVE_MINUTES = 3,
    NTC_TICK_HOUR = 4,
    NTC_TICK_DAY = 5
} ntc_tick;

/** Version of ntc_callbacks this header describes. Version 1 has flow_end, host_end, tick and log;
 * version 2 appends packet and flow_verdict; version 3 appends alert. A table of an older version
 * is still accepted (only the members it has are read). */
#define NTC_CALLBACKS_VERSION 3

/** Callback table. Set `version` to NTC_CALLBACKS_VERSION; members may be NULL. The table is
 * copied by ntc_engine_set_callbacks(). Every callback runs on the engine thread, during
 * ntc_engine_poll/run/ingest/advance/flush. The pointers they receive are valid only until the
 * callback returns. A callback must not free the engine; the engine functions that change or walk
 * its tables (ingest, poll, run, advance, flush, open_*, foreach_flow/host) return NTC_ESTATE
 * when called from one of its callbacks (or from a foreach function); reading functions
 * (ntc_engine_get_iface_stats, ntc_engine_snapshot_publish, ntc_engine_foreach_app, the flow/host
 * accessors) may be used. Exception: the tick callback may walk the tables with
 * ntc_engine_foreach_flow() and ntc_engine_foreach_host() (not nested), as periodic scripts do. */
typedef struct ntc_callbacks {
    uint32_t version;
    /** A flow ended (idle, evicted, flushed) or reached its active timeout (it then goes on). */
    void (*flow_end)(void *user, const ntc_flow *flow, ntc_flow_end_reason reason);
    /** A host is being removed (idle purge, eviction, or engine free). */
    void (*host_end)(void *user, const ntc_host *host);
    /** A tick boundary was crossed. now_us is the engine clock. */
    void (*tick)(void *user, ntc_tick tick, uint64_t now_us);
    /** A log message. The library never prints; without this callback messages are dropped. */
    void (*log)(void *user, ntc_log_level level, const char *message);

    /* ---- since version 2 ---- */

    /** Every packet the engine is given (after the capture filter), called once the engine has
     * accounted it. `flow` is the packet's flow, whose counters already include this packet, or
     * NULL for a frame that belongs to no flow (non-IP, malformed, unknown link type, or a flow
     * that could not be allocated). `dir` is 0 client to server, 1 server to client, -1 without a
     * flow. `ts_us` is the packet's own timestamp, `linktype` its ntc_linktype (DLT_RAW reported
     * as NTC_LINKTYPE_RAW), `data` the whole frame as captured (link header included), `caplen`
     * its bytes, `wirelen` its original length (>= caplen). When this packet completed the flow's
     * classification, flow_verdict has already been called for it. Without this member the
     * per-packet path costs nothing more. */
    void (*packet)(void *user, const ntc_flow *flow, int dir, uint64_t ts_us, int linktype,
                   const uint8_t *data, uint32_t caplen, uint32_t wirelen);
    /** A flow's application verdict became final: ntc_flow_get_l7() no longer says
     * NTC_L7_PENDING (verdict from the packets, a give-up, or the flow ending). Called once per
     * flow, before its flow_end; for flows not inspected (dpi.enable false) when the flow is
     * created, before its first packet is accounted. */
    void (*flow_verdict)(void *user, const ntc_flow *flow);

    /* ---- since version 3 ---- */

    /** An alert was raised (engaged, released, or a one-off event); see alert.h.
     * ntc_alert_dup() keeps a copy beyond the call. */
    void (*alert)(void *user, const ntc_alert *alert);
} ntc_callbacks;

/** Create an engine from `cfg` (copied; NULL means all defaults). On success *out holds the engine
 * and 0 is returned. On failure a negative code is returned and *out is either NULL, or an engine
 * kept only so that ntc_engine_errmsg() can say what went wrong (e.g. a dpi.protocols_file that
 * cannot be read): free it with ntc_engine_free() either way.
 * With DPI enabled, do not create engines from several threads at the same moment: nDPI 4.2's
 * initialisation is not thread-safe. Running engines on several threads is fine. */
int ntc_engine_new(ntc_engine **out, const ntc_config *cfg);

/** Free an engine, its sources and tables. No callback runs (call ntc_engine_flush() first to get
 * the remaining flows). Snapshots still held by readers stay valid until released.
 * ntc_engine_free(NULL) is a no-op. */
void ntc_engine_free(ntc_engine *eng);

/** Message describing the engine's last error ("" if none). Borrowed until the next call. */
const char *ntc_engine_errmsg(const ntc_engine *eng);

/** Install callbacks (copied) with their user pointer. cb NULL removes them. NTC_EINVAL when
 * cb->version is 0 or newer than this library knows. Only the members of cb->version are read,
 * so a table written for an older version may be shorter than today's ntc_callbacks. */
int ntc_engine_set_callbacks(ntc_engine *eng, const ntc_callbacks *cb, void *user);

/** Feed one packet captured by the caller. `ts_us` is its time in microseconds since the epoch,
 * `caplen` the bytes present in `data`, `wirelen` its original length (>= caplen; 0 means caplen).
 * The data is only read during the call. Returns 0 (also when the packet was counted as malformed
 * or non-IP), NTC_ENOTSUP for an unknown link type (counted too), NTC_EINVAL for bad arguments,
 * NTC_ENOMEM when a new flow could not be allocated (the packet is counted at interface level). */
int ntc_engine_ingest(ntc_engine *eng, int linktype, uint64_t ts_us, const uint8_t *data,
                      uint32_t caplen, uint32_t wirelen);

/** Open a capture file (pcap or pcapng) as a source. Several files are read merged in time order.
 * The BPF filter of "capture.filter" applies. The error message names the file. */
int ntc_engine_open_file(ntc_engine *eng, const char *path);

/** Open a live interface (libpcap) as a source, non-blocking, with "capture.snaplen",
 * "capture.promisc", "capture.buffer_mb" and "capture.filter". Its addresses become local
 * ("system") hosts. Usually needs root or CAP_NET_RAW. */
int ntc_engine_open_live(ntc_engine *eng, const char *ifname);

/** Number of sources opened and still delivering packets. */
int ntc_engine_source_count(const ntc_engine *eng);

/** Process what the sources have: waits at most timeout_ms (0: do not wait, -1: wait until there
 * are packets) on live sources, then reads up to a batch from each. Returns the number of packets
 * processed (>= 0), NTC_EOF when no source is left, or an error from a source (the source is then
 * closed and the others go on; ntc_engine_errmsg() says which one and how far it got). */
int ntc_engine_poll(ntc_engine *eng, int timeout_ms);

/* Paced replay: with "capture.replay_speed" = P (percent, 0 by default), capture files are not read
 * as fast as possible but at P % of their recorded pace (100: real time, 1000: ten times faster):
 * the first packet is due at once, each later one when the wall time elapsed since then, times
 * P / 100, reaches its distance in packet time from the first. While the replay waits, poll/run sleep
 * (at most timeout_ms; run wakes every 100 ms to check ntc_engine_stop()) and the engine clock
 * follows the paced time, so ticks and snapshots happen during gaps of the capture as when it was
 * recorded. Live sources are not affected. */

/** Poll until every source has finished, ntc_engine_stop() is called, or max_packets packets have
 * been processed (0: no limit). Returns 0, or the first source error (after reading the others). */
int ntc_engine_run(ntc_engine *eng, uint64_t max_packets);

/** Ask a running ntc_engine_run() to return soon. Safe from any thread and from signal handlers. */
void ntc_engine_stop(ntc_engine *eng);

/** Advance the engine clock to now_us (if later) and run the housekeeping it makes due: expiry of
 * idle flows and hosts, ticks. For embedders whose own capture is idle. */
int ntc_engine_advance(ntc_engine *eng, uint64_t now_us);

/** End every flow (flow_end with NTC_FLOW_END_FLUSH), then purge every host (host_end). Counters of
 * the interface stay. For the end of a capture. */
int ntc_engine_flush(ntc_engine *eng);

/** ntc_engine_flush() in portions, for callers that hand the flows out as they come (bindings
 * iterating flows): end at most max_flows of the open flows (0: all), oldest first, so a
 * sequence of calls ends them in the order ntc_engine_flush() would. When no flow is left open the
 * hosts are purged as by ntc_engine_flush(). Returns the number of flows still open (0 when done),
 * or NTC_ESTATE / NTC_EINVAL. */
int ntc_engine_flush_some(ntc_engine *eng, size_t max_flows);

/** Fill interface counters (out->size set by the caller). Engine thread only. */
int ntc_engine_get_iface_stats(const ntc_engine *eng, ntc_iface_stats *out);

/** Call fn for every active flow, on the engine thread; fn returns 0 to go on, non-zero to stop.
 * Allowed from the tick callback (see ntc_callbacks). */
int ntc_engine_foreach_flow(ntc_engine *eng, int (*fn)(void *user, const ntc_flow *flow), void *user);

/** Call fn for every host in the table, on the engine thread; fn returns 0 to go on. Allowed from
 * the tick callback. */
int ntc_engine_foreach_host(ntc_engine *eng, int (*fn)(void *user, const ntc_host *host), void *user);

/** Call fn for every application (categories = 0) or category (categories = 1) with traffic on
 * the interface since the start — the "since startup" table. A flow's traffic is added to its
 * application when its verdict is final (so inspected flows show up a few packets late). Engine
 * thread. fn returns 0 to go on. */
int ntc_engine_foreach_app(ntc_engine *eng, int categories,
                           int (*fn)(void *user, const ntc_app_stats *st), void *user);

/** Name of an application id, built-in or loaded from dpi.protocols_file by this engine; NULL if
 * unknown. Custom names never change after ntc_engine_new(), so any thread may call this. */
const char *ntc_engine_app_name(const ntc_engine *eng, uint16_t id);

/** nDPI's default category (an id for ntc_l7_category_name()) and breed (for
 * ntc_l7_breed_name()) of an application id, built-in or custom: what a flow classified as it
 * carries unless a host-based category overrides it. 0, NTC_ENOKEY for an id nDPI does not
 * know, NTC_ENOTSUP with DPI off, NTC_EINVAL. Read-only, like ntc_engine_app_name(): any
 * thread. */
int ntc_engine_app_info(const ntc_engine *eng, uint16_t id, uint16_t *category, int *breed);

/** Opaque snapshot: an immutable copy of an engine's state at one tick. */
typedef struct ntc_snapshot ntc_snapshot;

/** Take a reference to the latest published snapshot. Any thread. Returns NULL when none has been
 * published yet; the call also asks the engine to publish one at its next tick (and at every tick
 * while readers keep asking). Release with ntc_snapshot_release(). */
ntc_snapshot *ntc_engine_snapshot_acquire(ntc_engine *eng);

/** Publish a snapshot of the engine's state now, whether or not a reader asked and without waiting
 * for a tick. Engine thread only (for example from the tick callback, or when the sources have
 * ended and the final state should be shown). Returns 0, NTC_EINVAL, or NTC_ENOMEM (the previous
 * snapshot then stays the latest). */
int ntc_engine_snapshot_publish(ntc_engine *eng);

/** Release a snapshot reference. NULL is a no-op. Any thread. */
void ntc_snapshot_release(ntc_snapshot *snap);

/** Engine clock when the snapshot was taken (microseconds since the epoch). */
uint64_t ntc_snapshot_time(const ntc_snapshot *snap);

/** Interface counters at the time of the snapshot (out->size set by the caller). */
int ntc_snapshot_iface_stats(const ntc_snapshot *snap, ntc_iface_stats *out);

/** Number of flows in the snapshot: the most recently active ones (to one-second precision), at
 * most "snapshot.max_flows". */
size_t ntc_snapshot_flow_count(const ntc_snapshot *snap);

/** Flow i of the snapshot (0 <= i < count), or NULL. Valid while the snapshot is held. */
const ntc_flow *ntc_snapshot_flow(const ntc_snapshot *snap, size_t i);

/** Number of hosts in the snapshot (at most "snapshot.max_hosts", most recently active first). */
size_t ntc_snapshot_host_count(const ntc_snapshot *snap);

/** Host i of the snapshot, or NULL. Valid while the snapshot is held. */
const ntc_host *ntc_snapshot_host(const ntc_snapshot *snap, size_t i);

/** The application (or category) table of the snapshot, as ntc_engine_foreach_app(). Any thread. */
int ntc_snapshot_foreach_app(const ntc_snapshot *snap, int categories,
                             int (*fn)(void *user, const ntc_app_stats *st), void *user);


/* ---- Flows learnt from elsewhere (collectors, other probes) ---- */

/** One metadata value of a collected flow: key is an ntc_meta, value a NUL-terminated string. */
typedef struct ntc_flow_meta_value {
    int key;                  /**< ntc_meta */
    const char *value;        /**< copied during ntc_engine_ingest_flow() */
} ntc_flow_meta_value;

/** A flow record made elsewhere (NetFlow/IPFIX, ZMQ from nProbe/ntopng or another libntopcore),
 * for ntc_engine_ingest_flow(). Input struct: set `size` to sizeof(ntc_flow_record) and zero what
 * is unknown (fields past `size` are taken as zero, so old callers keep working when fields are
 * appended). Addresses in network byte order, IPv4 in the first 4 bytes. Bytes are IP bytes. */
typedef struct ntc_flow_record {
    size_t size;                 /**< set by the caller */
    uint8_t ip_version;          /**< 4 or 6 */
    uint8_t l4_proto;            /**< IP protocol number */
    uint16_t vlan;               /**< VLAN id, 0 if none */
    uint8_t src_addr[16];        /**< source (client, for a biflow; the sender, for a uniflow) */
    uint8_t dst_addr[16];        /**< destination */
    uint16_t src_port, dst_port; /**< host byte order; ICMP: 0, or type/code as NetFlow puts them */
    uint64_t packets, bytes;     /**< source to destination */
    uint64_t rev_packets, rev_bytes; /**< destination to source (0 for a uniflow) */
    uint64_t first_us, last_us;  /**< first and last packet, microseconds since the epoch */
    uint64_t export_us;          /**< when the exporter sent the record (0: last_us); moves the
                                      engine clock as a packet timestamp does */
    uint8_t src_tcp_flags;       /**< OR of the TCP flags sent by the source */
    uint8_t dst_tcp_flags;       /**< ... by the destination */
    uint8_t l7_how;              /**< ntc_l7_how of the exporter's verdict; NTC_L7_OFF (or 0 with
                                      l7_app and l7_master 0) when the record has no application */
    uint8_t l7_breed;            /**< ntc_l7_breed */
    uint16_t l7_master, l7_app;  /**< application ids (ours, as ntc_l7_app_id()) */
    uint16_t l7_category;        /**< category id */
    uint16_t l7_risk_score;
    uint64_t l7_risk;            /**< risk bitmap */
    const char *l7_name;         /**< application name when the ids do not say it (a protocol this
                                      library does not know), else NULL */
    const ntc_flow_meta_value *meta; /**< metadata (HTTP_URL, DNS_QUERY, ...), may be NULL */
    size_t meta_count;
    const char *source;          /**< where the record came from, kept as the flow's FLOW_SOURCE
                                      metadata (e.g. "ipfix:192.0.2.1:4739/0"), or NULL */
} ntc_flow_record;

/** Feed one flow learnt elsewhere. It enters the flow and host tables as if its packets had been
 * seen: a flow with the same key (either direction) whose last packet is at most an idle timeout
 * before this record's first one is the same flow, and the record's counters are added to it (in
 * the direction the record states: two uniflow records of a conversation become one flow);
 * otherwise that older flow ends (flow_end, reason idle) and a new one starts. Orientation of a
 * new flow: the record's source is the client, unless the flow table's rules say otherwise (a
 * uniflow sent from a service port). A record with the same start as the flow and counters at
 * least the flow's is a cumulative update (an active-timeout report): only the difference is
 * added. Hosts, application tables and the interface counters
 * (packets, bytes = IP bytes, per protocol) count the record's traffic; flows_collected counts the
 * record. The engine clock moves to export_us (or last_us) as for a packet's timestamp, so idle
 * flows expire and ticks fire; a collected flow is idle from its own last_us. No DPI runs on a
 * collected flow: its application is the record's. Returns 0, NTC_EINVAL (bad arguments, an IP
 * version other than 4/6, last_us before first_us, no packets either way: counted in
 * collect_errors), NTC_ENOMEM, or
 * NTC_ESTATE from inside a callback. Engine thread. */
int ntc_engine_ingest_flow(ntc_engine *eng, const ntc_flow_record *rec);

/** Open a flow collector as a source (ntc_engine_poll()/run() read it with the live sources;
 * ntc_engine_open_live() is for interfaces). URIs:
 *  - "netflow:udp://ADDR:PORT": NetFlow v5, v9 and IPFIX (RFC 7011) over UDP, bound on ADDR
 *    (0.0.0.0, ::, 127.0.0.1, ...). Templates are kept per exporter (address and port) and
 *    observation domain (v9 source id); options templates are read and their data skipped;
 *    sequence gaps are counted in collect_lost.
 *  - "zmq:tcp://HOST:PORT": ntopng-style ZMQ collection: a SUB socket connected to a probe's PUB
 *    (nProbe, ntopng, or ntc_exporter); with a trailing 'c' ("zmq:tcp://0.0.0.0:5556c") the
 *    collector binds and the probe connects. Several endpoints may be comma-separated. Headers of every
 *    version (v0 to v3), JSON payloads (numeric ids, "PEN.ID" or names; an object or an array) and
 *    TLV payloads, zlib-compressed or not; msg_id gaps counted per source id in collect_lost.
 * Malformed messages and records are counted (collect_errors) and skipped. Memory is bounded by
 * the collect.* keys: the UDP socket buffer, collect.max_exporters exporters or ZMQ sources,
 * collect.max_templates templates of at most 256 fields, and for ZMQ at most 128 queued messages
 * of at most collect.max_message bytes per connected publisher; flows by flow.max as always.
 * A collector is a live source: when it is idle the engine clock follows the wall clock (flows
 * expire); flows whose times are far from it (a capture replayed by the exporter) restart the
 * clock (engine.clock_resync) when the next record arrives. NTC_EINVAL for a bad URI, NTC_EIO when the socket cannot be opened (the
 * message names the URI), NTC_ENOTSUP for an unknown scheme. */
int ntc_engine_open_collector(ntc_engine *eng, const char *uri);

#ifdef __cplusplus
}
#endif
#endif
