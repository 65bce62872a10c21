/* Huge-page advice for large arrays (see ics_mem.h). */
#define _DEFAULT_SOURCE

#include "ics_mem.h"

#include <stdint.h>
#include <sys/mman.h>

#define ICS_HUGE_PAGE ((uintptr_t)2 << 20)

void ics_mem_hugepages(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    if (!p || bytes < 2 * ICS_HUGE_PAGE) return;
    const uintptr_t lo = ((uintptr_t)p + ICS_HUGE_PAGE - 1) & ~(ICS_HUGE_PAGE - 1);
    const uintptr_t hi = ((uintptr_t)p + bytes) & ~(ICS_HUGE_PAGE - 1);
    if (hi > lo) (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)p, (void)bytes;
#endif
}
