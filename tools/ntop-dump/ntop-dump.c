/* ntop-dump: write the packets the engine selects (hosts, applications, unknown or risky flows,
 * the first packets of each flow) to rotated pcap/pcapng files within a disk budget, and/or to a
 * TAP interface. The work is done by the library's dumper (ntopcore/dump.h); this is its CLI. */
#include <errno.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
    OPT_PCAPNG = CLI_OPT_TOOL_BASE, OPT_TAP, OPT_ROT_PACKETS, OPT_ROT_SECONDS, OPT_ROT_SIZE,
    OPT_RING_FILES, OPT_RING_SIZE, OPT_HOST, OPT_L7, OPT_CATEGORY, OPT_UNKNOWN, OPT_RISKY,
    OPT_FIRST, OPT_BUFFER, OPT_UNDER_ATTACK, OPT_ALERT_SAMPLING
};

typedef struct dump_ctx {
    cli_common *c;
    ntc_engine *eng;
    ntc_dump *dump;
    int failed;          /* a write failed: the run stops */
    uint64_t alert_flow; /* id of the flow whose alert came just before its verdict (0: none) */
} dump_ctx;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: ntop-dump [-r FILE]... [-i IFACE]... [-w PATTERN] [--tap NAME] [--pcapng]\n"
            "                 [-s SNAPLEN] [--rotate-packets N] [--rotate-seconds S]\n"
            "                 [--rotate-size SIZE] [--ring-files N] [--ring-size SIZE]\n"
            "                 [--host NET]... [--l7 NAME]... [--category NAME]... [--unknown]\n"
            "                 [--risky] [--first N] [--buffer SIZE] [--under-attack]\n"
            "                 [--alert-sampling N] [--script FILE]... [-m NETS] [-c COUNT]\n"
            "                 [--config FILE] [--set KEY=VALUE]... [-q] [-v] [EXPRESSION]\n"
            "Write the packets of capture files or live interfaces that match the selectors to\n"
            "pcap/pcapng files and/or a TAP interface. Every selector given must match.\n"
            "\n"
            "  -r FILE            read a pcap/pcapng file (repeatable; merged in time order)\n"
            "  -i IFACE           capture live on IFACE (repeatable; needs root or CAP_NET_RAW)\n"
            "  -w PATTERN         write files named by PATTERN, with strftime fields (%%Y%%m%%d-%%H%%M%%S)\n"
            "                     taken from the packet time when each file starts (local time)\n"
            "  --tap NAME         send the packets to TAP interface NAME (created if missing)\n"
            "  --pcapng           write pcapng instead of pcap\n"
            "  -s SNAPLEN         keep at most SNAPLEN bytes of each packet (0: all, default)\n"
            "  --rotate-packets N new file after N packets (default 10000; 0: no limit)\n"
            "  --rotate-seconds S new file when a file spans S seconds of packet time\n"
            "                     (default 300; 0: no limit)\n"
            "  --rotate-size SIZE new file before one would exceed SIZE bytes (k, M, G: 1024-based)\n"
            "  --ring-files N     keep at most N files, deleting the oldest\n"
            "  --ring-size SIZE   keep the files within SIZE bytes, deleting the oldest (each file\n"
            "                     is then at most SIZE/2)\n"
            "  --host NET         flows with a client or server in NET (address or CIDR; repeatable)\n"
            "  --l7 NAME          flows of application NAME: TLS.YouTube exactly, YouTube or TLS\n"
            "                     either part, Unknown none (repeatable)\n"
            "  --category NAME    flows of category NAME, e.g. Streaming (repeatable)\n"
            "  --unknown          flows whose application is Unknown\n"
            "  --risky            flows with nDPI risks\n"
            "  --first N          only the first N packets of each flow (the rest are counted)\n"
            "  --buffer SIZE      memory for packets held until their flow's application is known\n"
            "                     (default 16M)\n"
            "  --under-attack     only hosts and flows with an alert: a host while one of its alerts\n"
            "                     is engaged (SYN flood, scan, threshold ...), a flow with an alert\n"
            "                     (risks, dangerous application ...); alert.* keys set the detectors\n"
            "                     and hosts that scripts mark with ntop.dump_host(address)\n"
            "  --alert-sampling N write 1 of N packets of what alerts selected (default 1: all)\n"
            "  -m NETS            local networks, comma-separated CIDR (adds to host.local_networks)\n"
            "  -c COUNT           stop after COUNT packets\n"
            "  --config FILE      read KEY = VALUE settings\n"
            "  --set KEY=VALUE    set one configuration key (see below; dump.* are this tool's)\n"
            "  --list-config      print the configuration keys and exit\n"
            "  -q                 no progress or summary on stderr\n"
            "  -v                 print the engine's and the dump's counters on stderr at the end\n"
            "  --help, --version\n"
            "  EXPRESSION         a BPF filter (tcpdump syntax) applied to every source\n"
            "\n"
            "Exit status: 0 success, 1 runtime error (unreadable input, write error, TAP), 2 usage\n"
            "error.\n\n"
            "Scripts (with --under-attack, ntop.dump_host(address) writes every packet of a host\n"
            "from then on, ntop.dump_host(address, false) stops):\n");
    cli_print_script_help(out);
    fprintf(out, "\n");
    cli_print_config_keys(out);
}

/* Set a dump.* key from an option's text; prints the error naming the option. */
static int set_key(cli_common *c, const char *opt, const char *key, const char *val)
{
    if (ntc_config_set(c->cfg, key, val) == 0)
        return 0;
    fprintf(stderr, "ntop-dump: %s %s: %s\n", opt, val, ntc_config_errmsg(c->cfg));
    return -1;
}

/* Append an item to a comma-separated dump.* list. */
static int append_key(cli_common *c, const char *opt, const char *key, const char *val)
{
    if (!val[0] || strchr(val, ',')) {
        fprintf(stderr, "ntop-dump: %s takes one value, not '%s' (repeat the option)\n", opt, val);
        return -1;
    }
    const char *old = ntc_config_get_string(c->cfg, key);
    size_t n = strlen(old) + strlen(val) + 2;
    char *joined = malloc(n);
    if (!joined)
        return -1;
    snprintf(joined, n, "%s%s%s", old, old[0] ? "," : "", val);
    int rc = set_key(c, opt, key, joined);
    free(joined);
    return rc;
}

/* A byte size with an optional k/M/G suffix (1024-based), into decimal text. */
static int set_size(cli_common *c, const char *opt, const char *key, const char *val)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(val, &end, 10);
    unsigned long long mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1ULL << 10, end++;
    else if (*end == 'm' || *end == 'M')
        mul = 1ULL << 20, end++;
    else if (*end == 'g' || *end == 'G')
        mul = 1ULL << 30, end++;
    if (errno || end == val || *end || val[0] == '-' || (v && mul > UINT64_MAX / v) ||
        v * mul > INT64_MAX) {
        fprintf(stderr, "ntop-dump: %s takes a size in bytes (k, M, G suffixes), not '%s'\n", opt,
                val);
        return -1;
    }
    char text[32];
    snprintf(text, sizeof(text), "%llu", v * mul);
    return set_key(c, opt, key, text);
}

static void on_packet(void *user, const ntc_flow *flow, int dir, uint64_t ts_us, int linktype,
                      const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
    dump_ctx *x = user;
    if (ntc_dump_packet(x->dump, flow, dir, ts_us, linktype, data, caplen, wirelen) == NTC_EIO &&
        !x->failed) {
        x->failed = 1;
        ntc_engine_stop(x->eng);
    }
}

static void on_verdict(void *user, const ntc_flow *flow)
{
    dump_ctx *x = user;
    if (x->alert_flow) {
        ntc_flow_info fi = {.size = sizeof(fi)};
        if (ntc_flow_get_info(flow, &fi) == 0 && fi.id == x->alert_flow)
            ntc_dump_mark_flow(x->dump, flow, NTC_DUMP_MARK_ALERT);
        x->alert_flow = 0;
    }
    if (ntc_dump_flow_verdict(x->dump, flow) == NTC_EIO && !x->failed) {
        x->failed = 1;
        ntc_engine_stop(x->eng);
    }
}

/* A host's address as alerts and scripts write it: IPv4 or IPv6 text, an alert's ENTITY_ID
 * "ADDR@VLAN" (marks ignore the VLAN), ::ffff:a.b.c.d being the IPv4 host a.b.c.d. The address
 * into bin (zero-padded); returns 4, 6, or 0 when the text is not an address. */
static int host_address(const char *text, uint8_t bin[16])
{
    char addr[64];
    snprintf(addr, sizeof(addr), "%s", text);
    char *at = strchr(addr, '@');
    if (at)
        *at = 0;
    memset(bin, 0, 16);
    if (inet_pton(AF_INET, addr, bin) == 1)
        return 4;
    if (inet_pton(AF_INET6, addr, bin) != 1)
        return 0;
    static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(bin, v4mapped, sizeof(v4mapped)) != 0)
        return 6;
    memmove(bin, bin + 12, 4);
    memset(bin + 4, 0, 12);
    return 4;
}

/* Alerts mark what they are about: a host while its alert is engaged, a flow for good. A flow's
 * alert comes just before its verdict (the engine raises flow alerts first), when its held
 * packets are decided. */
static void on_alert(void *user, const ntc_alert *a)
{
    dump_ctx *x = user;
    ntc_alert_info ai = {.size = sizeof(ai)};
    if (ntc_alert_get_info(a, &ai) != 0)
        return;
    if (ai.entity == NTC_ALERT_ENTITY_HOST) {
        uint8_t bin[16];
        int ipv = host_address(ntc_alert_entity_id(a), bin);
        if (!ipv)
            return;
        if (ai.state == NTC_ALERT_ENGAGED)
            ntc_dump_mark_host(x->dump, ipv, bin, NTC_DUMP_MARK_ALERT);
        else if (ai.state == NTC_ALERT_RELEASED)
            ntc_dump_unmark_host(x->dump, ipv, bin, NTC_DUMP_MARK_ALERT);
    } else if (ai.entity == NTC_ALERT_ENTITY_FLOW) {
        for (size_t i = 0; i < ntc_alert_detail_count(a); i++) {
            ntc_alert_detail d = {.size = sizeof(d)};
            if (ntc_alert_get_detail(a, i, &d) == 0 && d.type == NTC_ALERT_VALUE_INT &&
                strcmp(d.key, "FLOW_ID") == 0)
                x->alert_flow = (uint64_t)d.num;
        }
    }
}

static void on_flow_end(void *user, const ntc_flow *flow, ntc_flow_end_reason why)
{
    dump_ctx *x = user;
    if (ntc_dump_flow_end(x->dump, flow, why) == NTC_EIO && !x->failed) {
        x->failed = 1;
        ntc_engine_stop(x->eng);
    }
}

/* ntop.dump_host(address [, on]) in scripts: an explicit mark (every packet written). */
static int script_dump_host(void *user, const char *address, int on, char *err, size_t errlen)
{
    dump_ctx *x = user;
    if (!x->dump) {
        snprintf(err, errlen, "the dump is not open yet (call it from a callback)");
        return -1;
    }
    int64_t marked_only = 0;
    if (on && ntc_config_get_int(x->c->cfg, "dump.marked_only", &marked_only) == 0 && !marked_only) {
        snprintf(err, errlen, "marks select packets only with --under-attack (dump.marked_only)");
        return -1;
    }
    uint8_t bin[16];
    int ipv = host_address(address, bin);
    if (!ipv) {
        snprintf(err, errlen, "not an IPv4 or IPv6 address: '%s'", address);
        return -1;
    }
    int rc = on ? ntc_dump_mark_host(x->dump, ipv, bin, NTC_DUMP_MARK_EXPLICIT)
                : ntc_dump_unmark_host(x->dump, ipv, bin, NTC_DUMP_MARK_EXPLICIT);
    if (rc) {
        snprintf(err, errlen, "%s", rc == NTC_EFULL ? "dump.max_marks hosts and flows are marked already"
                                                  : ntc_strerror(rc));
        return -1;
    }
    return 0;
}

static void on_log(void *user, ntc_log_level lvl, const char *msg)
{
    dump_ctx *x = user;
    if (lvl <= NTC_LOG_WARNING || x->c->verbose > 1)
        fprintf(stderr, "ntop-dump: %s\n", msg);
}

static void print_dump_summary(FILE *out, const ntc_dump *d)
{
    ntc_dump_stats s = {.size = sizeof(s)};
    ntc_dump_get_stats(d, &s);
    fprintf(out,
            "dump: seen=%" PRIu64 " written=%" PRIu64 " not_selected=%" PRIu64
            " over_first=%" PRIu64 " sampled_out=%" PRIu64 "\n"
            "dump: held_written=%" PRIu64 " held_dropped=%" PRIu64 " buffer_full=%" PRIu64 "\n"
            "dump: files=%" PRIu64 " deleted=%" PRIu64 " ring_files=%" PRIu64 " ring_bytes=%" PRIu64
            " ring_peak=%" PRIu64 " too_big=%" PRIu64 " bytes=%" PRIu64 "\n"
            "dump: tap_sent=%" PRIu64 " tap_dropped=%" PRIu64 " marks=%" PRIu64
            " marks_refused=%" PRIu64 "\n",
            s.packets_seen, s.packets_written, s.packets_not_selected, s.packets_over_flow_limit,
            s.packets_sampled_out, s.packets_released, s.packets_discarded,
            s.packets_buffer_full, s.files_opened, s.files_deleted, s.ring_files, s.ring_bytes,
            s.ring_bytes_peak, s.packets_too_big, s.file_bytes, s.tap_packets, s.tap_dropped,
            s.marks, s.marks_refused);
}

static int dump_main(cli_common *cp, int argc, char **argv)
{
    cli_common c = *cp;
    int have_path = 0, have_tap = 0;
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        CLI_SCRIPT_LONGOPTS,
        {"pcapng", no_argument, NULL, OPT_PCAPNG},
        {"tap", required_argument, NULL, OPT_TAP},
        {"rotate-packets", required_argument, NULL, OPT_ROT_PACKETS},
        {"rotate-seconds", required_argument, NULL, OPT_ROT_SECONDS},
        {"rotate-size", required_argument, NULL, OPT_ROT_SIZE},
        {"ring-files", required_argument, NULL, OPT_RING_FILES},
        {"ring-size", required_argument, NULL, OPT_RING_SIZE},
        {"host", required_argument, NULL, OPT_HOST},
        {"l7", required_argument, NULL, OPT_L7},
        {"category", required_argument, NULL, OPT_CATEGORY},
        {"unknown", no_argument, NULL, OPT_UNKNOWN},
        {"risky", no_argument, NULL, OPT_RISKY},
        {"first", required_argument, NULL, OPT_FIRST},
        {"buffer", required_argument, NULL, OPT_BUFFER},
        {"under-attack", no_argument, NULL, OPT_UNDER_ATTACK},
        {"alert-sampling", required_argument, NULL, OPT_ALERT_SAMPLING},
        {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, CLI_SHORTOPTS "w:s:", longopts, NULL)) != -1) {
        int h = cli_handle_option(&c, opt, optarg, usage);
        if (h < 0)
            return CLI_EXIT_USAGE;
        if (h > 0)
            continue;
        int bad = 0;
        switch (opt) {
        case 'w':
            have_path = 1;
            bad = !optarg[0] ? (fprintf(stderr, "ntop-dump: -w needs a file name pattern\n"), 1)
                             : set_key(&c, "-w", "dump.path", optarg);
            break;
        case 's': bad = set_key(&c, "-s", "dump.snaplen", optarg); break;
        case OPT_PCAPNG: bad = set_key(&c, "--pcapng", "dump.pcapng", "true"); break;
        case OPT_TAP:
            have_tap = 1;
            bad = set_key(&c, "--tap", "dump.tap", optarg);
            break;
        case OPT_ROT_PACKETS: bad = set_key(&c, "--rotate-packets", "dump.file_packets", optarg); break;
        case OPT_ROT_SECONDS: bad = set_key(&c, "--rotate-seconds", "dump.file_seconds", optarg); break;
        case OPT_ROT_SIZE: bad = set_size(&c, "--rotate-size", "dump.file_bytes", optarg); break;
        case OPT_RING_FILES: bad = set_key(&c, "--ring-files", "dump.ring_files", optarg); break;
        case OPT_RING_SIZE: bad = set_size(&c, "--ring-size", "dump.ring_bytes", optarg); break;
        case OPT_HOST: bad = append_key(&c, "--host", "dump.hosts", optarg); break;
        case OPT_L7: bad = append_key(&c, "--l7", "dump.l7", optarg); break;
        case OPT_CATEGORY: bad = append_key(&c, "--category", "dump.categories", optarg); break;
        case OPT_UNKNOWN: bad = set_key(&c, "--unknown", "dump.unknown", "true"); break;
        case OPT_RISKY: bad = set_key(&c, "--risky", "dump.risky", "true"); break;
        case OPT_FIRST: bad = set_key(&c, "--first", "dump.flow_packets", optarg); break;
        case OPT_BUFFER: bad = set_size(&c, "--buffer", "dump.buffer_bytes", optarg); break;
        case OPT_UNDER_ATTACK: bad = set_key(&c, "--under-attack", "dump.marked_only", "true"); break;
        case OPT_ALERT_SAMPLING:
            bad = set_key(&c, "--alert-sampling", "dump.alert_sampling", optarg);
            break;
        default:
            fprintf(stderr, "Try 'ntop-dump --help'.\n");
            return CLI_EXIT_USAGE;
        }
        if (bad)
            return CLI_EXIT_USAGE;
    }
    if (cli_set_filter(&c, argc, argv, optind)) {
        fprintf(stderr, "ntop-dump: bad filter expression\n");
        return CLI_EXIT_USAGE;
    }
    if (cli_check_sources(&c))
        return CLI_EXIT_USAGE;
    if (!have_path && !have_tap && !ntc_config_get_string(c.cfg, "dump.path")[0] &&
        !ntc_config_get_string(c.cfg, "dump.tap")[0]) {
        fprintf(stderr, "ntop-dump: no output: give -w PATTERN (files) or --tap NAME (see --help)\n");
        return CLI_EXIT_USAGE;
    }

    dump_ctx x = {.c = &c};
    c.script_dump_host = script_dump_host;
    c.script_dump_user = &x;
    int rc = cli_open_engine(&c, &x.eng);
    if (rc)
        return rc;
    rc = ntc_dump_new(&x.dump, x.eng, c.cfg);
    if (rc) {
        fprintf(stderr, "ntop-dump: %s\n",
                x.dump && ntc_dump_errmsg(x.dump)[0] ? ntc_dump_errmsg(x.dump) : ntc_strerror(rc));
        ntc_dump_free(x.dump);
        ntc_engine_free(x.eng);
        *cp = c; /* the scripts are freed with it */
        return rc == NTC_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_RUNTIME;
    }
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = on_flow_end, .log = on_log,
                        .packet = on_packet, .flow_verdict = on_verdict, .alert = on_alert};
    cli_set_callbacks(&c, x.eng, &cb, &x);

    int run_err = cli_run(&c, x.eng);
    if (c.verbose && !c.quiet)
        cli_print_summary(stderr, x.eng); /* before the flush empties the tables */
    if (!x.failed)
        ntc_engine_flush(x.eng); /* every flow gets its verdict: held packets are decided */
    int status = CLI_EXIT_OK;
    if (ntc_dump_close(x.dump) != 0) {
        fprintf(stderr, "ntop-dump: %s\n", ntc_dump_errmsg(x.dump));
        status = CLI_EXIT_RUNTIME;
    }
    if (c.verbose && !c.quiet)
        print_dump_summary(stderr, x.dump);
    cli_scripts_finish(&c);
    if (run_err)
        status = CLI_EXIT_RUNTIME; /* already reported through the log callback */
    ntc_dump_free(x.dump);
    ntc_engine_free(x.eng);
    *cp = c;
    return status;
}

int main(int argc, char **argv)
{
    cli_common c;
    cli_init(&c, argv[0]);
    int status = dump_main(&c, argc, argv);
    cli_free(&c);
    return status;
}
