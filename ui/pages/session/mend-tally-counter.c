/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-ui"

#include "config.h"

#include "mend-tally-counter.h"
#include "mend-ui-util.h"

#include <glib/gi18n.h>

struct _MendTallyCounter
{
  GtkWidget parent_instance;

  char *category;
  char *title;

  GtkLabel *label;
  GtkButton *minus_button;
  GtkLabel *total_label;
  gint64 total;
  GtkButton *plus_button;
};

G_DEFINE_FINAL_TYPE (MendTallyCounter, mend_tally_counter, GTK_TYPE_WIDGET)

static void
mend_tally_counter_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), MEND_TYPE_TALLY_COUNTER);
  mend_ui_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (mend_tally_counter_parent_class)->dispose (object);
}

static void
mend_tally_counter_finalize (GObject *object)
{
  MendTallyCounter *self = MEND_TALLY_COUNTER (object);

  g_free (self->category);
  g_free (self->title);
  G_OBJECT_CLASS (mend_tally_counter_parent_class)->finalize (object);
}

static void
mend_tally_counter_class_init (MendTallyCounterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mend_tally_counter_dispose;
  object_class->finalize = mend_tally_counter_finalize;
  gtk_widget_class_set_template_from_resource (
      widget_class, "/org/mendapp/Mend/pages/session/mend-tally-counter.ui");
  gtk_widget_class_bind_template_child (widget_class, MendTallyCounter, label);
  gtk_widget_class_bind_template_child (widget_class, MendTallyCounter, minus_button);
  gtk_widget_class_bind_template_child (widget_class, MendTallyCounter, total_label);
  gtk_widget_class_bind_template_child (widget_class, MendTallyCounter, plus_button);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
mend_tally_counter_init (MendTallyCounter *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
mend_tally_counter_new (const MendTallyRow *row)
{
  MendTallyCounter *self = g_object_new (MEND_TYPE_TALLY_COUNTER, NULL);
  g_autofree char *title = NULL;
  g_autofree char *add = NULL;
  g_autofree char *remove = NULL;

  self->category = g_strdup (row->id);
  self->title = g_strdup (row->label);
  /* Translators: a tally category and its unit, such as “Bags of litter (bags)”. */
  title = g_strdup_printf (_ ("%s (%s)"), row->label, row->unit);
  gtk_label_set_label (self->label, title);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->minus_button), "(si)", row->id, -1);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->plus_button), "(si)", row->id, 1);
  /* Translators: accessible names of the tally buttons. */
  add = g_strdup_printf (_ ("Add one to %s"), row->label);
  remove = g_strdup_printf (_ ("Take one off %s"), row->label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->plus_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  add, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->minus_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, remove, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, row->label,
                                  -1);
  mend_tally_counter_update (self, row->total, FALSE);
  return GTK_WIDGET (self);
}

void
mend_tally_counter_update (MendTallyCounter *self, gint64 total, gboolean running)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, total);
  g_autofree char *accessible = NULL;

  g_return_if_fail (MEND_IS_TALLY_COUNTER (self));

  self->total = total;
  gtk_label_set_label (self->total_label, text);
  /* Translators: the accessible name of a tally's total, such as “Bags of litter: 3”. */
  accessible = g_strdup_printf (_ ("%s: %s"), self->title, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->total_label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  gtk_widget_set_sensitive (GTK_WIDGET (self->minus_button), running && total > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->plus_button), running);
}

gint64
mend_tally_counter_get_total (MendTallyCounter *self)
{
  g_return_val_if_fail (MEND_IS_TALLY_COUNTER (self), 0);
  return self->total;
}

const char *
mend_tally_counter_get_category (MendTallyCounter *self)
{
  g_return_val_if_fail (MEND_IS_TALLY_COUNTER (self), NULL);
  return self->category;
}
