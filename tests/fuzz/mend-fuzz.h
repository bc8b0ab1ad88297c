/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every fuzz target defines (libFuzzer's entry points) and the helpers they share. A
 * target is linked either with libFuzzer (-Dfuzzing=true, clang) or with fuzz-replay.c, which
 * feeds it every file of its corpus once, as a normal test. */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
/* Optional: set up once per process. */
int LLVMFuzzerInitialize (int *argc, char ***argv);

/* Criticals (a g_return_if_fail that fired) are programming errors: make them crash so the
 * fuzzer reports them. Messages and debug output are dropped so they do not slow it down. */
void mend_fuzz_init_logging (void);

/* Removes @folder and everything in it when the process exits normally (libFuzzer's runs end
 * with exit()). */
void mend_fuzz_remove_at_exit (const char *folder);

G_END_DECLS
