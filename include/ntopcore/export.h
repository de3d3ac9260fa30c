/* libntopcore — records, the field registry, and export sinks.
 *
 * FIELDS. Every sink names fields the same way because they all read one registry per record
 * kind: flows, hosts, applications (alerts will follow). A field has the name of the nProbe/ntopng
 * template element (IPV4_SRC_ADDR, L4_SRC_PORT, IN_PKTS, ...; source = client, IN = client to
 * server), the numeric NetFlow/IPFIX element id when one exists, and a type. JSON lines use the
 * names as keys (or, with NTC_JSON_NPROBE_IDS, the ids, as ntopng's collector reads them); CSV
 * files use them as column headers; SQLite and ClickHouse as column names, with column types
 * derived from the field types. ntc_field_count()/ntc_field_at() list a registry at run time.
 *
 * RECORDS. An ntc_record is an immutable, reference-counted copy of a flow, host or application
 * row: the registry's fields that the object has (absent fields, such as the L7 fields with DPI
 * off or metadata a flow did not carry, are simply not present). Records are made on the engine
 * thread from the borrowed flow/host pointers, and may then be read on any thread.
 *
 * SINKS. An exporter (ntc_exporter) holds sinks chosen by URI:
 *   jsonl:PATH | jsonl:-      one JSON object per line (file or standard output)
 *   csv:PATH                  CSV with a header line; the columns are the registry's fields
 *   sqlite:PATH               embedded database (tables flows, hosts, applications,
 *                             categories), WAL mode
 *   clickhouse:http://HOST:PORT/?table=NAME    INSERT ... FORMAT JSONEachRow over HTTP
 *   es:http://HOST:PORT/_bulk?index=PATTERN    Elasticsearch/OpenSearch bulk API; PATTERN takes
 *                             strftime fields, from each record's time in UTC (ntop-%Y.%m.%d)
 * and any scheme an embedder registers with ntc_exporter_register() (see ntc_sink_ops: the
 * built-in sinks are written against the same table). Options follow a '?' in the URI, '&'
 * separated (sqlite:/var/db/flows.db?retention_s=86400&max_mb=500): see README.md for each sink's.
 * Options every sink takes: queue=N (records queued at most, default 65536), batch=N (records per
 * write, default 1000; clickhouse 10000), flush_ms=N (longest wait before a partial batch is written, default 1000).
 *
 * THREADS. Each sink runs on its own thread with a bounded queue. ntc_exporter_push() (and the
 * ntc_exporter_flow/host/app helpers) only append a reference to each sink's queue under a lock
 * held for a few instructions: it never waits for a disk or a server, so capture never blocks on a
 * slow sink. When a queue is full the record is dropped for that sink and counted
 * (dropped_full). A sink thread takes up to `batch` records at a time and calls the sink's
 * write(); a write that fails with NTC_EIO (server down, disk full) is retried with a growing
 * pause (reconnecting), while new records queue up to the bound; any other failure drops the
 * batch (dropped_error). ntc_exporter_flush() waits until what was queued is written and made
 * durable; ntc_exporter_close() flushes within a deadline, then stops the threads and counts what
 * could not be written as dropped. Tools call it on SIGINT/SIGTERM.
 * Functions of one exporter must be called from one thread at a time (the engine thread, as a
 * rule); ntc_exporter_get_stats() may also be called from other threads once the sinks are added
 * (not during ntc_exporter_add() or ntc_exporter_free()). Sink callbacks (ntc_sink_ops) run on
 * that sink's thread, except open(), which runs in ntc_exporter_add(), and close(), which runs in
 * ntc_exporter_close(); the log callback runs on sink threads too. A write in progress is not
 * interrupted: closing waits for it (an HTTP write lasts at most its timeout_ms).
 *
 * ALERTS. Alerts are records too (ntc_record_from_alert()): the sinks store them like the other
 * kinds (SQLite table alerts, ClickHouse NAME_alerts, es PATTERN_alerts), time column ALERT_TIME.
 *
 * The formatting functions (ntc_flow_format_json, ntc_record_*) only read their arguments and may
 * run on any thread that validly holds them.
 */
#ifndef NTOPCORE_EXPORT_H
#define NTOPCORE_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "flow.h"
#include "host.h"
#include "l7.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Flags for the JSON formatters. */
enum {
    NTC_JSON_NPROBE_IDS = 1 << 0  /**< numeric element ids as keys instead of names */
};

/** Write the flow as one JSON object (no newline) into buf, NUL-terminated, snprintf-style: returns
 * the length the full text needs (excluding the NUL), so a return >= bufsize means truncation.
 * The fields are those of the flow registry (ntc_field_at(NTC_RECORD_FLOW, i)) that the flow has,
 * in registry order. Returns NTC_EINVAL on NULL flow, NTC_ENOMEM when out of memory. */
int ntc_flow_format_json(const ntc_flow *flow, unsigned flags, char *buf, size_t bufsize);

/** Write the host as one JSON object, as ntc_flow_format_json() does for flows. Field names:
 * IP_ADDR, VLAN, IS_LOCAL, IS_SYSTEM, MAC, PKTS_SENT, BYTES_SENT, PKTS_RCVD, BYTES_RCVD,
 * FIRST_SEEN, LAST_SEEN, ACTIVE_FLOWS_AS_CLIENT, ACTIVE_FLOWS_AS_SERVER, TOTAL_FLOWS_AS_CLIENT,
 * TOTAL_FLOWS_AS_SERVER, NAME (when learnt), and for local hosts UPLOAD_BYTES, DOWNLOAD_BYTES,
 * PEAK_BPS_SENT, PEAK_BPS_RCVD, TCP_{RETRANSMITTED,OOORDER,LOST,ZERO_WINDOW,KEEPALIVE}_PKTS_{SENT,RCVD}
 * and APPS: a list of objects
 * (L7_PROTO_NAME, FLOWS, PKTS_SENT, BYTES_SENT, PKTS_RCVD, BYTES_RCVD) — custom protocols appear
 * by id there. Hosts have no element ids: NTC_JSON_NPROBE_IDS changes nothing. */
int ntc_host_format_json(const ntc_host *host, unsigned flags, char *buf, size_t bufsize);

/** Write s as a quoted JSON string into buf, snprintf-style (returns the length needed, excluding
 * the NUL). The result is valid JSON and valid UTF-8 whatever s holds: control characters are
 * escaped and bytes outside valid UTF-8 sequences become U+FFFD — what the record formatters do
 * with strings from traffic. NTC_EINVAL for a NULL s. */
int ntc_json_string(const char *s, char *buf, size_t bufsize);

/* ------------------------------------------------------------------------------------------ */
/* The field registry                                                                           */

/** Kinds of records. Append-only. */
typedef enum ntc_record_kind {
    NTC_RECORD_FLOW = 1,  /**< a flow that ended (or reached its active timeout) */
    NTC_RECORD_HOST = 2,  /**< a host, when purged or at the end */
    NTC_RECORD_APP = 3,   /**< one row of the interface's application table at a moment */
    NTC_RECORD_ALERT = 4, /**< an alert as it was delivered (engaged, released, or an event) */
    NTC_RECORD_CATEGORY = 5 /**< one row of the interface's category table at a moment */
} ntc_record_kind;

/** Value types of fields. Append-only. */
typedef enum ntc_field_type {
    NTC_FIELD_UINT = 1,   /**< unsigned integer of `bits` bits (8, 16, 32 or 64) */
    NTC_FIELD_STRING = 2, /**< text; from traffic, so not necessarily valid UTF-8 (formatters fix it) */
    NTC_FIELD_IPV4 = 3,   /**< IPv4 address, as dotted-quad text */
    NTC_FIELD_IPV6 = 4,   /**< IPv6 address, as RFC 5952 text */
    NTC_FIELD_TIME = 5,   /**< seconds since the epoch (an unsigned integer, `bits` 32 or 64) */
    NTC_FIELD_JSON = 6,   /**< a JSON value (list or object) as text, written unquoted in JSON */
    NTC_FIELD_FLOAT = 7   /**< a double, written with `decimals` digits after the point */
} ntc_field_type;

/** Description of one field. Static: pointers stay valid for the life of the program. Members
 * may be appended; callers only read the struct through the pointer they are given. */
typedef struct ntc_field {
    const char *name;     /**< nProbe/ntopng element name, e.g. "IPV4_SRC_ADDR" */
    uint32_t nprobe_id;   /**< NetFlow/IPFIX element id (ntop's private ids: 57472 + n), 0 if none */
    uint8_t type;         /**< ntc_field_type */
    uint8_t bits;         /**< width of UINT, TIME and FLOAT values; 0 for text */
    uint8_t decimals;     /**< FLOAT: digits after the decimal point in text output */
    const char *doc;      /**< one-line description */
} ntc_field;

/** Number of fields in the registry of a record kind (0 for an unknown kind). */
size_t ntc_field_count(int kind);

/** Field i (0 <= i < count) of a kind's registry, or NULL. Indexes are stable within one library
 * version only: look fields up by name (ntc_field_find) when you store indexes across upgrades. */
const ntc_field *ntc_field_at(int kind, size_t i);

/** Index of the field named `name` in a kind's registry, or NTC_ENOKEY. */
int ntc_field_find(int kind, const char *name);

/* ------------------------------------------------------------------------------------------ */
/* Records                                                                                      */

/** Opaque, immutable, reference-counted record. */
typedef struct ntc_record ntc_record;

/** Copy a flow into a new record (one reference, the caller's). 0, NTC_EINVAL, NTC_ENOMEM. */
int ntc_record_from_flow(const ntc_flow *flow, ntc_record **out);

/** Copy an alert (from the alert callback, or ntc_engine_alert_pop()) into a new record of kind
 * NTC_RECORD_ALERT; its fields and their order are those of ntc_alert_format_json(). 0,
 * NTC_EINVAL, NTC_ENOMEM. */
int ntc_record_from_alert(const ntc_alert *alert, ntc_record **out);

/** Copy a host into a new record. 0, NTC_EINVAL, NTC_ENOMEM. */
int ntc_record_from_host(const ntc_host *host, ntc_record **out);

/** Make a row of the application table (kind NTC_RECORD_APP: `st` from ntc_engine_foreach_app()
 * with categories = 0) or of the category table (NTC_RECORD_CATEGORY, categories = 1): `st` (its
 * size set), the application's or category's `name` (NULL: the id is used), the table's total
 * bytes (both ways, for BYTES_PERCENT) and the time of the table (microseconds since the epoch,
 * usually the engine clock). 0, NTC_EINVAL, NTC_ENOMEM. */
int ntc_record_from_app(int kind, const ntc_app_stats *st, const char *name, uint64_t total_bytes,
                        uint64_t time_us, ntc_record **out);

/** Take one more reference (for a sink that keeps a record past its write call). Any thread.
 * Returns rec. */
ntc_record *ntc_record_acquire(ntc_record *rec);

/** Drop one reference; the record is freed with the last one. NULL is a no-op. Any thread. */
void ntc_record_release(ntc_record *rec);

/** The record's kind (ntc_record_kind), or NTC_EINVAL for NULL. */
int ntc_record_get_kind(const ntc_record *rec);

/** The record's time in microseconds since the epoch: a flow's first packet, a host's first
 * packet, an application row's time. Partitions and index names (es: patterns) use it. */
uint64_t ntc_record_time(const ntc_record *rec);

/** 1 when the record has field i of its kind's registry, 0 when not (or out of range). */
int ntc_record_has(const ntc_record *rec, size_t field);

/** The value of a UINT or TIME field: 0, NTC_ENOKEY when absent, NTC_ETYPE for a text field,
 * NTC_EINVAL for bad arguments. */
int ntc_record_get_uint(const ntc_record *rec, size_t field, uint64_t *out);

/** The value of a FLOAT field: 0, NTC_ENOKEY when absent, NTC_ETYPE for another type. */
int ntc_record_get_double(const ntc_record *rec, size_t field, double *out);

/** The text of a STRING, IPV4, IPV6 or JSON field (NUL-terminated, as captured: not necessarily
 * valid UTF-8), or NULL when absent or not text. Valid while the record is held. */
const char *ntc_record_get_string(const ntc_record *rec, size_t field);

/** The record as one JSON object, snprintf-style, as ntc_flow_format_json() (which is this
 * function applied to ntc_record_from_flow()). NTC_EINVAL for NULL rec. */
int ntc_record_format_json(const ntc_record *rec, unsigned flags, char *buf, size_t bufsize);

/* ------------------------------------------------------------------------------------------ */
/* Sinks                                                                                        */

/** Version of ntc_sink_ops this header describes. */
#define NTC_SINK_OPS_VERSION 1

/** A sink's operations: the built-in sinks (jsonl, csv, sqlite, clickhouse, es) implement this
 * table, and an embedder may add its own scheme with ntc_exporter_register(). Set `version` to
 * NTC_SINK_OPS_VERSION; optional members may be NULL. The `err` buffers (errlen bytes) take a
 * message when a call fails. */
typedef struct ntc_sink_ops {
    uint32_t version;
    /** URI scheme handled, without the colon ("mydb" for "mydb:..."). Copied at registration. */
    const char *scheme;
    /** Record kinds accepted: bit (1u << kind) for each ntc_record_kind; 0 accepts all. Records of
     * other kinds are not queued for this sink. */
    uint32_t kinds;
    /** Open the sink for `uri` (the whole URI, options included) and set *state. Runs on the thread
     * calling ntc_exporter_add(). `user` is the pointer given to ntc_exporter_register(). Returns
     * 0 or a negative NTC_E* code (NTC_EINVAL for a malformed URI or option). */
    int (*open)(void **state, const char *uri, void *user, char *err, size_t errlen);
    /** Store a batch of n >= 1 records (borrowed during the call), on the sink thread. Return 0
     * when every record is stored; NTC_EIO for a failure worth retrying (the same batch comes back
     * after a pause: the sink reconnects or reopens as needed); any other negative code drops the
     * batch (counted in dropped_error). */
    int (*write)(void *state, ntc_record *const *recs, size_t n, char *err, size_t errlen);
    /** Optional: make what was written durable (commit, fsync, send buffered data). Sink thread. */
    int (*flush)(void *state, char *err, size_t errlen);
    /** Optional: housekeeping about once a second (retention, time-based rotation), sink thread.
     * now_us is the wall clock. */
    int (*tick)(void *state, uint64_t now_us, char *err, size_t errlen);
    /** Close the sink and free `state`. Called once, from ntc_exporter_close(). */
    void (*close)(void *state);
    /** Records per write() when the URI has no batch= option (0: 1000). Servers that prefer big
     * inserts (ClickHouse: 10000) say so here. */
    uint32_t default_batch;
} ntc_sink_ops;

/** Opaque set of sinks, each with its own thread and queue. */
typedef struct ntc_exporter ntc_exporter;

/** Log callback of an exporter: level as ntc_log_level (0 error, 1 warning, 2 info, 3 debug).
 * Runs on sink threads: it must be thread-safe. */
typedef void (*ntc_exporter_log_fn)(void *user, int level, const char *message);

/** Create an exporter with no sink. 0 or NTC_ENOMEM (*out NULL). */
int ntc_exporter_new(ntc_exporter **out);

/** Close (ntc_exporter_close with a 5 s deadline) and free. NULL is a no-op. */
void ntc_exporter_free(ntc_exporter *x);

/** Message about the exporter's last error ("" if none). Borrowed until the next call. */
const char *ntc_exporter_errmsg(const ntc_exporter *x);

/** Set the log callback (before adding sinks). NULL removes it. */
int ntc_exporter_set_log(ntc_exporter *x, ntc_exporter_log_fn fn, void *user);

/** Register a sink type for ops->scheme (the table is copied; `user` is passed to its open()). A
 * scheme already registered (built-in ones included) is replaced for later ntc_exporter_add()
 * calls. NTC_EINVAL for a NULL scheme or open/write/close, or a version that is 0 or newer than
 * this library knows. */
int ntc_exporter_register(ntc_exporter *x, const ntc_sink_ops *ops, void *user);

/** Open a sink for `uri` and start its thread. Returns the sink's index (>= 0, in order of
 * addition) or a negative code: NTC_EINVAL (malformed URI or option; the message names it),
 * NTC_ENOTSUP (unknown scheme, or a sink not built in this library), NTC_EIO (cannot open the
 * file or database), NTC_ENOMEM, NTC_ESTATE (after ntc_exporter_close). A server that cannot be
 * reached is not an error here: the sink keeps trying in its thread. */
int ntc_exporter_add(ntc_exporter *x, const char *uri);

/** Number of sinks added. */
size_t ntc_exporter_sink_count(const ntc_exporter *x);

/** Queue a record for every sink that accepts its kind (each takes its own reference; the
 * caller keeps its own). Never blocks. Returns the number of sinks whose queue was full (the
 * record was dropped for them and counted), 0 when all took it, or NTC_EINVAL / NTC_ESTATE. */
int ntc_exporter_push(ntc_exporter *x, ntc_record *rec);

/** Make a record of the flow and push it (for a flow_end callback). As ntc_exporter_push(), plus
 * NTC_ENOMEM. */
int ntc_exporter_flow(ntc_exporter *x, const ntc_flow *flow);

/** Make a record of the host and push it (for a host_end callback). */
int ntc_exporter_host(ntc_exporter *x, const ntc_host *host);

/** Make an application (or category) row and push it (ntc_record_from_app). */
int ntc_exporter_app(ntc_exporter *x, int kind, const ntc_app_stats *st, const char *name,
                     uint64_t total_bytes, uint64_t time_us);

/** Wait until every sink has written what was queued before this call and made it durable, at
 * most timeout_ms (-1: no limit). 0, or NTC_EIO when a sink did not get there in time (its
 * server is down: the records stay queued, and it keeps trying). */
int ntc_exporter_flush(ntc_exporter *x, int timeout_ms);

/** Flush within timeout_ms, then stop every sink thread and close the sinks. Records that could
 * not be written by then are dropped and counted (dropped_error). Later pushes return
 * NTC_ESTATE. 0, or NTC_EIO when something was dropped. Idempotent. */
int ntc_exporter_close(ntc_exporter *x, int timeout_ms);

/** Counters of one sink. Output struct: set `size` first. Every record offered to the sink ends
 * up in exactly one of written, dropped_full, dropped_error, or is still queued. */
typedef struct ntc_sink_stats {
    size_t size;             /**< set by the caller */
    uint64_t offered;        /**< records pushed to this sink (of a kind it accepts) */
    uint64_t written;        /**< records the sink stored */
    uint64_t dropped_full;   /**< records refused because the queue was full */
    uint64_t dropped_error;  /**< records lost to a failed write or at close */
    uint64_t queued;         /**< records waiting in the queue now (or being written) */
    uint64_t batches;        /**< successful write calls */
    uint64_t errors;         /**< failed write calls (each retry counts) */
    uint64_t reconnects;     /**< writes that succeeded after a failure */
} ntc_sink_stats;

/** Fill the counters of sink i (out->size set). Any thread. 0 or NTC_EINVAL. */
int ntc_exporter_get_stats(const ntc_exporter *x, size_t i, ntc_sink_stats *out);

/** The URI of sink i as given to ntc_exporter_add() (borrowed for the exporter's life), or NULL. */
const char *ntc_exporter_sink_uri(const ntc_exporter *x, size_t i);

#ifdef __cplusplus
}
#endif
#endif
