/* Element numbers and record field names shared by the exporters and collectors (elements.h). */
#include "export/elements.h"

#include <string.h>

#include "ntopcore/l7.h"

typedef struct named_el {
    const char *name;
    uint32_t el;
} named_el;

/* Field names as lib/export/json.c writes them, then the aliases ntopng and nProbe use. */
static const named_el names[] = {
    {"IN_BYTES", NTC__EL_IN_BYTES},
    {"IN_PKTS", NTC__EL_IN_PKTS},
    {"PROTOCOL", NTC__EL_PROTOCOL},
    {"SRC_TOS", NTC__EL_SRC_TOS},
    {"TCP_FLAGS", NTC__EL_TCP_FLAGS},
    {"L4_SRC_PORT", NTC__EL_L4_SRC_PORT},
    {"IPV4_SRC_ADDR", NTC__EL_IPV4_SRC_ADDR},
    {"INPUT_SNMP", NTC__EL_INPUT_SNMP},
    {"L4_DST_PORT", NTC__EL_L4_DST_PORT},
    {"IPV4_DST_ADDR", NTC__EL_IPV4_DST_ADDR},
    {"OUTPUT_SNMP", NTC__EL_OUTPUT_SNMP},
    {"LAST_SWITCHED", NTC__EL_LAST_SWITCHED},
    {"FIRST_SWITCHED", NTC__EL_FIRST_SWITCHED},
    {"OUT_BYTES", NTC__EL_OUT_BYTES},
    {"OUT_PKTS", NTC__EL_OUT_PKTS},
    {"IPV6_SRC_ADDR", NTC__EL_IPV6_SRC_ADDR},
    {"IPV6_DST_ADDR", NTC__EL_IPV6_DST_ADDR},
    {"ICMP_TYPE", NTC__EL_ICMP_TYPE},
    {"SRC_VLAN", NTC__EL_SRC_VLAN},
    {"DST_VLAN", NTC__EL_DST_VLAN},
    {"IP_PROTOCOL_VERSION", NTC__EL_IP_PROTOCOL_VERSION},
    {"DIRECTION", NTC__EL_DIRECTION},
    {"FLOW_END_REASON", NTC__EL_FLOW_END_REASON},
    {"FLOW_START_SEC", NTC__EL_START_SEC},
    {"FLOW_END_SEC", NTC__EL_END_SEC},
    {"FLOW_START_MILLISECONDS", NTC__EL_START_MS},
    {"FLOW_END_MILLISECONDS", NTC__EL_END_MS},
    {"FLOW_START_MICROSECONDS", NTC__EL_START_US},
    {"FLOW_END_MICROSECONDS", NTC__EL_END_US},
    {"CLIENT_TCP_FLAGS", NTC__EL_CLIENT_TCP_FLAGS},
    {"SERVER_TCP_FLAGS", NTC__EL_SERVER_TCP_FLAGS},
    {"L7_PROTO", NTC__EL_L7_PROTO},
    {"L7_PROTO_NAME", NTC__EL_L7_PROTO_NAME},
    {"L7_PROTO_CATEGORY", NTC__EL_L7_PROTO_CATEGORY},
    {"L7_PROTO_BREED", NTC__EL_L7_PROTO_BREED},
    {"L7_DETECTION", NTC__EL_L7_DETECTION},
    {"L7_PROTO_RISK", NTC__EL_L7_PROTO_RISK},
    {"L7_RISK_SCORE", NTC__EL_L7_RISK_SCORE},
    {"FLOW_SOURCE", NTC__EL_FLOW_SOURCE},
    {"HTTP_URL", NTC__EL_HTTP_URL},
    {"HTTP_RET_CODE", NTC__EL_HTTP_RET_CODE},
    {"HTTP_USER_AGENT", NTC__EL_HTTP_USER_AGENT},
    {"TLS_SERVER_NAME", NTC__EL_TLS_SERVER_NAME},
    {"DNS_QUERY", NTC__EL_DNS_QUERY},
    {"DNS_QUERY_TYPE", NTC__EL_DNS_QUERY_TYPE},
    {"DNS_RET_CODE", NTC__EL_DNS_RET_CODE},
    {"HTTP_METHOD", NTC__EL_HTTP_METHOD},
    {"HTTP_HOST", NTC__EL_HTTP_SITE},
    /* aliases */
    {"HTTP_SITE", NTC__EL_HTTP_SITE},
    {"IN_SRC_VLAN", NTC__EL_SRC_VLAN},
    {"VLAN_ID", NTC__EL_DOT1Q_VLAN},
    {"SSL_SERVER_NAME", NTC__EL_TLS_SERVER_NAME},
    {"L7_PROTO_RISK_SCORE", NTC__EL_L7_RISK_SCORE},
};

/* Metadata keys that have an element id. */
static const struct {
    int key;
    uint32_t el;
} meta_els[] = {
    {NTC_META_HTTP_METHOD, NTC__EL_HTTP_METHOD},
    {NTC_META_HTTP_URL, NTC__EL_HTTP_URL},
    {NTC_META_HTTP_HOST, NTC__EL_HTTP_SITE},
    {NTC_META_HTTP_USER_AGENT, NTC__EL_HTTP_USER_AGENT},
    {NTC_META_HTTP_RET_CODE, NTC__EL_HTTP_RET_CODE},
    {NTC_META_DNS_QUERY, NTC__EL_DNS_QUERY},
    {NTC_META_DNS_QUERY_TYPE, NTC__EL_DNS_QUERY_TYPE},
    {NTC_META_DNS_RET_CODE, NTC__EL_DNS_RET_CODE},
    {NTC_META_TLS_SERVER_NAME, NTC__EL_TLS_SERVER_NAME},
};

uint32_t ntc__element_by_name(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i].name) == n && memcmp(names[i].name, name, n) == 0)
            return names[i].el;
    /* Metadata names without an element id. */
    for (int k = 0; k < NTC_META_COUNT; k++) {
        const char *m = ntc_meta_name(k);
        if (k != NTC_META_L7_NAME && k != NTC_META_FLOW_SOURCE && m && strlen(m) == n &&
            memcmp(m, name, n) == 0)
            return ntc__meta_element(k);
    }
    return 0;
}

const char *ntc__element_name(uint32_t el)
{
    if (el >= NTC__EL_META && el < NTC__EL_META + NTC_META_COUNT)
        return ntc_meta_name((int)(el - NTC__EL_META));
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].el == el)
            return names[i].name;
    return NULL;
}

int ntc__element_meta(uint32_t el)
{
    if (el >= NTC__EL_META && el < NTC__EL_META + NTC_META_COUNT)
        return (int)(el - NTC__EL_META);
    for (size_t i = 0; i < sizeof(meta_els) / sizeof(meta_els[0]); i++)
        if (meta_els[i].el == el)
            return meta_els[i].key;
    return -1;
}

uint32_t ntc__meta_element(int key)
{
    for (size_t i = 0; i < sizeof(meta_els) / sizeof(meta_els[0]); i++)
        if (meta_els[i].key == key)
            return meta_els[i].el;
    return NTC__EL_META + (uint32_t)key;
}

uint32_t ntc__element_normalize(uint32_t pen, uint32_t id)
{
    if (pen == 0)
        return id;
    if (pen == NTC__PEN_NTOP)
        return id >= NTC__NTOP_BASE ? id : NTC__NTOP(id);
    if (pen == NTC__PEN_REVERSE) {
        switch (id) {
        case NTC__EL_IN_BYTES: case NTC__EL_OCTET_TOTAL: return NTC__EL_OUT_BYTES;
        case NTC__EL_IN_PKTS: case NTC__EL_PACKET_TOTAL: return NTC__EL_OUT_PKTS;
        case NTC__EL_TCP_FLAGS: return NTC__EL_SERVER_TCP_FLAGS;
        default: return 0;
        }
    }
    return 0;
}
