#include "CFileStatus.h"

#include <sys/stat.h>

static void c_file_status_fill(const struct stat *info, c_file_status *status) {
    if (S_ISREG(info->st_mode)) {
        status->kind = 1;
    } else if (S_ISDIR(info->st_mode)) {
        status->kind = 2;
    } else {
        status->kind = 0;
    }
    status->size = (int64_t)info->st_size;
    status->device = (uint64_t)info->st_dev;
    status->inode = (uint64_t)info->st_ino;
}

int c_file_status_of_path(const char *path, c_file_status *status) {
    struct stat info;
    if (stat(path, &info) != 0) {
        return -1;
    }
    c_file_status_fill(&info, status);
    return 0;
}

int c_file_status_of_descriptor(int descriptor, c_file_status *status) {
    struct stat info;
    if (fstat(descriptor, &info) != 0) {
        return -1;
    }
    c_file_status_fill(&info, status);
    return 0;
}
