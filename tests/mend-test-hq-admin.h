/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers for the tests of HQ's reference data: `mend-hq admin` run as a real process whose
 * failure is looked at rather than fatal, files to import, and enrolling a device. */
#pragma once

#include "mend-test-hq.h"
#include "mend-wire.h"

G_BEGIN_DECLS

typedef struct
{
  int status; /* the exit status */
  char *out;
  char *err;
} MendTestAdmin;

MendTestAdmin *mend_test_hq_admin_run (MendTestHq *hq, const char *input, const char *const *args);
void mend_test_admin_free (MendTestAdmin *admin);
char *
mend_test_hq_write_file (const char *dir, const char *name, const char *contents, gssize length);
MendWireEnrolment *mend_test_hq_enrol (MendTestHq *hq, const char *team, const char *device_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendTestAdmin, mend_test_admin_free)

G_END_DECLS
