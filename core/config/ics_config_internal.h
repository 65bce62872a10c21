/* Inside the library: the YAML helpers of config.c for the parsers of a model's own section
 * (`diim:`, `ario:`), which live beside their model (dynamics/) and are listed in
 * ics__cfg_sections, so that config.c knows a section's key name only. Messages made with these
 * helpers read exactly as config.c's own ("PATH:LINE: ..."). */
#ifndef ICS_CONFIG_INTERNAL_H
#define ICS_CONFIG_INTERNAL_H

#include "ics_config.h"

#include <yaml.h>

/* Parsing context: the document, the name used in messages, the error record. */
typedef struct ics__cfg_ctx {
    yaml_document_t *doc;
    const char *path;
    ics_error *err;
} ics__cfg_ctx;

/* A top-level section of the config owned by a model. config.c calls defaults on every new
 * config, parse when the key is present (v: its value), free from ics_config_destroy (free must
 * accept a config whose section was never parsed, and be idempotent). */
typedef struct ics__cfg_section {
    const char *key;
    void (*defaults)(ics_config *cfg);
    ics_status (*parse)(const ics__cfg_ctx *c, yaml_node_t *v, ics_config *cfg);
    void (*free)(ics_config *cfg);
} ics__cfg_section;

/* The registered sections, NULL-terminated: defined with the models (dynamics/registry.c). */
extern const ics__cfg_section *const ics__cfg_sections[];

/* config.c's helpers (see there): line of a node (0: none), a scalar's text, an input error
 * "PATH:LINE: message", the YAML kind of a node for messages, a mapping's value by key, the
 * key check with nearest-key hints, numbers, enums and freeing a list of strings. */
int ics__cfg_line(const yaml_node_t *n);
const char *ics__cfg_sval(const yaml_node_t *n);
ics_status ics__cfg_perr(const ics__cfg_ctx *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *ics__cfg_kind_name(const yaml_node_t *n);
yaml_node_t *ics__cfg_map_get(const ics__cfg_ctx *c, yaml_node_t *map, const char *key);
ics_status ics__cfg_check_keys(const ics__cfg_ctx *c, yaml_node_t *map, const char *const *valid,
                               int nvalid, const char *prefix, const char *where);
ics_status ics__cfg_get_double(const ics__cfg_ctx *c, const yaml_node_t *v, const char *what,
                               double *out);
ics_status ics__cfg_get_enum(const ics__cfg_ctx *c, const yaml_node_t *v, const char *what,
                             const char *noun, const char *const *names, int n, int *out);
void ics__cfg_free_list(char **list, int n);
/* A number or a distribution (the parser of shock parameters, `change` and the like). */
ics_status ics__cfg_get_dist(const ics__cfg_ctx *c, yaml_node_t *v, const char *what,
                             ics_dist *d);

/* The `uncertainty:` section (config_uncertainty.c), listed in ics__cfg_sections. */
extern const ics__cfg_section ics__unc_section;

#endif
