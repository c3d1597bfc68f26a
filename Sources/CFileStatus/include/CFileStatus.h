#ifndef C_FILE_STATUS_H
#define C_FILE_STATUS_H

#include <stdint.h>

/// What `stat(2)` says about a file, in fixed-width fields.
///
/// Swift code reads these instead of `struct stat`: several C modules of a build (Glibc, CoreFoundation,
/// CDispatch, CNIOLinux) textually include <sys/stat.h>, and which of them Swift takes as the struct's
/// defining module changes from build to build, so a file using `stat().st_mode` under the
/// `MemberImportVisibility` upcoming feature fails to compile now and then (seen on fresh builds).
typedef struct c_file_status {
    /// 1 regular file, 2 directory, 0 anything else (device, FIFO, socket, symbolic link).
    int kind;
    int64_t size;
    uint64_t device;
    uint64_t inode;
} c_file_status;

/// `stat(2)` of `path` (symbolic links followed). Returns 0, or -1 with `errno` set.
int c_file_status_of_path(const char *path, c_file_status *status);

/// `fstat(2)` of an open descriptor. Returns 0, or -1 with `errno` set.
int c_file_status_of_descriptor(int descriptor, c_file_status *status);

#endif
