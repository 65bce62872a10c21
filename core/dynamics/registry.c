/* The dynamic models the plan knows (ics_dyn_ops, ics_dynamic.h): one line per built-in model,
 * and the models registered at run time (tests, programs that embed the engine); and the config
 * sections the models own (ics_config_internal.h), one line per model with a section. */
#include "ics_dynamic.h"
#include "ics_model_config_internal.h"

#include <string.h>

#define ICS_DYN_MAX_MODELS 16

static const ics_dyn_ops *models[ICS_DYN_MAX_MODELS] = {
    &ics_diim_ops,
    &ics_ario_ops,
};

const ics__cfg_section *const ics__cfg_sections[] = {
    &ics__diim_section,
    &ics__ario_section,
    &ics__unc_section,
    NULL,
};

const ics_dyn_ops *ics_dyn_ops_find(const char *name)
{
    for (int i = 0; i < ICS_DYN_MAX_MODELS && models[i]; ++i)
        if (name && !strcmp(models[i]->name, name)) return models[i];
    return NULL;
}

ics_status ics_dyn_register(const ics_dyn_ops *ops, ics_error *err)
{
    if (ics_dyn_ops_find(ops->name))
        return ics_error_set(err, ICS_EINPUT, "dynamic model '%s' is already registered",
                             ops->name);
    for (int i = 0; i < ICS_DYN_MAX_MODELS; ++i)
        if (!models[i]) {
            models[i] = ops;
            return ICS_OK;
        }
    return ics_error_set(err, ICS_EINTERNAL, "no room to register dynamic model '%s' (%d models)",
                         ops->name, ICS_DYN_MAX_MODELS);
}
