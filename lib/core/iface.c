#include "ntopcore/iface.h"
#include "util/util.h"

NTC_EXPORT const char *ntc_decode_error_name(int reason)
{
    static const char *names[NTC_DECODE_ERROR_COUNT] = {
        "truncated-l2", "truncated-ip", "bad-ip-version", "bad-ipv4-ihl", "bad-ip-length",
        "ipv6-ext-limit", "truncated-l4", "bad-tcp-header", "too-deep", "bad-tunnel",
        "unknown-linktype", "frag-table-full"};
    return reason >= 0 && reason < NTC_DECODE_ERROR_COUNT ? names[reason] : "unknown";
}
