/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-session-card.h"

#include <glib/gi18n.h>

#include "mend-ui-util.h"

struct _MendSessionCard
{
  GtkWidget parent_instance;

  GtkButton *button;
  GtkLabel *site_label;
  GtkLabel *time_label;
  GtkLabel *counts_label;
};

G_DEFINE_FINAL_TYPE (MendSessionCard, mend_session_card, GTK_TYPE_WIDGET)

static void
mend_session_card_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), MEND_TYPE_SESSION_CARD);
  mend_ui_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (mend_session_card_parent_class)->dispose (object);
}

static void
mend_session_card_class_init (MendSessionCardClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = mend_session_card_dispose;
  gtk_widget_class_set_template_from_resource (
      widget_class, "/org/mendapp/Mend/pages/today/mend-session-card.ui");
  gtk_widget_class_bind_template_child (widget_class, MendSessionCard, button);
  gtk_widget_class_bind_template_child (widget_class, MendSessionCard, site_label);
  gtk_widget_class_bind_template_child (widget_class, MendSessionCard, time_label);
  gtk_widget_class_bind_template_child (widget_class, MendSessionCard, counts_label);
}

static void
mend_session_card_init (MendSessionCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

static const char *
state_label (MendSessionState state)
{
  switch (state)
    {
    case MEND_SESSION_NOT_STARTED:
      return _ ("Not started");
    case MEND_SESSION_RUNNING:
      return _ ("Running");
    case MEND_SESSION_ENDED:
      return _ ("Ended");
    default:
      return "";
    }
}

GtkWidget *
mend_session_card_new (const MendSessionRow *session)
{
  MendSessionCard *self = g_object_new (MEND_TYPE_SESSION_CARD, NULL);
  g_autofree char *from = mend_ui_format_clock (session->starts_at_ms);
  g_autofree char *to = mend_ui_format_clock (session->ends_at_ms);
  g_autofree char *times = NULL;
  g_autofree char *counts = NULL;
  g_autofree char *accessible = NULL;

  /* Translators: a session's time and state, such as “09:00–13:00 · Running”. */
  times = g_strdup_printf (_ ("%s–%s · %s"), from, to, state_label (session->state));
  /* Translators: people at a session. */
  counts = g_strdup_printf (_ ("%d expected · %d on site · %d done"), session->expected,
                            session->on_site, session->done + session->absent);
  gtk_label_set_label (self->site_label, session->site_name);
  gtk_label_set_label (self->time_label, times);
  gtk_label_set_label (self->counts_label, counts);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->button), "s", session->id);

  /* The accessible name is what end-to-end tests look for: "Session <site> <start>". */
  accessible = g_strdup_printf (_ ("Session %s %s"), session->site_name, from);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, counts, -1);
  return GTK_WIDGET (self);
}
