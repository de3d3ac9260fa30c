/* libntopcore — record formatting for export.
 *
 * Flow and host records as JSON objects on one line, with the field names of the nProbe/ntopng
 * templates (IPV4_SRC_ADDR, L4_SRC_PORT, IN_PKTS, ...; source = client, IN = client to server), or,
 * with NTC_JSON_NPROBE_IDS, with the numeric NetFlow/IPFIX element ids as keys ("8", "12", ...), as
 * ntopng's collector reads them.
 *
 * Thread-safety: these functions only read the flow/host and write the caller's buffer.
 */
#ifndef NTOPCORE_EXPORT_H
#define NTOPCORE_EXPORT_H

#include <stddef.h>

#include "flow.h"
#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Flags for the JSON formatters. */
enum {
    NTC_JSON_NPROBE_IDS = 1 << 0  /**< numeric element ids as keys instead of names */
};

/** Write the flow as one JSON object (no newline) into buf, NUL-terminated, snprintf-style: returns
 * the length the full text needs (excluding the NUL), so a return >= bufsize means truncation.
 * Returns NTC_EINVAL on NULL flow. */
int ntc_flow_format_json(const ntc_flow *flow, unsigned flags, char *buf, size_t bufsize);

/** Write the host as one JSON object, as ntc_flow_format_json() does for flows. Field names:
 * IP_ADDR, VLAN, IS_LOCAL, IS_SYSTEM, MAC, PKTS_SENT, BYTES_SENT, PKTS_RCVD, BYTES_RCVD,
 * FIRST_SEEN, LAST_SEEN, ACTIVE_FLOWS_AS_CLIENT, ACTIVE_FLOWS_AS_SERVER, TOTAL_FLOWS_AS_CLIENT,
 * TOTAL_FLOWS_AS_SERVER, NAME (when learnt), and for local hosts APPS: a list of objects
 * (L7_PROTO_NAME, FLOWS, PKTS_SENT, BYTES_SENT, PKTS_RCVD, BYTES_RCVD) — custom protocols appear
 * by id there. */
int ntc_host_format_json(const ntc_host *host, unsigned flags, char *buf, size_t bufsize);

/** Write s as a quoted JSON string into buf, snprintf-style (returns the length needed, excluding
 * the NUL). The result is valid JSON and valid UTF-8 whatever s holds: control characters are
 * escaped and bytes outside valid UTF-8 sequences become U+FFFD — what the record formatters do
 * with strings from traffic. NTC_EINVAL for a NULL s. */
int ntc_json_string(const char *s, char *buf, size_t bufsize);

#ifdef __cplusplus
}
#endif
#endif
