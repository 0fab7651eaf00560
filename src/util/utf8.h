/* utf8.h — decoding UTF-8 strictly (no overlong forms, surrogates or values past U+10FFFF), for
 * names that go where UTF-16 is stored: FAT long names, WIM paths, GPT partition names. */
#ifndef DARTMK_UTF8_H
#define DARTMK_UTF8_H

#include <stdint.h>

/* Decodes the sequence at s into *cp; returns its length (1-4), or 0 if it is not valid UTF-8
 * (s[0] must not be the string's end). */
int dm_utf8_next(const unsigned char *s, uint32_t *cp);
/* Why a name cannot be stored as UTF-16 text: "is not valid UTF-8", "holds a control character"
 * (C0 or DEL), or NULL; *units (when not NULL) gets its length in UTF-16 code units. */
const char *dm_utf8_text_fault(const char *name, int *units);

#endif
