/* libntopcore — alerts.
 *
 * The engine turns what it sees into alerts. An alert has a type (what happened), a severity, an
 * entity (the interface, a host, a network or a flow) with an id ("192.168.1.92", "10.0.0.0/8",
 * "TCP 10.0.0.1:40000 -> 10.0.0.2:80"), a time (packet time, microseconds since the epoch), a
 * one-line description ("Host 192.168.1.92 is a SYN flooder [68 SYNs sent in the last 3 sec]") and
 * structured details (key/value pairs; keys are upper-case, flow details use the flow record names).
 *
 * Conditions that last (a flood, a scan, a threshold crossed) are ENGAGED when they start and
 * RELEASED when they end: one alert each, whatever the episode's length. Conditions of a flow (its
 * nDPI risks, a dangerous application, a blacklisted one) are one-off EVENTs, raised when the flow's
 * application verdict is final. Repeats are rate limited ("alert.repeat_interval"): an event equal
 * to one delivered less than that long ago (same type, same flow endpoints and server port, same
 * risks or application), or an episode engaging again less than that long after the previous one of
 * the same type and entity was delivered, is not delivered but counted, and the next one delivered
 * carries the count (ntc_alert_info.suppressed). An episode whose engagement was suppressed is
 * released silently too.
 *
 * Sources of alerts (all configured with "alert.*" keys, see ntc_config_option_at()):
 * - threshold rules read from "alert.rules_file" (format in README.md, "Alert rules"): deltas of
 *   bytes, packets, flows, DNS bytes, P2P bytes, bytes of an application or category, per minute,
 *   5 minutes, hour or day, of hosts, networks or the interface; "blacklist" lines name
 *   applications or categories whose flows raise an alert;
 * - detectors: SYN flood (flooder and victim), ICMP flood (flooder and victim), TCP port scan and
 *   host scan (failed connection attempts), servers resetting new connections, nDPI flow risks,
 *   applications of a dangerous or unsafe breed (e.g. Tor).
 * Time is packet time: windows, periods, engagement and release follow the engine clock, so a
 * capture file gives the same alerts at every replay.
 *
 * Delivery: the `alert` member of ntc_callbacks (engine thread, during the call that raised the
 * alert), a bounded pull queue (ntc_engine_alert_pop(), any thread), and sinks the library writes
 * itself: JSON lines ("alert.jsonl"), syslog in RFC 5424 format ("alert.syslog") and a command run
 * for each alert ("alert.exec").
 *
 * Ownership: a `const ntc_alert *` given to a callback or foreach function is valid until it
 * returns; ntc_alert_dup() makes a copy that lives until ntc_alert_free(). Alerts from
 * ntc_engine_alert_pop() are the caller's. Strings returned by the accessors live as long as the
 * alert. Thread-safety: accessors only read the alert and may run on any thread that validly holds
 * it; each engine function says from where it may be called.
 */
#ifndef NTOPCORE_ALERT_H
#define NTOPCORE_ALERT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque engine handle (see engine.h). */
typedef struct ntc_engine ntc_engine;

/** Opaque alert. */
typedef struct ntc_alert ntc_alert;

/** Alert types. Append-only: a value never changes meaning. */
typedef enum ntc_alert_type {
    NTC_ALERT_THRESHOLD = 1,          /**< a threshold rule was crossed (host, network, interface) */
    NTC_ALERT_SYN_FLOOD_ATTACKER = 2, /**< a host sent at least alert.syn_flood_threshold SYNs in a
                                           window of alert.flood_window seconds */
    NTC_ALERT_SYN_FLOOD_VICTIM = 3,   /**< a host received that many SYNs */
    NTC_ALERT_ICMP_FLOOD_ATTACKER = 4,/**< a host sent at least alert.icmp_flood_threshold ICMP
                                           (or ICMPv6) echo requests in a window */
    NTC_ALERT_ICMP_FLOOD_VICTIM = 5,  /**< a host received that many echo requests */
    NTC_ALERT_PORT_SCAN = 6,          /**< a host tried TCP connections (SYNs) to at least
                                           alert.port_scan_threshold ports of one host that it did
                                           not connect to, in a window of alert.scan_window seconds
                                           (entity: the scanner; PEER: the target) */
    NTC_ALERT_HOST_SCAN = 7,          /**< a host tried TCP connections to at least
                                           alert.host_scan_threshold hosts it did not connect to,
                                           in a scan window */
    NTC_ALERT_SERVER_RESETS = 8,      /**< a host reset at least alert.server_reset_threshold new
                                           TCP connections (RST answering a SYN) in a window */
    NTC_ALERT_FLOW_RISK = 9,          /**< nDPI found risks in a flow (details: risks and scores) */
    NTC_ALERT_DANGEROUS_APP = 10,     /**< a flow's application, recognised from its packets (not
                                           only guessed from a port), is of the Dangerous,
                                           Potentially Dangerous or Unsafe breed */
    NTC_ALERT_BLACKLISTED_APP = 11,   /**< a flow's application or category, recognised from its
                                           packets, is blacklisted in the rules file */
    NTC_ALERT_TCP_RETRANSMISSIONS = 12, /**< when a TCP flow ends (or reaches its active timeout),
                                           more than alert.retrans_percent % of the packets of one
                                           direction (with at least alert.retrans_min_packets
                                           packets) were retransmissions (flow analytics) */
    NTC_ALERT_USER = 13                /**< raised by the embedding program or a script
                                           (ntc_engine_alert_raise()) */
} ntc_alert_type;

/** Severities, lowest first. */
typedef enum ntc_alert_severity {
    NTC_ALERT_INFO = 0,
    NTC_ALERT_WARNING = 1,
    NTC_ALERT_ERROR = 2,
    NTC_ALERT_CRITICAL = 3
} ntc_alert_severity;

/** What an alert is about. */
typedef enum ntc_alert_entity {
    NTC_ALERT_ENTITY_INTERFACE = 0, /**< the engine's interface (all its sources); id "" */
    NTC_ALERT_ENTITY_HOST = 1,      /**< a host; id its address, "@VLAN" appended when tagged */
    NTC_ALERT_ENTITY_NETWORK = 2,   /**< a network of a rule; id its CIDR text */
    NTC_ALERT_ENTITY_FLOW = 3       /**< a flow; id "PROTO CLIENT:PORT -> SERVER:PORT" (IPv6
                                         addresses in brackets, " vlan N" appended when tagged) */
} ntc_alert_entity;

/** Where an alert stands in its episode. */
typedef enum ntc_alert_state {
    NTC_ALERT_ENGAGED = 1,  /**< the condition started (it lasts until released) */
    NTC_ALERT_RELEASED = 2, /**< the condition ended; engaged_us says when it started */
    NTC_ALERT_EVENT = 3     /**< a one-off condition (flow alerts) */
} ntc_alert_state;

/** Alert summary. Output struct: set `size` to sizeof(ntc_alert_info) before
 * ntc_alert_get_info(); fields past `size` are not written. */
typedef struct ntc_alert_info {
    size_t size;             /**< set by the caller */
    uint64_t id;             /**< engine-unique serial number of the delivered alert, from 1 */
    int type;                /**< ntc_alert_type */
    int severity;            /**< ntc_alert_severity */
    int entity;              /**< ntc_alert_entity */
    int state;               /**< ntc_alert_state */
    uint64_t time_us;        /**< when it engaged, was released or happened (packet time) */
    uint64_t engaged_us;     /**< when the episode engaged (== time_us unless released; a
                                  release is never dated before it, even when packet time went
                                  back) */
    uint32_t suppressed;     /**< equal alerts not delivered (rate limit) since the last one */
    uint32_t rule_line;      /**< threshold and blacklist alerts: line of the rule, else 0 */
} ntc_alert_info;

/** Value types of alert details. */
typedef enum ntc_alert_value {
    NTC_ALERT_VALUE_INT = 1,    /**< `num` holds the value */
    NTC_ALERT_VALUE_STRING = 2  /**< `str` holds the value */
} ntc_alert_value;

/** One detail of an alert. Output struct: set `size` first. */
typedef struct ntc_alert_detail {
    size_t size;         /**< set by the caller */
    const char *key;     /**< upper-case key ("SYNS", "THRESHOLD", "L7_PROTO_RISK_NAME", ...) */
    int type;            /**< ntc_alert_value */
    int64_t num;         /**< value of an INT detail */
    const char *str;     /**< value of a STRING detail (NULL for INT) */
} ntc_alert_detail;

/** Fill `out` (size set by the caller). 0, or NTC_EINVAL. */
int ntc_alert_get_info(const ntc_alert *alert, ntc_alert_info *out);

/** The entity's id (see ntc_alert_entity). Never NULL. */
const char *ntc_alert_entity_id(const ntc_alert *alert);

/** The one-line description. Never NULL. */
const char *ntc_alert_description(const ntc_alert *alert);

/** Number of details. */
size_t ntc_alert_detail_count(const ntc_alert *alert);

/** Detail i (0 <= i < count) into `out` (size set by the caller). 0, or NTC_EINVAL. */
int ntc_alert_get_detail(const ntc_alert *alert, size_t i, ntc_alert_detail *out);

/** Write the alert as one JSON object (no newline), snprintf-style as ntc_flow_format_json():
 * returns the length the whole text needs. Keys: ALERT_ID, ALERT_TYPE (name), ALERT_TYPE_ID,
 * SEVERITY (name), ENTITY (name), ENTITY_ID, STATE (name), ALERT_TIME (epoch seconds),
 * ALERT_TIME_MS, ENGAGED_TIME and ENGAGED_TIME_MS (released alerts), SUPPRESSED (when not 0),
 * RULE_LINE (when not 0), DESCRIPTION, DETAILS (an object of the details). NTC_EINVAL on NULL. */
int ntc_alert_format_json(const ntc_alert *alert, char *buf, size_t bufsize);

/** A copy of the alert, or NULL when out of memory. Free it with ntc_alert_free(). */
ntc_alert *ntc_alert_dup(const ntc_alert *alert);

/** Free an alert from ntc_alert_dup() or ntc_engine_alert_pop(). NULL is a no-op. */
void ntc_alert_free(ntc_alert *alert);

/** Static names: "threshold", "syn_flood_attacker", ...; "info", "warning", "error",
 * "critical"; "interface", "host", "network", "flow"; "engaged", "released", "event". NULL for
 * values out of range. */
const char *ntc_alert_type_name(int type);
const char *ntc_alert_severity_name(int severity);
const char *ntc_alert_entity_name(int entity);
const char *ntc_alert_state_name(int state);

/** Take the oldest alert of the engine's pull queue: *out receives it (the caller's, to
 * ntc_alert_free()), or NULL when the queue is empty. The queue holds at most "alert.queue_max"
 * alerts (0: no queue); alerts arriving when it is full are dropped and counted. Any thread, also
 * while the engine runs. 0, or NTC_EINVAL. */
int ntc_engine_alert_pop(ntc_engine *eng, ntc_alert **out);

/** Load threshold and blacklist rules now, on the engine thread (not from a callback: NTC_ESTATE).
 * `path` NULL re-reads "alert.rules_file" (an empty key clears the rules). If the file cannot be
 * read (NTC_EIO) or has errors (NTC_EFORMAT) nothing changes and ntc_engine_errmsg() says
 * "FILE:LINE: problem" for every bad line. On success, episodes of rules that are still there
 * (same entity, target, metric, comparison, threshold and period) go on; those of rules that are
 * gone are released at the current time. A new `path` becomes the one later reloads read. */
int ntc_engine_alert_load_rules(ntc_engine *eng, const char *path);

/** Ask the engine to re-read its rules file at its next one-second tick, as
 * ntc_engine_alert_load_rules(eng, NULL) does; problems go to the log callback (old rules stay).
 * Safe from any thread and from signal handlers (for SIGHUP). */
void ntc_engine_alert_reload(ntc_engine *eng);

/** Raise an alert of the caller's own (type NTC_ALERT_USER, state NTC_ALERT_EVENT) at the engine
 * clock, delivered like the detectors' (callback, queue, alert.* sinks) and rate limited like
 * them (same entity id and description within alert.repeat_interval: counted, not delivered).
 * Engine thread, also from callbacks other than the alert callback itself (NTC_ESTATE there).
 * `severity` an ntc_alert_severity, `entity` an ntc_alert_entity, `entity_id` its id ("" or NULL
 * for the interface), `description` one line. 0 (also when held back), NTC_EINVAL, or NTC_ESTATE
 * (alerts off: alert.enable = false). */
int ntc_engine_alert_raise(ntc_engine *eng, int severity, int entity, const char *entity_id,
                           const char *description);

/** Call fn for every engaged alert (as delivered when it engaged; suppressed episodes are left
 * out), on the engine thread; fn returns 0 to go on. Allowed in the tick callback, as
 * ntc_engine_foreach_flow() is; NTC_ESTATE from the other callbacks. */
int ntc_engine_foreach_engaged_alert(ntc_engine *eng,
                                     int (*fn)(void *user, const ntc_alert *alert), void *user);

/** Alert counters. Output struct: set `size` first. */
typedef struct ntc_alert_stats {
    size_t size;              /**< set by the caller */
    uint64_t delivered;       /**< alerts delivered (engaged + released + events) */
    uint64_t engaged;         /**< episodes engaged now (suppressed ones included) */
    uint64_t suppressed;      /**< alerts not delivered by the rate limit */
    uint64_t queued;          /**< alerts waiting in the pull queue */
    uint64_t queue_dropped;   /**< alerts not queued: the queue was full */
    uint64_t track_full;      /**< detector or threshold state not kept: alert.track_max reached
                                   (the alerts that needed it may be missed) */
    uint64_t sink_errors;     /**< JSON lines and syslog writes that failed */
    uint64_t exec_started;    /**< alert.exec commands started */
    uint64_t exec_failed;     /**< ... that could not start, exited non-zero, or were killed */
    uint64_t exec_dropped;    /**< ... not started: alert.exec_max commands were running */
    uint64_t rules;           /**< threshold rules loaded */
    uint64_t blacklist;       /**< blacklist entries loaded */
    uint64_t memory_bytes;    /**< memory held by the alert tables now */
} ntc_alert_stats;

/** Fill alert counters (out->size set by the caller). Engine thread. 0, or NTC_EINVAL. */
int ntc_engine_get_alert_stats(const ntc_engine *eng, ntc_alert_stats *out);

#ifdef __cplusplus
}
#endif
#endif
