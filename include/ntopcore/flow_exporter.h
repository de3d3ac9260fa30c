/* libntopcore — flow exporters: IPFIX and NetFlow v9 over UDP, ntopng-style ZMQ.
 *
 * An exporter sends flow records to systems that already speak these formats: an IPFIX or NetFlow
 * v9 collector (nfcapd, ntopng, a SIEM), or, over ZeroMQ, ntopng or another libntopcore instance
 * collecting with ntc_engine_open_collector() (several levels make a hierarchy). Feed it the flows
 * the engine reports (typically from the flow_end callback) and call ntc_flow_exporter_flush() every
 * second (the tick callback) and at the end.
 *
 * URIs:
 *  - "ipfix:udp://HOST:PORT" — IPFIX (RFC 7011). Templates for IPv4 and IPv6 flows (IANA elements;
 *    application, its name and HTTP/DNS/TLS names under ntop's enterprise number 35632, as nProbe
 *    does) are sent in the first datagram and again every export.template_refresh seconds of the
 *    export time, and every 100 datagrams. Times are flowStart/EndMilliseconds.
 *  - "netflow9:udp://HOST:PORT" — NetFlow v9 (RFC 3954): the same, with FIRST/LAST_SWITCHED
 *    relative to a system uptime that starts 24 days before the first export time, and ntop's
 *    elements as the single numbers 57472 + n with fixed lengths.
 *  - "zmq:tcp://ADDRESS:PORT" — publish as nProbe does: a PUB socket bound on ADDRESS:PORT
 *    ("zmq:tcp://127.0.0.1:5556"; "zmq:tcp://HOST:PORTc", with the trailing 'c', connects to a
 *    collector that binds instead). Messages carry the 36-byte header of ntopng's current format
 *    (version byte 4, topic "flow", msg_id counting from 1 in network byte order, source_id from
 *    export.source_id and the sizes little-endian as in ntopng's struct on x86-64)
 *    and a batch of up to export.zmq_flows_per_message flows as TLV (export.zmq_format = tlv, the
 *    default: what current ntopng reads) or as a JSON array with numeric element ids (json),
 *    zlib-compressed with export.zmq_compress.
 * With export.biflow (the default) a flow is one record with IN_ and OUT_ counters (elements 1,
 * 2, 23, 24); otherwise two uniflow records (the reverse one only if the server answered).
 * Counters are those the engine reports: with flow.active_timeout a long flow is exported again
 * every period with its counters since it started. A libntopcore collector takes such a record as
 * an update (ntc_engine_ingest_flow()); collectors that add up records (nfdump) count the flow
 * once per report, so leave flow.active_timeout at 0 for them. No latency elements are exported:
 * flows do not measure latency yet.
 *
 * Never blocking: UDP datagrams are sent without waiting (a full socket buffer drops the datagram,
 * counted); ZMQ messages wait in a queue of export.zmq_queue messages per subscriber, and
 * messages that find it full are dropped and counted. Only ntc_flow_exporter_free() waits, at most two
 * seconds, for queued ZMQ messages to leave; and, once, the first ZMQ message waits up to
 * export.zmq_wait milliseconds for a subscriber when that key is set.
 *
 * Thread-safety: an exporter is used by one thread at a time (the engine thread when fed from
 * callbacks). Different exporters are independent.
 */
#ifndef NTOPCORE_FLOW_EXPORTER_H
#define NTOPCORE_FLOW_EXPORTER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "flow.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque exporter handle. */
typedef struct ntc_flow_exporter ntc_flow_exporter;

/** Counters of an exporter. Output struct: set `size` before ntc_flow_exporter_get_stats(). */
typedef struct ntc_flow_exporter_stats {
    size_t size;               /**< set by the caller */
    uint64_t flows;            /**< flows handed to ntc_flow_exporter_flow() and encoded */
    uint64_t records;          /**< records sent (two per flow for uniflows) */
    uint64_t messages;         /**< datagrams or ZMQ messages sent */
    uint64_t bytes;            /**< bytes of those (payloads, before ZMQ compression) */
    uint64_t templates;        /**< template sets sent (IPFIX, NetFlow v9) */
    uint64_t dropped;          /**< records lost: queue full, send error, larger than a datagram */
} ntc_flow_exporter_stats;

/** Create an exporter for uri with the export.* keys of cfg (copied; NULL: defaults). Returns 0
 * and *out, or a negative code: NTC_EINVAL (bad URI: the message says why), NTC_EIO (the socket
 * could not be opened, bound or connected), NTC_ENOTSUP (unknown scheme), NTC_ENOMEM. On failure
 * *out is NULL or an exporter kept only for ntc_flow_exporter_errmsg(): free it either way. */
int ntc_flow_exporter_new(ntc_flow_exporter **out, const char *uri, const ntc_config *cfg);

/** Send what is batched, then free the exporter (ZMQ: waits up to two seconds for queued messages
 * to be delivered). NULL is a no-op. */
void ntc_flow_exporter_free(ntc_flow_exporter *x);

/** Message about the last error ("" if none). Borrowed until the next call. */
const char *ntc_flow_exporter_errmsg(const ntc_flow_exporter *x);

/** Encode one flow for export; now_us is the export time (the engine clock, e.g. ntc_iface_stats
 * last_us, so that a capture file replays with its own times). Records are batched and sent when
 * a datagram or message is full, or by ntc_flow_exporter_flush(). Returns 0, NTC_EINVAL, or NTC_EFULL
 * when the record was dropped (counted). */
int ntc_flow_exporter_flow(ntc_flow_exporter *x, const ntc_flow *flow, uint64_t now_us);

/** Send what is batched and templates that are due. Call every second and at the end. Returns 0,
 * or NTC_EIO when a send failed (counted in dropped; the exporter goes on). */
int ntc_flow_exporter_flush(ntc_flow_exporter *x, uint64_t now_us);

/** Fill the counters (out->size set by the caller). */
int ntc_flow_exporter_get_stats(const ntc_flow_exporter *x, ntc_flow_exporter_stats *out);

#ifdef __cplusplus
}
#endif
#endif
