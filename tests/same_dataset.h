/*
 * same_dataset.h - for the tests: whether a dataset of two HDF5 files holds the same bytes.
 */
#ifndef NNQ_TEST_SAME_DATASET_H
#define NNQ_TEST_SAME_DATASET_H

#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

/* 1 when dataset dset exists in the files a and b with the same number of elements, none
 * empty, and the same bytes; 0 otherwise (also when one cannot be opened). */
static inline int same_dataset(const char *a, const char *b, const char *dset) {
    hid_t fa = H5Fopen(a, H5F_ACC_RDONLY, H5P_DEFAULT),
          fb = H5Fopen(b, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t da = H5Dopen2(fa, dset, H5P_DEFAULT), db = H5Dopen2(fb, dset, H5P_DEFAULT);
    hid_t sa = H5Dget_space(da), sb = H5Dget_space(db);
    hssize_t na = H5Sget_simple_extent_npoints(sa), nb = H5Sget_simple_extent_npoints(sb);
    hid_t ta = H5Dget_type(da);
    size_t size = H5Tget_size(ta);
    int same = na == nb && na > 0;
    if (same) {
        unsigned char *ba = malloc((size_t)na * size), *bb = malloc((size_t)nb * size);
        H5Dread(da, ta, H5S_ALL, H5S_ALL, H5P_DEFAULT, ba);
        H5Dread(db, ta, H5S_ALL, H5S_ALL, H5P_DEFAULT, bb);
        same = memcmp(ba, bb, (size_t)na * size) == 0;
        free(ba);
        free(bb);
    }
    H5Tclose(ta);
    H5Sclose(sa);
    H5Sclose(sb);
    H5Dclose(da);
    H5Dclose(db);
    H5Fclose(fa);
    H5Fclose(fb);
    return same;
}

#endif
