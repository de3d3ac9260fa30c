/* libntopcore — application protocols (DPI results), categories, breeds, risks, metadata.
 *
 * Every flow gets an application protocol from deep packet inspection (nDPI inside the library;
 * none of its types or numbers appear here). A protocol is a pair master.app — "TLS.YouTube" is
 * YouTube carried over TLS, "DNS" alone has master DNS and no app. Ids are our own, stable and
 * append-only (0 is Unknown); protocols loaded at run time from dpi.protocols_file get ids from
 * NTC_L7_CUSTOM_BASE up, in load order, and their names through ntc_engine_app_name().
 *
 * Thread-safety: the name functions return static strings and may be called from any thread. Flow
 * and host accessors follow the rules of flow.h / host.h.
 */
#ifndef NTOPCORE_L7_H
#define NTOPCORE_L7_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

/** First id given to protocols loaded at run time (dpi.protocols_file). */
#define NTC_L7_CUSTOM_BASE 32768

/** How a flow's application protocol was decided. */
typedef enum ntc_l7_how {
    NTC_L7_PENDING = 0,  /**< still being inspected; master/app already hold the application
                              when nDPI has named it and only waits for more metadata */
    NTC_L7_DPI = 1,      /**< recognised from the packets' contents */
    NTC_L7_GUESS = 2,    /**< inspection gave up; guessed from ports or addresses */
    NTC_L7_UNKNOWN = 3,  /**< inspection gave up; no guess */
    NTC_L7_OFF = 4       /**< DPI disabled (dpi.enable = false) or not possible for this flow */
} ntc_l7_how;

/** How safe an application is considered. */
typedef enum ntc_l7_breed {
    NTC_BREED_SAFE = 0,
    NTC_BREED_ACCEPTABLE = 1,
    NTC_BREED_FUN = 2,
    NTC_BREED_UNSAFE = 3,
    NTC_BREED_POTENTIALLY_DANGEROUS = 4,
    NTC_BREED_DANGEROUS = 5,
    NTC_BREED_TRACKER_ADS = 6,
    NTC_BREED_UNRATED = 7
} ntc_l7_breed;

/** Metadata keys of a flow. The names (ntc_meta_name()) are the flow record field names. */
typedef enum ntc_meta {
    NTC_META_HTTP_METHOD = 0,      /**< HTTP_METHOD: "GET", "POST", ... */
    NTC_META_HTTP_URL = 1,         /**< HTTP_URL: host and path as requested */
    NTC_META_HTTP_HOST = 2,        /**< HTTP_HOST: the Host header */
    NTC_META_HTTP_USER_AGENT = 3,  /**< HTTP_USER_AGENT */
    NTC_META_HTTP_MIME = 4,        /**< HTTP_MIME: response Content-Type */
    NTC_META_HTTP_RET_CODE = 5,    /**< HTTP_RET_CODE: response status, decimal */
    NTC_META_DNS_QUERY = 6,        /**< DNS_QUERY: the queried name */
    NTC_META_DNS_QUERY_TYPE = 7,   /**< DNS_QUERY_TYPE: decimal (1 A, 28 AAAA, ...) */
    NTC_META_DNS_RET_CODE = 8,     /**< DNS_RET_CODE: response code, decimal */
    NTC_META_DNS_ANSWER = 9,       /**< DNS_ANSWER: first answered address */
    NTC_META_TLS_SERVER_NAME = 10, /**< TLS_SERVER_NAME: SNI of TLS or QUIC */
    NTC_META_TLS_VERSION = 11,     /**< TLS_VERSION: e.g. "TLSv1.2" */
    NTC_META_JA3C_HASH = 12,       /**< JA3C_HASH: JA3 client fingerprint */
    NTC_META_JA3S_HASH = 13,       /**< JA3S_HASH: JA3 server fingerprint */
    NTC_META_TLS_ISSUER_DN = 14,   /**< TLS_ISSUER_DN: certificate issuer */
    NTC_META_TLS_SUBJECT_DN = 15,  /**< TLS_SUBJECT_DN: certificate subject */
    NTC_META_TLS_NOT_BEFORE = 16,  /**< TLS_NOT_BEFORE: certificate validity start, epoch s */
    NTC_META_TLS_NOT_AFTER = 17,   /**< TLS_NOT_AFTER: certificate validity end, epoch s */
    NTC_META_TLS_ALPN = 18,        /**< TLS_ALPN: offered ALPN list */
    NTC_META_SSH_CLIENT = 19,      /**< SSH_CLIENT_SIGNATURE: client banner */
    NTC_META_SSH_SERVER = 20,      /**< SSH_SERVER_SIGNATURE: server banner */
    NTC_META_DHCP_HOST_NAME = 21,  /**< DHCP_HOST_NAME: host name a DHCP client announced */
    NTC_META_HOST_NAME = 22,       /**< HOST_NAME: name nDPI read for other protocols (mDNS,
                                        NetBIOS, ...) */
    NTC_META_L7_NAME = 23,         /**< L7_PROTO_NAME, stored only for custom protocols and
                                        for collected flows naming a protocol we do not know */
    NTC_META_FLOW_SOURCE = 24,     /**< FLOW_SOURCE: where a collected flow came from, e.g.
                                        "ipfix:192.0.2.1:40000/0" (protocol, exporter address and
                                        port, observation domain or ZMQ source id); absent for
                                        flows made from packets */
    NTC_META_COUNT = 25            /**< number of keys (grows as keys are appended) */
} ntc_meta;

/** Static name of an application id of the built-in table ("TLS", "YouTube"); NULL for ids outside
 * it (custom protocols: see ntc_engine_app_name()). */
const char *ntc_l7_app_name(uint16_t id);

/** Id of a built-in application name (exact, case-sensitive), or -1. */
int ntc_l7_app_id(const char *name);

/** Static name of a category id ("Web", "Network", ...), or NULL. */
const char *ntc_l7_category_name(uint16_t id);

/** Static name of a breed ("Safe", "Potentially Dangerous", ...), or NULL. */
const char *ntc_l7_breed_name(int breed);

/** Static name of a risk id (a bit number of ntc_flow_l7.risk), or NULL. */
const char *ntc_l7_risk_name(unsigned risk);

/** Static short name of a verdict kind ("pending", "dpi", "guess", "unknown", "off"). */
const char *ntc_l7_how_name(int how);

/** Record field name of a metadata key ("HTTP_URL", ...), or NULL. */
const char *ntc_meta_name(int key);

/** Application result of a flow. Output struct: set `size` first. */
typedef struct ntc_flow_l7 {
    size_t size;            /**< set by the caller */
    uint16_t master;        /**< master protocol id (e.g. TLS), 0 if none */
    uint16_t app;           /**< application id (e.g. YouTube), 0 if none */
    uint16_t category;      /**< category id */
    uint8_t breed;          /**< ntc_l7_breed */
    uint8_t how;            /**< ntc_l7_how */
    uint64_t risk;          /**< bitmap: bit n set = risk id n (ntc_l7_risk_name(n)) */
    uint16_t risk_score;    /**< sum of the risks' scores */
    uint16_t dpi_packets;   /**< packets inspected */
} ntc_flow_l7;

/** Fill the flow's application result. 0 or NTC_EINVAL. */
int ntc_flow_get_l7(const ntc_flow *flow, ntc_flow_l7 *out);

/** Write the flow's protocol name ("TLS.YouTube", "DNS", "Unknown") into buf, snprintf-style
 * (returns the length needed). */
int ntc_flow_l7_name(const ntc_flow *flow, char *buf, size_t bufsize);

/** The flow's value for a metadata key, or NULL when absent (always NULL for NTC_META_L7_NAME:
 * use ntc_flow_l7_name()). Borrowed: valid as the flow is. */
const char *ntc_flow_meta(const ntc_flow *flow, int key);

/** Traffic of one application (or category). Output struct: set `size` first. Directions are the
 * flows' (client to server = sent by clients). */
typedef struct ntc_app_stats {
    size_t size;              /**< set by the caller */
    uint16_t id;              /**< application id, or category id for category tables */
    uint64_t flows;           /**< flows classified with it */
    uint64_t cli2srv_packets, cli2srv_bytes;
    uint64_t srv2cli_packets, srv2cli_bytes;
} ntc_app_stats;

/** Number of applications in a local host's table (0 for remote hosts: they keep no L7 stats). */
size_t ntc_host_app_count(const ntc_host *host);

/** Entry i of a local host's application table; directions from the host's view: cli2srv = sent
 * by the host. 0, or NTC_EINVAL when i is out of range. */
int ntc_host_get_app(const ntc_host *host, size_t i, ntc_app_stats *out);

/** The host's name learnt passively (DNS answers, TLS SNI, HTTP Host, DHCP, NetBIOS), or NULL.
 * Control characters from the traffic are replaced by '?'; other bytes are as seen (not
 * necessarily valid UTF-8). */
const char *ntc_host_name(const ntc_host *host);

#ifdef __cplusplus
}
#endif
#endif
