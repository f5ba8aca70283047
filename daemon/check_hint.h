/*
 * check_hint.h - plainer words for two errors of `vnmd -n` that libyang
 * words for its own purposes: a file cut short (libyang: "No module with
 * namespace ... base:1.0", because the <config> wrapper is not closed) and
 * a router without an image (libyang: 'Mandatory choice "source" data do
 * not exist', with a schema path and no router).  Both read the file with
 * libxml2 alone (no entities, no network).
 */
#ifndef VNM_CHECK_HINT_H
#define VNM_CHECK_HINT_H

#include <stdio.h>

/* When path's XML ends before every element is closed, prints
 * "error: PATH: the XML ends before <E> is closed (line N); ..." and
 * returns 1; else 0. */
int vnm_hint_truncated(const char *path, FILE *errout);

/* Prints "error: PATH: router R of network N has no image: give kernel or
 * disk ..." for each such router; returns how many. */
int vnm_hint_imageless(const char *path, FILE *errout);

#endif
