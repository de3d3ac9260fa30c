/* JSON records to Python's marshal format (marshal_out.c). */
#ifndef NTCPY_MARSHAL_OUT_H
#define NTCPY_MARSHAL_OUT_H

#include <stddef.h>

#include "bind_common.h"

/* Re-encode one JSON value (the library's records: objects, arrays, strings, numbers) as
 * marshal data into out (cleared first). 0, or -1 on malformed text or want of memory. */
int ntcpy_marshal(const char *json, size_t n, ntcb_buf *out);

/* A batch of records encoded straight into marshal data: a list of dicts equal to what
 * marshal.loads() gives for ntcpy_marshal() of the records' JSON (and so to json.loads()): the
 * same keys in the same order, the same types (a float field printed without decimals is an
 * int), floats rounded to their printed decimals, text made valid UTF-8 as the JSON writer does.
 * It skips formatting and parsing the JSON text. */
#define NTCPY_KINDS 6          /* record kinds 1..5 */
#define NTCPY_FIELDS_MAX 256

typedef struct ntcpy_mbatch {
    ntcb_buf out;
    size_t count;
    uint32_t nrefs;
    int oom;                   /* a record was lost for want of memory (the batch is cut short) */
    uint32_t key_ref[NTCPY_KINDS][NTCPY_FIELDS_MAX]; /* 1 + the marshal reference of a key */
} ntcpy_mbatch;

void ntcpy_mbatch_init(ntcpy_mbatch *b);
void ntcpy_mbatch_free(ntcpy_mbatch *b);
void ntcpy_mbatch_clear(ntcpy_mbatch *b);
/* Append one record (0, or -1: out of memory, oom set). */
int ntcpy_mbatch_add(ntcpy_mbatch *b, const ntc_record *r);
/* The batch as marshal data (an empty list when it holds nothing). */
const char *ntcpy_mbatch_data(ntcpy_mbatch *b, size_t *len);

#endif
