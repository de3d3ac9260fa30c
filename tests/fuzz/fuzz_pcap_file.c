/* fuzz_pcap_file — capture files (pcap, pcapng; corrupt, truncated, odd link types) through
 * ntc_engine_open_file() and ntc_engine_run(): libpcap's readers, lib/capture (link type mapping,
 * the merge of several files in time order, error paths), then the whole engine with DPI on.
 *
 * Input: the capture file itself, so a crash file is directly a capture that reproduces with
 * ntop-export -r or any tool. The file is opened twice: the two sources run through the merge
 * (ties in time, one source failing while the other goes on), then the single-source path once one
 * of them has ended. After the run: ntc_engine_flush().
 *
 * One engine lives for the whole process (see fuzz_engine.c); its clock never goes back, so the
 * packet times of one input only matter relative to the clock the previous inputs left. */
#include "fuzz_common.h"

static ntc_engine *eng;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    eng = fz_engine_new();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_memfile f;
    FZ_CHECK(fz_memfile_open(&f, "fuzz.pcap", data, size) == 0);

    int opened = 0;
    for (int i = 0; i < 2; i++) {
        int rc = ntc_engine_open_file(eng, f.path);
        if (rc == 0) {
            opened++;
        } else {
            FZ_CHECK(rc < 0);
            const char *msg = ntc_engine_errmsg(eng);
            FZ_CHECK(msg && strstr(msg, f.path) != NULL); /* the message names the file */
        }
    }
    FZ_CHECK(ntc_engine_source_count(eng) == opened);
    if (opened) {
        int rc = ntc_engine_run(eng, 0);
        FZ_CHECK(rc <= 0);
        FZ_CHECK(ntc_engine_source_count(eng) == 0);
        FZ_CHECK(ntc_engine_poll(eng, 0) == NTC_EOF);
        fz_read_snapshot(eng);
    }
    FZ_CHECK(ntc_engine_flush(eng) == 0);
    fz_read_engine(eng);
    fz_memfile_close(&f);
    return 0;
}
