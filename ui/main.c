/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "mend-application.h"

int
main (int argc, char **argv)
{
  g_autoptr (MendApplication) app = NULL;
  g_autoptr (GSettingsSchema) schema = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Without its schema GSettings aborts; say what to do instead. */
  schema = g_settings_schema_source_lookup (g_settings_schema_source_get_default (),
                                            MEND_APPLICATION_ID, TRUE);
  if (schema == NULL)
    {
      g_printerr (_ ("mend: the settings schema %s is not installed. Install Mend, or run it from "
                     "the build folder with GSETTINGS_SCHEMA_DIR=BUILD/app.\n"),
                  MEND_APPLICATION_ID);
      return 1;
    }

  app = mend_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
