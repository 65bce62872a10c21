/* For the parser of a model's own config section (dynamics/diim_config.c, ario_config.c): the
 * helpers of ics_config_internal.h under the names config.c gives them, so that a section's
 * parser reads as it did in config.c. Include only from such a parser, never from config.c. */
#ifndef ICS_CONFIG_SECTION_H
#define ICS_CONFIG_SECTION_H

#include "ics_config_internal.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define pctx ics__cfg_ctx
#define perr ics__cfg_perr
#define line_of ics__cfg_line
#define sval ics__cfg_sval
#define kind_name ics__cfg_kind_name
#define map_get ics__cfg_map_get
#define check_keys ics__cfg_check_keys
#define get_double ics__cfg_get_double
#define get_enum ics__cfg_get_enum
#define free_list ics__cfg_free_list

#endif
