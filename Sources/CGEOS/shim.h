// Only the reentrant (_r) API: every call takes a context, one context per thread.
#define GEOS_USE_ONLY_R_API
#include <geos_c.h>
