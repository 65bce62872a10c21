/* libFuzzer target: the HDF5 table reader and the --resume partial-file readers on well-formed
 * HDF5 files of any content. The input bytes are a recipe: for each object a reader looks for
 * (the /table datasets, the root attributes, /progress/block_done, /scenarios/total_output_loss)
 * one byte chooses "as icstress writes it" (0; a valid two-node table), "absent" or "other",
 * and for "other" further bytes choose the type (float, integers, fixed or variable strings), the
 * rank, the dimensions and the values. The recipe is built with the HDF5 API into a file that
 * fuzz_read_h5 reads. So mutations reach our readers rather than libhdf5's format decoder (the
 * raw-bytes target fuzz_h5_bytes covers that). An empty input is a valid table and partial. */
#include "fuzz_common.h"

#include "fuzz_h5_readers.h"

#include <hdf5.h>
#include <math.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    /* keep HDF5's freed blocks for reuse: under ASan each large block released to malloc comes
       back as fresh pages, and their page faults dominated the time of an input */
    H5set_free_list_limits(-1, -1, -1, -1, -1, -1);
    return 0;
}

typedef struct recipe {
    const uint8_t *p, *end;
} recipe;

static unsigned take(recipe *r)
{
    return r->p < r->end ? *r->p++ : 0u;
}

/* A number chosen by one byte: small integers, fractions, and the values that break arithmetic. */
static double take_number(recipe *r)
{
    static const double special[] = {0.0, 1.0, -1.0, 0.5, 1e308, -1e308, 1e-310, 2147483648.0,
                                     -2147483649.0, 9.3e18, 255.0, 65536.0, 0.0, 0.0, 0.0, 0.0};
    unsigned b = take(r);
    if (b < 16) {
        if (b == 12) return NAN;
        if (b == 13) return INFINITY;
        if (b == 14) return -INFINITY;
        return special[b];
    }
    return (double)b * 7.0 - 100.0;
}

enum { K_F64, K_I32, K_I64, K_U8, K_FIXSTR, K_VLSTR, K_F32, K_NKINDS };

/* The canonical contents of each object: the two-node table of tests/data/mb2. */
typedef struct canon {
    const char *name;
    int kind, rank;
    hsize_t dims[2];
    const double *num;
    const char *const *str;
} canon;

static const double c_Z[] = {150, 500, 200, 100}, c_Y[] = {350, 1700}, c_x[] = {1000, 2000},
                    c_va[] = {650, 1400}, c_one[] = {1, 0}, c_loss[] = {1, 2, 3, 4};
static const char *const c_regions[] = {"R1"}, *const c_segments[] = {"s1", "s2"},
                         *const c_nreg[] = {"R1", "R1"}, *const c_yreg[] = {"R1"},
                         *const c_ycat[] = {"final_demand"};

static const canon table_objs[] = {
    {"/table/regions", K_VLSTR, 1, {1, 0}, NULL, c_regions},
    {"/table/segments", K_VLSTR, 1, {2, 0}, NULL, c_segments},
    {"/table/node_region", K_VLSTR, 1, {2, 0}, NULL, c_nreg},
    {"/table/node_segment", K_VLSTR, 1, {2, 0}, NULL, c_segments},
    {"/table/y_region", K_VLSTR, 1, {1, 0}, NULL, c_yreg},
    {"/table/y_category", K_VLSTR, 1, {1, 0}, NULL, c_ycat},
    {"/table/Z", K_F64, 2, {2, 2}, c_Z, NULL},
    {"/table/Y", K_F64, 2, {2, 1}, c_Y, NULL},
    {"/table/x", K_F64, 1, {2, 0}, c_x, NULL},
    {"/table/va", K_F64, 1, {2, 0}, c_va, NULL},
    {"/progress/block_done", K_U8, 1, {2, 0}, c_one, NULL},
    {"/scenarios/total_output_loss", K_F64, 1, {4, 0}, c_loss, NULL},
};

static const char c_config[] = "scenarios: 4\nblock_size: 2\n";
static const double c_scen[] = {4}, c_seed[] = {42}, c_block[] = {2}, c_complete[] = {0};
static const char *const c_cfgtext[] = {c_config};
static const canon attr_objs[] = {
    {"config", K_FIXSTR, 0, {0, 0}, NULL, c_cfgtext},
    {"scenarios", K_I64, 0, {0, 0}, c_scen, NULL},
    {"seed", K_I64, 0, {0, 0}, c_seed, NULL},
    {"block_size", K_I64, 0, {0, 0}, c_block, NULL},
    {"complete", K_I64, 0, {0, 0}, c_complete, NULL},
};

static hid_t file_type(int kind, size_t fixlen)
{
    switch (kind) {
    case K_F64: return H5Tcopy(H5T_IEEE_F64LE);
    case K_F32: return H5Tcopy(H5T_IEEE_F32LE);
    case K_I32: return H5Tcopy(H5T_STD_I32LE);
    case K_I64: return H5Tcopy(H5T_STD_I64LE);
    case K_U8: return H5Tcopy(H5T_STD_U8LE);
    default: {
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, kind == K_VLSTR ? H5T_VARIABLE : (fixlen ? fixlen : 1));
        H5Tset_cset(t, H5T_CSET_UTF8);
        return t;
    }
    }
}

/* Write one object (dataset at `name` under `loc`, or attribute of `loc` when is_attr). */
static void put(hid_t loc, const canon *c, int is_attr, recipe *r)
{
    unsigned m = take(r);
    if (m % 7 == 1) return; /* absent */
    int kind = c->kind, rank = c->rank;
    hsize_t dims[3] = {c->dims[0], c->dims[1], 1};
    int mutated = m != 0;
    if (mutated) {
        kind = (int)(take(r) % K_NKINDS);
        if (take(r) & 1) rank = (int)(take(r) % 4);
        for (int d = 0; d < rank; ++d) {
            unsigned b = take(r);
            dims[d] = b < 240 ? b % 8 : (hsize_t)(b - 239) * 37; /* mostly tiny; up to 629 */
        }
    }
    hsize_t count = 1;
    for (int d = 0; d < rank; ++d) count *= dims[d];
    for (int d = rank - 1; count > 4096 && d >= 0; --d) { /* keep every object small */
        count /= dims[d];
        dims[d] = 1;
    }
    const int is_str = kind == K_FIXSTR || kind == K_VLSTR;
    size_t fixlen = 0;
    char **strs = NULL;
    double *num = NULL;
    if (is_str) {
        strs = calloc(count ? count : 1, sizeof *strs);
        for (hsize_t i = 0; i < count; ++i) {
            if (!mutated && c->str) {
                strs[i] = strdup(c->str[i]);
            } else {
                unsigned len = take(r) % 13;
                strs[i] = calloc(len + 1, 1);
                for (unsigned k = 0; k < len; ++k) {
                    unsigned ch = take(r);
                    strs[i][k] = (char)(ch ? ch : 'R');
                }
            }
            size_t l = strlen(strs[i]);
            if (l > fixlen) fixlen = l;
        }
        if (mutated && (take(r) & 3) == 0) fixlen += take(r) % 5; /* padding */
    } else {
        num = calloc(count ? count : 1, sizeof *num);
        for (hsize_t i = 0; i < count; ++i)
            num[i] = !mutated && c->num ? c->num[i] : take_number(r);
    }
    hid_t ftype = file_type(kind, fixlen);
    hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, NULL);
    hid_t obj, lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    if (is_attr)
        obj = H5Acreate2(loc, c->name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    else
        obj = H5Dcreate2(loc, c->name, ftype, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (obj >= 0 && count > 0) {
        herr_t rc;
        if (is_str) {
            void *buf = strs;
            char *flat = NULL;
            if (kind == K_FIXSTR) {
                flat = calloc(count, fixlen ? fixlen : 1);
                for (hsize_t i = 0; i < count; ++i)
                    memcpy(flat + i * (fixlen ? fixlen : 1), strs[i], strlen(strs[i]));
                buf = flat;
            }
            rc = is_attr ? H5Awrite(obj, ftype, buf)
                         : H5Dwrite(obj, ftype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
            free(flat);
        } else {
            rc = is_attr ? H5Awrite(obj, H5T_NATIVE_DOUBLE, num)
                         : H5Dwrite(obj, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, num);
        }
        (void)rc; /* an out-of-range conversion is HDF5's business; the recipe stays valid */
    }
    if (obj >= 0) (is_attr ? H5Aclose : H5Dclose)(obj);
    H5Pclose(lcpl);
    H5Sclose(space);
    H5Tclose(ftype);
    for (hsize_t i = 0; strs && i < count; ++i) free(strs[i]);
    free(strs);
    free(num);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/t.h5", fuzz_scratch());
    recipe r = {data, data + size};
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) abort();
    for (size_t i = 0; i < sizeof attr_objs / sizeof attr_objs[0]; ++i) put(f, &attr_objs[i], 1, &r);
    for (size_t i = 0; i < sizeof table_objs / sizeof table_objs[0]; ++i)
        put(f, &table_objs[i], 0, &r);
    H5Fclose(f);
    fuzz_check_no_open_objects();
    fuzz_read_h5(path);
    return 0;
}
