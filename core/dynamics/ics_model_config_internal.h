/* The config sections of the dynamic models (diim_config.c, ario_config.c), listed for config/
 * in registry.c. */
#ifndef ICS_MODEL_CONFIG_INTERNAL_H
#define ICS_MODEL_CONFIG_INTERNAL_H

#include "ics_config_internal.h"

extern const ics__cfg_section ics__diim_section, ics__ario_section;

#endif
