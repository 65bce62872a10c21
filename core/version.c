/* The library's version at run time (icstress.h), beside the public header. */
#include "icstress.h"

const char *ics_version(void) { return ICS_VERSION; }
