/* libFuzzer target: the YAML configuration parser (core/config/config.c). The input is the text of a
 * config file; like ics_config_load, a text with a NUL byte is refused before parsing. Every
 * input must end in ICS_OK (then the config is destroyed) or in an error with a message. */
#include "ics_config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, '\0', size)) return 0; /* ics_config_load refuses these: not a text file */
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    ics_error err = {0};
    ics_config *cfg = NULL;
    /* a path with a directory, so that a relative table path is resolved as for a real file */
    ics_status st = ics_config_parse(text, "fuzzdir/fuzz.yaml", &cfg, &err);
    if (st == ICS_OK) {
        if (!cfg) abort();
        ics_config_destroy(&cfg);
    } else if (cfg || !err.msg[0]) {
        abort(); /* an error without a message, or a config left behind */
    }
    free(text);
    return 0;
}
