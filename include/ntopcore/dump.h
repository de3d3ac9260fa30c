/* libntopcore — packet dump: the packets the engine has seen, chosen by what it knows about them,
 * written to pcap/pcapng files (rotated, within a disk budget) and/or a TAP interface.
 *
 * A dumper is fed from an engine's callbacks (version 2): forward `packet` to ntc_dump_packet(),
 * `flow_verdict` to ntc_dump_flow_verdict() and `flow_end` to ntc_dump_flow_end(). It reads its
 * settings from the "dump.*" configuration keys:
 *
 * Outputs. "dump.path" is a file name pattern with strftime(3) fields, expanded in local time
 * from the timestamp of each file's first packet; when a name repeats (a pattern without time
 * fields, or finer rotation than its fields), "-1", "-2", ... is inserted before the extension.
 * Files are pcap (microsecond timestamps; a packet of another link type starts a new file) or,
 * with "dump.pcapng", pcapng (one interface block per link type). A new file starts after
 * "dump.file_packets" packets, when the packet time reaches the first packet's time plus
 * "dump.file_seconds", or before a packet would take the file past "dump.file_bytes". The ring
 * keeps the files written by this dumper within "dump.ring_files" files and "dump.ring_bytes"
 * bytes, deleting the oldest first, before the bytes that would exceed the budget are written;
 * with "dump.ring_bytes" each file is also kept to half of it, so the newest complete file always
 * stays. "dump.tap" names a TAP interface (Linux; created if missing, brought up; needs
 * CAP_NET_ADMIN unless it exists and is up): each packet is written to it as an Ethernet frame
 * (frames of other link types get a made-up Ethernet header: 02:00:00:00:00:01 is the client,
 * 02:00:00:00:00:02 the server), without ever blocking the caller; what it refuses is counted.
 *
 * Selection. Every selector given must match (within one selector, any of its values):
 * "dump.hosts" (client or server address in one of the networks), "dump.l7" (application names:
 * "TLS.YouTube" is exactly that, "YouTube" or "TLS" match either part, "Unknown" no application;
 * case-insensitive), "dump.categories", "dump.unknown" (application Unknown), "dump.risky" (at
 * least one nDPI risk), "dump.marked_only" (flows marked, or whose client or server is marked, by
 * ntc_dump_mark_*); then "dump.flow_packets" keeps only the first packets of each flow (the rest
 * are counted), and "dump.snaplen" cuts each packet. Frames that belong to no flow (non-IP,
 * malformed) are written only when no selector about flows (hosts, applications, marks) is set.
 * The application selectors need DPI (dpi.enable).
 *
 * Packets of a flow still being classified are held until its verdict (ntc_dump_flow_verdict):
 * then written if the flow is selected, or dropped. So an application selection includes each
 * flow's first packets, and they reach the file at the time of the verdict: a file is then not
 * in strict time order (readers sort by time; `reordercap` rewrites a file sorted). The memory
 * held is bounded by "dump.buffer_bytes"; a packet that does not fit is dropped and counted.
 *
 * Marks, for dumping the traffic of hosts and flows under attack: a mark is explicit (every packet
 * is written) or set for an alert (1 of "dump.alert_sampling" packets is written, counted per
 * marked host or flow); a packet covered by an explicit mark is never sampled. Alert marks are
 * counted (one per engaged alert: a host stays marked until as many unmarks). Marks apply with
 * "dump.marked_only"; at most "dump.max_marks" hosts and flows are marked at once. The packets of
 * a flow being classified that no mark covers yet are held until its verdict, so that a flow
 * marked when its verdict comes (flow alerts are raised then) keeps its first packets: mark it
 * before calling ntc_dump_flow_verdict().
 *
 * Thread-safety: a dumper is used by one thread at a time, normally the engine's thread (from its
 * callbacks). Errors: negative NTC_E* codes, detail in ntc_dump_errmsg(). The library writes only
 * the files and interface it was told to and never prints.
 */
#ifndef NTOPCORE_DUMP_H
#define NTOPCORE_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "engine.h"
#include "flow.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque dumper handle. */
typedef struct ntc_dump ntc_dump;

/** Kinds of marks. */
typedef enum ntc_dump_mark_kind {
    NTC_DUMP_MARK_EXPLICIT = 1, /**< marked by an operator: every packet is written */
    NTC_DUMP_MARK_ALERT = 2     /**< marked because of an alert: 1 of dump.alert_sampling packets */
} ntc_dump_mark_kind;

/** Dumper counters. Output struct: set `size` to sizeof(ntc_dump_stats) first. */
typedef struct ntc_dump_stats {
    size_t size;                  /**< set by the caller */
    uint64_t packets_seen;        /**< packets given to ntc_dump_packet() */
    uint64_t packets_written;     /**< packets written (to the files, or to the TAP alone) */
    uint64_t packets_not_selected; /**< not selected (selectors, frames without a flow) */
    uint64_t packets_over_flow_limit; /**< past the first dump.flow_packets of their flow */
    uint64_t packets_sampled_out; /**< of alert-marked hosts/flows, skipped by the sampling */
    uint64_t packets_held;        /**< held now, waiting for their flow's verdict */
    uint64_t bytes_held;          /**< memory they use */
    uint64_t packets_released;    /**< held, then written when their flow was selected */
    uint64_t packets_discarded;   /**< held, then dropped when their flow was not selected */
    uint64_t packets_buffer_full; /**< dropped: dump.buffer_bytes was full */
    uint64_t files_opened;        /**< files created */
    uint64_t files_deleted;       /**< files deleted by the ring */
    uint64_t file_bytes;          /**< bytes written to files (headers included) */
    uint64_t ring_files;          /**< files of the ring now (the current one included) */
    uint64_t ring_bytes;          /**< their bytes now */
    uint64_t ring_bytes_peak;     /**< most bytes the ring held at once */
    uint64_t packets_too_big;     /**< dropped: a file holding only that packet exceeds the budget */
    uint64_t tap_packets;         /**< frames the TAP interface accepted */
    uint64_t tap_dropped;         /**< frames it refused (down, full) or that could not be framed */
    uint64_t marks;               /**< marks held now */
    uint64_t marks_refused;       /**< marks refused: dump.max_marks reached */
    uint64_t write_errors;        /**< failed writes (the file output then stops) */
} ntc_dump_stats;

/** Create a dumper from the "dump.*" keys of `cfg` (NULL: defaults, which have no output and fail).
 * `eng` resolves the application names of dump.l7, custom protocols included (NULL: built-in
 * names only); it is not kept. Opens the TAP interface (not yet any file).
 * Returns 0, or NTC_EINVAL (no output, bad pattern, unknown application or category name, an
 * application selector with dpi.enable false), NTC_EIO (TAP), NTC_ENOMEM. On failure *out is
 * either NULL, or a dumper kept only so that ntc_dump_errmsg() can say what went wrong (naming
 * the key and value): free it with ntc_dump_free() either way. */
int ntc_dump_new(ntc_dump **out, const ntc_engine *eng, const ntc_config *cfg);

/** Close the outputs (as ntc_dump_close()) and free the dumper. NULL is a no-op. */
void ntc_dump_free(ntc_dump *d);

/** Message of the dumper's last error ("" if none). Borrowed until the next call. */
const char *ntc_dump_errmsg(const ntc_dump *d);

/** A packet, with the arguments of the engine's `packet` callback. Returns 0 (written, held or
 * not selected), or NTC_EIO when writing a file failed: the file output then stops (the message
 * names the file) and later calls return NTC_EIO too; NTC_EINVAL for bad arguments. */
int ntc_dump_packet(ntc_dump *d, const ntc_flow *flow, int dir, uint64_t ts_us, int linktype,
                    const uint8_t *data, uint32_t caplen, uint32_t wirelen);

/** A flow's verdict is final (the engine's `flow_verdict` callback): its held packets are written
 * if it is selected, else dropped. Returns 0 or NTC_EIO as ntc_dump_packet(). */
int ntc_dump_flow_verdict(ntc_dump *d, const ntc_flow *flow);

/** A flow ended (the engine's `flow_end` callback): its mark is removed (not for
 * NTC_FLOW_END_ACTIVE, after which the flow goes on). Packets still held for it are decided now. */
int ntc_dump_flow_end(ntc_dump *d, const ntc_flow *flow, ntc_flow_end_reason reason);

/** Mark a host (address in network byte order, IPv4 in the first 4 bytes; any VLAN) for dumping.
 * An explicit mark replaces an alert mark, not the other way round. 0, NTC_EINVAL, NTC_ENOMEM, or
 * NTC_EFULL when dump.max_marks marks are held (counted in marks_refused). */
int ntc_dump_mark_host(ntc_dump *d, int ip_version, const uint8_t *addr, ntc_dump_mark_kind kind);

/** Remove a host's mark of this kind: the explicit mark, or one alert mark (an explicit mark
 * stays). 0 (also when there was no such mark) or NTC_EINVAL. */
int ntc_dump_unmark_host(ntc_dump *d, int ip_version, const uint8_t *addr, ntc_dump_mark_kind kind);

/** Mark a flow (until it ends or is unmarked). Same rules as ntc_dump_mark_host(); the flow is
 * known by its id (ntc_flow_info.id), so a snapshot's copy of it may be given too. */
int ntc_dump_mark_flow(ntc_dump *d, const ntc_flow *flow, ntc_dump_mark_kind kind);

/** Remove a flow's mark of this kind. 0 (also when there was no such mark) or NTC_EINVAL. */
int ntc_dump_unmark_flow(ntc_dump *d, const ntc_flow *flow, ntc_dump_mark_kind kind);

/** Write what is pending and close the current file (the next packet opens a new one). Packets
 * still held for flows without a verdict are dropped (counted in packets_discarded): call
 * ntc_engine_flush() first, which gives every flow its verdict. Returns 0, or the first write
 * error of the dumper's life (NTC_EIO), so that a caller can report it once at the end. */
int ntc_dump_close(ntc_dump *d);

/** Fill `out` (size set by the caller). 0 or NTC_EINVAL. */
int ntc_dump_get_stats(const ntc_dump *d, ntc_dump_stats *out);

/** Name of the file being written ("" when none is open). Borrowed until the next call. */
const char *ntc_dump_current_file(const ntc_dump *d);

#ifdef __cplusplus
}
#endif
#endif
