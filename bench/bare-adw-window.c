/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The floor for bench-ui-start: the smallest libadwaita application with a window of the
 * same size as mend's, a header bar and a label, started the same way (a new process, the same
 * environment, the same renderer). Whatever mend takes beyond this is Mend's own. */
#define G_LOG_DOMAIN "mend-bench"

#include "config.h"

#include <adwaita.h>

static void
activate_cb (GApplication *app, gpointer user_data)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *label = gtk_label_new ("A bare libadwaita window");

  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_widget_set_vexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), label);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 720);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  g_autoptr (AdwApplication) app
      = adw_application_new ("org.mendapp.BareWindow", G_APPLICATION_NON_UNIQUE);

  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
