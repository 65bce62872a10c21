/* libFuzzer target (raw bytes): the readers of HDF5 inputs, i.e. the table reader (core/table/table_h5.c,
 * `table: x.h5`) and what `run --resume` reads from a partial result file (core/base/h5.c: the
 * root attributes config, scenarios, seed, block_size, complete and /progress/block_done).
 * The input bytes are written to a file that both readers open (HDF5's sec2 driver).
 * Besides crashes it checks that the readers close every HDF5 object they opened.
 * Most mutations of raw bytes exercise HDF5's own format decoder (libhdf5 1.10.8, not
 * instrumented) rather than our readers, so CI runs fuzz_table_h5 (well-formed files of any
 * content) and this target is for campaigns; see docs/reliability.md. */
#include "fuzz_common.h"

#include "fuzz_h5_readers.h"

#include <hdf5.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* corrupt files are expected: no HDF5 stack dumps */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fuzz_write(fuzz_scratch(), "t.h5", data, size, path, sizeof path);
    fuzz_read_h5(path);
    return 0;
}
