/* Private: ntopng-style ZMQ messages — the binary header frame (v0 to v3, told apart by size), the
 * payload (JSON or TLV, optionally zlib-compressed) and per-source msg_id accounting. No sockets:
 * frames go in, flow records come out through a callback (tested and fuzzed on its own).
 *
 * Limits: a payload larger than max_message (compressed or after inflating) is skipped; at most
 * max_sources source ids are tracked for drop accounting (others are still read, their drops not
 * counted, and counted once as refused). Malformed headers, payloads and records are counted
 * (collect_errors) and skipped. Only the "flow" topic carries records; other topics are accepted
 * and ignored. Byte order: msg_id is in network order; source_id (and the sizes, which are not
 * used: the frame has its length) in the x86-64 layout of ntopng's struct, little-endian. */
#ifndef NTC_LIB_COLLECT_ZMQMSG_H
#define NTC_LIB_COLLECT_ZMQMSG_H

#include <stddef.h>
#include <stdint.h>

#include "collect/netflow.h"

typedef struct ntc__zmqp ntc__zmqp;

/** Header flags of version 3 (version byte 4). */
enum { NTC__ZMQ_FLAG_TLV = 2, NTC__ZMQ_FLAG_ZLIB = 4 };
/** Header sizes by version. */
enum { NTC__ZMQ_HDR_V0 = 40, NTC__ZMQ_HDR_V1 = 24, NTC__ZMQ_HDR_V2 = 28, NTC__ZMQ_HDR_V3 = 36 };

ntc__zmqp *ntc__zmqp_new(uint32_t max_sources, size_t max_message, uint64_t seed,
                         ntc_iface_stats *st);
void ntc__zmqp_free(ntc__zmqp *z);

/** One message: header frame and payload frame. endpoint names the socket for FLOW_SOURCE
 * ("tcp://127.0.0.1:5556"); now_us stands for missing times. Returns the records handed to fn, or
 * -1 when the message was malformed (counted). */
int ntc__zmqp_message(ntc__zmqp *z, const uint8_t *hdr, size_t hlen, const uint8_t *payload,
                      size_t plen, const char *endpoint, uint64_t now_us, ntc__record_fn fn,
                      void *user);

/** Parse a payload alone (no header): JSON when tlv is 0, else TLV; not compressed. Used by the
 * message path and the tests. source: FLOW_SOURCE of the records. Returns records or -1. */
int ntc__zmqp_payload(ntc__zmqp *z, int tlv, const uint8_t *p, size_t n, const char *source,
                      uint64_t now_us, ntc__record_fn fn, void *user);

#endif
