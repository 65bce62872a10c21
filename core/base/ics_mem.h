/* Large matrices (Z, the coefficients, the LU factors: 512 MB each at n = 8,000) on transparent
 * huge pages. Where the kernel gives huge pages only on request (THP "madvise", Debian's
 * default), each 4 KiB page of a fresh n x n array costs a page fault on first touch: 131,072
 * faults per 512 MB, which took more system time than the LU took compute in a virtual machine
 * (docs/performance.md, "Large tables"). */
#ifndef ICS_MEM_H
#define ICS_MEM_H

#include <stddef.h>

/* Ask for huge pages on the 2 MiB-aligned interior of [p, p + bytes) (madvise MADV_HUGEPAGE),
 * before its first touch; arrays below 4 MiB are left alone. The memory stays the caller's (it
 * is freed with free as usual); a refusal by the kernel is ignored: it only costs speed.
 * Thread-safe. */
void ics_mem_hugepages(void *p, size_t bytes);

#endif
