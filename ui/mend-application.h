/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The `mend` application: opens the store, starts the GPS, and shows one window that starts
 * locked. It lives in ui/ rather than app/, because app/ stays free of GTK for mendctl. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define MEND_TYPE_APPLICATION (mend_application_get_type ())

G_DECLARE_FINAL_TYPE (MendApplication, mend_application, MEND, APPLICATION, AdwApplication)

MendApplication *mend_application_new (void);

G_END_DECLS
