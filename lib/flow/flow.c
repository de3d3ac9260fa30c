/* Public flow accessors. */
#include "flow/flow.h"
#include "ntopcore/error.h"

NTC_EXPORT int ntc_flow_get_info(const ntc_flow *f, ntc_flow_info *out)
{
    if (!f || !out || out->size < offsetof(ntc_flow_info, cli2srv_packets))
        return NTC_EINVAL;
    ntc_flow_info i;
    memset(&i, 0, sizeof(i));
    i.size = out->size;
    i.id = f->id;
    i.ip_version = f->key.ip_version;
    i.l4_proto = f->key.proto;
    i.vlan = f->key.vlan;
    memcpy(i.cli_addr, f->key.a, 16);
    memcpy(i.srv_addr, f->key.b, 16);
    i.cli_port = f->key.pa;
    i.srv_port = f->key.pb;
    i.cli2srv_packets = f->pkts[0];
    i.cli2srv_bytes = f->bytes[0];
    i.srv2cli_packets = f->pkts[1];
    i.srv2cli_bytes = f->bytes[1];
    i.first_us = f->first_us;
    i.last_us = f->last_us;
    i.cli_tcp_flags = f->tcp_flags[0];
    i.srv_tcp_flags = f->tcp_flags[1];
    i.tcp_state = f->tcp_state;
    i.tunnel = f->tunnel;
    i.fragments = f->fragments;
    memcpy(out, &i, NTC__MIN(out->size, sizeof(i)));
    return 0;
}

NTC_EXPORT const char *ntc_tcp_state_name(int state)
{
    static const char *names[] = {"NONE", "SYN_SENT", "SYN_RCVD", "ESTABLISHED",
                                  "CLOSING", "CLOSED", "RESET", "MIDSTREAM"};
    return state >= 0 && state < (int)NTC__ARRAY_LEN(names) ? names[state] : "UNKNOWN";
}

NTC_EXPORT const char *ntc_tunnel_name(int tunnel)
{
    static const char *names[] = {"", "IPIP", "GRE", "GTP-U", "VXLAN", "CAPWAP"};
    return tunnel >= 0 && tunnel < (int)NTC__ARRAY_LEN(names) ? names[tunnel] : "?";
}

NTC_EXPORT const char *ntc_flow_end_reason_name(int reason)
{
    switch (reason) {
    case NTC_FLOW_END_IDLE: return "idle";
    case NTC_FLOW_END_ACTIVE: return "active";
    case NTC_FLOW_END_EVICTED: return "evicted";
    case NTC_FLOW_END_FLUSH: return "flush";
    default: return "unknown";
    }
}
