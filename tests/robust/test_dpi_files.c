/* dpi.protocols_file and dpi.categories_file against hostile content. nDPI 4.2 trusts these files:
 * `host:@X` makes it write outside a buffer (segmentation fault), `tcp:65535@X` makes it loop for
 * ever (tests/fuzz/known/ has both; ndpiReader -p crashes and hangs on them). The engine checks
 * every line first: such a file is refused with NTC_EFORMAT and a message that names the option,
 * the file and the line; a good file is handed to nDPI normalised, so CRLF line ends and a last
 * line without a newline work as the user meant. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ntopcore/ntopcore.h"

static char tmpdir[] = "/tmp/ntc-robust-rules-XXXXXX";

static const char *write_file(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
    return path;
}

/* ntc_engine_new() with one rule file set; returns its code, the message in msg. */
static int engine_with(const char *key, const char *path, char *msg, size_t msglen,
                       ntc_engine **out)
{
    ntc_config *cfg = ntc_config_new();
    assert_non_null(cfg);
    assert_int_equal(ntc_config_set(cfg, key, path), 0);
    ntc_engine *e = NULL;
    int rc = ntc_engine_new(&e, cfg);
    ntc_config_free(cfg);
    snprintf(msg, msglen, "%s", ntc_engine_errmsg(e));
    if (out && rc == 0) {
        *out = e;
    } else {
        ntc_engine_free(e);
        if (out)
            *out = NULL;
    }
    return rc;
}

static void refused(const char *key, const char *text, const char *why)
{
    const char *path = write_file("rules.txt", text);
    char msg[600], want[600];
    assert_int_equal(engine_with(key, path, msg, sizeof(msg), NULL), NTC_EFORMAT);
    snprintf(want, sizeof(want), "%s: %s: %s", key, path, why);
    if (strcmp(msg, want) != 0)
        fail_msg("for %s\n  got:      %s\n  expected: %s", text, msg, want);
}

static void protocols_refused(void **state)
{
    (void)state;
    const char *k = "dpi.protocols_file";
    /* What crashes or hangs nDPI 4.2. */
    refused(k, "tcp:80@HTTP\nhost:@Foo\n", "line 2: host: empty pattern");
    refused(k, "host:\"@Foo\n", "line 1: host: unbalanced quote");
    refused(k, "tcp:65535@Foo\n", "line 1: port 65535 cannot be used (nDPI 4.2 never ends loading it)");
    refused(k, "# ports\n\nudp:0-65535@Foo\n",
            "line 3: port 65535 cannot be used (nDPI 4.2 never ends loading it)");
    /* What nDPI would misread or silently skip. */
    refused(k, "tcp:80,,tcp:81@X\n", "line 1: empty element");
    refused(k, "tcp:80@\n", "line 1: no protocol name after '@'");
    refused(k, "tcp:8x@X\n", "line 1: bad port '8x'");
    refused(k, "tcp:90-80@X\n", "line 1: port range '90-80' ends before it starts");
    refused(k, "ip:10.0.0.0/33@X\n", "line 1: bad prefix length '/33' (0 to 32)");
    refused(k, "ip:2001:db8::1@X\n",
            "line 1: '2001:db8::1' is not an IPv4 address (nDPI 4.2 takes IPv4 rules only)");
    refused(k, "tcp:80@My App\n", "line 1: character 0x20 not allowed in a protocol name");
    refused(k, "web:80@X\n", "line 1: unknown element 'web:80' (tcp:, udp:, ip: or host: expected)");
    refused(k, "hello\n", "line 1: not a rule (ELEM,...@NAME, ip_risk_mask:, host_risk_mask: or "
                          "trusted_issuer_dn: expected)");
    refused(k, "trusted_issuer_dn:\n", "line 1: trusted_issuer_dn: empty");
    refused(k, "host_risk_mask:\".home\"=x\n", "line 1: bad mask 'x' (a decimal number)");
    refused(k, "tcp:80@A\n\x01tcp:81@B\n", "line 2: control character 0x01");
    static const char nul[] = "tcp:80@A\n\0tcp:81@B\n";
    const char *path = write_file("nul.txt", "");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(nul, 1, sizeof(nul) - 1, f), sizeof(nul) - 1);
    assert_int_equal(fclose(f), 0);
    char msg[600], want[600];
    assert_int_equal(engine_with(k, path, msg, sizeof(msg), NULL), NTC_EFORMAT);
    snprintf(want, sizeof(want), "%s: %s: line 2: NUL byte", k, path);
    assert_string_equal(msg, want);
}

static void categories_refused(void **state)
{
    (void)state;
    const char *k = "dpi.categories_file";
    refused(k, "example.org\n", "line 1: NAME<tab>CATEGORY expected");
    refused(k, "example.org\t999\n", "line 1: '999' is not a category number");
    refused(k, "example.org\t21x\n", "line 1: '21x' is not a category number");
    refused(k, "10.0.0.0/40\t100\n", "line 1: bad prefix length '/40' (0 to 32)");
    refused(k, "\"example.org\"\t100\n", "line 1: name: no quotes in a categories file");
}

/* The flows' application names, recorded at flow end. */
typedef struct names {
    char app[8][64];
    uint16_t port[8];
    int n;
} names;

static void on_flow(void *u, const ntc_flow *f, ntc_flow_end_reason why)
{
    names *nm = u;
    (void)why;
    assert_true(nm->n < 8);
    ntc_flow_info fi = {.size = sizeof(fi)};
    assert_int_equal(ntc_flow_get_info(f, &fi), 0);
    nm->port[nm->n] = fi.srv_port;
    assert_true(ntc_flow_l7_name(f, nm->app[nm->n], sizeof(nm->app[0])) > 0);
    nm->n++;
}

/* One UDP packet 10.0.0.1:40000 -> 10.0.0.2:dport with a payload nDPI does not know. */
static void udp_to(ntc_engine *e, uint64_t ts, uint16_t dport)
{
    uint8_t b[20 + 8 + 16];
    memset(b, 0, sizeof(b));
    b[0] = 0x45;
    b[3] = sizeof(b);
    b[8] = 64;
    b[9] = 17;
    b[12] = 10, b[15] = 1;
    b[16] = 10, b[19] = 2;
    b[20] = 40000 >> 8, b[21] = 40000 & 0xff;
    b[22] = (uint8_t)(dport >> 8), b[23] = (uint8_t)dport;
    b[25] = 8 + 16;
    memset(b + 28, 0x5a, 16);
    assert_int_equal(ntc_engine_ingest(e, NTC_LINKTYPE_RAW, ts, b, sizeof(b), sizeof(b)), 0);
}

static void protocols_normalised(void **state)
{
    (void)state;
    /* CRLF, blanks around rules, comments, and a last line without a newline: nDPI 4.2 would
     * name the first protocol "MyProto\r" and drop the last line. */
    const char *path = write_file("crlf.txt", "# custom\r\n  udp:5555@MyProto \r\n\r\nudp:5556@Other");
    char msg[600];
    ntc_engine *e;
    assert_int_equal(engine_with("dpi.protocols_file", path, msg, sizeof(msg), &e), 0);
    assert_string_equal(ntc_engine_app_name(e, NTC_L7_CUSTOM_BASE), "MyProto");
    assert_string_equal(ntc_engine_app_name(e, NTC_L7_CUSTOM_BASE + 1), "Other");
    assert_null(ntc_engine_app_name(e, NTC_L7_CUSTOM_BASE + 2));
    names nm = {0};
    ntc_callbacks cb = {.version = NTC_CALLBACKS_VERSION, .flow_end = on_flow};
    assert_int_equal(ntc_engine_set_callbacks(e, &cb, &nm), 0);
    uint64_t t = 1700000000ULL * 1000000;
    udp_to(e, t, 5555);
    udp_to(e, t + 1000, 5556);
    assert_int_equal(ntc_engine_flush(e), 0);
    assert_int_equal(nm.n, 2);
    for (int i = 0; i < 2; i++)
        assert_string_equal(nm.app[i], nm.port[i] == 5555 ? "MyProto" : "Other");
    ntc_engine_free(e);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char path[256];
    static const char *const files[] = {"rules.txt", "nul.txt", "crlf.txt"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
        unlink(path);
    }
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(protocols_refused),
        cmocka_unit_test(categories_refused),
        cmocka_unit_test(protocols_normalised),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
