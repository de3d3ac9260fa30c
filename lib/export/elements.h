/* Private: the flow record elements exporters write and collectors read — the NetFlow v9 / IPFIX
 * information element ids (IANA, PEN 0) and ntop's own elements (PEN 35632, element n, written
 * as the single number 57472 + n in NetFlow v9 and in JSON keys), with the record field names of
 * DESIGN.md section 4. lib/export/json.c writes the same names and ids (tests/collect checks that
 * they agree). Names without an element id (L7_PROTO_CATEGORY, ...) get private numbers from
 * NTC__EL_NAMED up, never sent as ids. */
#ifndef NTC_LIB_EXPORT_ELEMENTS_H
#define NTC_LIB_EXPORT_ELEMENTS_H

#include <stddef.h>
#include <stdint.h>

#define NTC__PEN_NTOP 35632u       /* ntop's private enterprise number */
#define NTC__PEN_REVERSE 29305u    /* RFC 5103 reverse elements */
#define NTC__NTOP_BASE 57472u      /* ntop element n is 57472 + n as one number */
#define NTC__NTOP(n) (NTC__NTOP_BASE + (n))

enum {
    NTC__EL_IN_BYTES = 1, NTC__EL_IN_PKTS = 2, NTC__EL_PROTOCOL = 4, NTC__EL_SRC_TOS = 5,
    NTC__EL_TCP_FLAGS = 6, NTC__EL_L4_SRC_PORT = 7, NTC__EL_IPV4_SRC_ADDR = 8,
    NTC__EL_INPUT_SNMP = 10, NTC__EL_L4_DST_PORT = 11, NTC__EL_IPV4_DST_ADDR = 12,
    NTC__EL_OUTPUT_SNMP = 14, NTC__EL_LAST_SWITCHED = 21, NTC__EL_FIRST_SWITCHED = 22,
    NTC__EL_OUT_BYTES = 23, NTC__EL_OUT_PKTS = 24, NTC__EL_IPV6_SRC_ADDR = 27,
    NTC__EL_IPV6_DST_ADDR = 28, NTC__EL_ICMP_TYPE = 32, NTC__EL_SRC_VLAN = 58,
    NTC__EL_DST_VLAN = 59, NTC__EL_IP_PROTOCOL_VERSION = 60, NTC__EL_DIRECTION = 61,
    NTC__EL_OCTET_TOTAL = 85, NTC__EL_PACKET_TOTAL = 86, NTC__EL_FLOW_END_REASON = 136,
    NTC__EL_ICMP_TYPE_V6 = 139, NTC__EL_START_SEC = 150, NTC__EL_END_SEC = 151,
    NTC__EL_START_MS = 152, NTC__EL_END_MS = 153, NTC__EL_START_US = 154, NTC__EL_END_US = 155,
    NTC__EL_START_NS = 156, NTC__EL_END_NS = 157, NTC__EL_SYSTEM_INIT_MS = 160,
    NTC__EL_ICMP_TYPE4 = 176, NTC__EL_ICMP_TYPE6 = 178, NTC__EL_DOT1Q_VLAN = 243,
    NTC__EL_CLIENT_TCP_FLAGS = NTC__NTOP(78), NTC__EL_SERVER_TCP_FLAGS = NTC__NTOP(79),
    NTC__EL_L7_PROTO = NTC__NTOP(118), NTC__EL_L7_PROTO_NAME = NTC__NTOP(119),
    NTC__EL_HTTP_URL = NTC__NTOP(180), NTC__EL_HTTP_RET_CODE = NTC__NTOP(181),
    NTC__EL_HTTP_USER_AGENT = NTC__NTOP(183), NTC__EL_TLS_SERVER_NAME = NTC__NTOP(188),
    NTC__EL_DNS_QUERY = NTC__NTOP(205), NTC__EL_DNS_QUERY_TYPE = NTC__NTOP(207),
    NTC__EL_DNS_RET_CODE = NTC__NTOP(208), NTC__EL_HTTP_METHOD = NTC__NTOP(360),
    NTC__EL_HTTP_SITE = NTC__NTOP(361), NTC__EL_L7_PROTO_RISK = NTC__NTOP(509),
    /* Names without an element id. */
    NTC__EL_NAMED = 0x100000, NTC__EL_L7_PROTO_CATEGORY, NTC__EL_L7_PROTO_BREED,
    NTC__EL_L7_DETECTION, NTC__EL_L7_RISK_SCORE, NTC__EL_FLOW_SOURCE,
    /* Metadata keys without an id: NTC__EL_META + ntc_meta. */
    NTC__EL_META = 0x200000
};

/** Element number of a record field name ("IPV4_SRC_ADDR", "HTTP_URL", "L7_PROTO_BREED", ...;
 * also ntopng's aliases such as HTTP_SITE), or 0. n: length of name. */
uint32_t ntc__element_by_name(const char *name, size_t n);

/** Record field name of an element number (NULL when it has none). */
const char *ntc__element_name(uint32_t el);

/** ntc_meta key that an element number carries (HTTP_URL, ...), or -1. */
int ntc__element_meta(uint32_t el);

/** Element number that carries an ntc_meta key: its id when it has one, else NTC__EL_META + key. */
uint32_t ntc__meta_element(int key);

/** The one-number form of an (enterprise, element id) pair: PEN 0 ids as they are, ntop's
 * elements 57472 + n (an id already >= 57472 stays), RFC 5103 reverse IN_BYTES/IN_PKTS/TCP_FLAGS
 * as OUT_BYTES/OUT_PKTS/SERVER_TCP_FLAGS; 0 for elements of other enterprises. */
uint32_t ntc__element_normalize(uint32_t pen, uint32_t id);

#endif
