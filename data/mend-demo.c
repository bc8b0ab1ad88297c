/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-demo"

#include "config.h"

#include "mend-demo.h"

#include "mend-pin.h"
#include "mend-store-private.h"
#include "mend-time.h"

static const MendDemoSupervisor supervisors[] = {
  { "sup-ana", "Ana Whitfield", "2468" },
  { "sup-joe", "Joe Marsh", "1357" },
};

/* Approximate outlines drawn for the demo, not surveyed boundaries: good enough to try the
 * geofence near Kettering, marked "demo" in the store. */
static const char spring_rise_boundary[]
    = "{\"type\":\"Polygon\",\"coordinates\":[[[-0.7081,52.4048],[-0.7046,52.4053],"
      "[-0.7032,52.4071],[-0.7049,52.4082],[-0.7079,52.4077],[-0.7090,52.4060],"
      "[-0.7081,52.4048]]]}";
static const char headlands_boundary[]
    = "{\"type\":\"Polygon\",\"coordinates\":[[[-0.7197,52.3899],[-0.7173,52.3899],"
      "[-0.7173,52.3911],[-0.7197,52.3911],[-0.7197,52.3899]]]}";

const MendDemoSupervisor *
mend_demo_supervisors (guint *out_n)
{
  *out_n = G_N_ELEMENTS (supervisors);
  return supervisors;
}

/**
 * mend_demo_session_id:
 * @site_key: "spring-rise" or "headlands"
 * @day_offset: 0 today, 1 tomorrow
 *
 * Demo sessions are named by their date, so loading the demo on another day adds that day's
 * sessions and keeps earlier ones (and their events) as they were.
 */
char *
mend_demo_session_id (const char *site_key, int day_offset)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GDateTime) day = g_date_time_add_days (now, day_offset);
  g_autofree char *date = g_date_time_format (day, "%Y%m%d");

  return g_strdup_printf ("demo-%s-%s", date, site_key);
}

static void
add_site (JsonBuilder *b,
          const char *id,
          const char *name,
          const char *address,
          const char *boundary,
          double lat,
          double lon)
{
  g_autoptr (JsonNode) polygon = json_from_string (boundary, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "address");
  json_builder_add_string_value (b, address);
  json_builder_set_member_name (b, "boundary");
  json_builder_add_value (b, g_steal_pointer (&polygon));
  json_builder_set_member_name (b, "centre_lat");
  json_builder_add_double_value (b, lat);
  json_builder_set_member_name (b, "centre_lon");
  json_builder_add_double_value (b, lon);
  json_builder_set_member_name (b, "demo");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_end_object (b);
}

static void
add_participant (JsonBuilder *b,
                 const char *id,
                 const char *case_ref,
                 const char *name,
                 int ordered,
                 int credited,
                 const char *disposal,
                 gint64 disposal_at)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, id);
  json_builder_set_member_name (b, "case_ref");
  json_builder_add_string_value (b, case_ref);
  json_builder_set_member_name (b, "display_name");
  if (name != NULL)
    json_builder_add_string_value (b, name);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "restricted");
  json_builder_add_boolean_value (b, name == NULL);
  json_builder_set_member_name (b, "minutes_ordered");
  json_builder_add_int_value (b, ordered);
  json_builder_set_member_name (b, "minutes_credited");
  json_builder_add_int_value (b, credited);
  json_builder_set_member_name (b, "disposal_type");
  json_builder_add_string_value (b, disposal);
  json_builder_set_member_name (b, "disposal_at");
  json_builder_add_int_value (b, disposal_at);
  json_builder_end_object (b);
}

static void
add_session (JsonBuilder *b,
             const char *site_key,
             const char *site,
             const char *supervisor,
             int day_offset,
             int from_hour,
             int to_hour)
{
  g_autofree char *id = mend_demo_session_id (site_key, day_offset);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, id);
  json_builder_set_member_name (b, "site");
  json_builder_add_string_value (b, site);
  json_builder_set_member_name (b, "supervisor");
  json_builder_add_string_value (b, supervisor);
  json_builder_set_member_name (b, "starts_at");
  json_builder_add_int_value (b, mend_time_today_at (from_hour, 0, day_offset));
  json_builder_set_member_name (b, "ends_at");
  json_builder_add_int_value (b, mend_time_today_at (to_hour, 0, day_offset));
  json_builder_end_object (b);
}

static void
add_assignments (JsonBuilder *b, const char *site_key, int day_offset, const char *const *people)
{
  g_autofree char *id = mend_demo_session_id (site_key, day_offset);

  for (guint i = 0; people[i] != NULL; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "session");
      json_builder_add_string_value (b, id);
      json_builder_set_member_name (b, "participant");
      json_builder_add_string_value (b, people[i]);
      json_builder_end_object (b);
    }
}

static void
add_outcome (JsonBuilder *b,
             const char *code,
             const char *label,
             const char *hint,
             gboolean attended,
             gboolean credits,
             gboolean alerts)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  json_builder_set_member_name (b, "label");
  json_builder_add_string_value (b, label);
  json_builder_set_member_name (b, "hint");
  json_builder_add_string_value (b, hint);
  json_builder_set_member_name (b, "attended");
  json_builder_add_boolean_value (b, attended);
  json_builder_set_member_name (b, "credits_time");
  json_builder_add_boolean_value (b, credits);
  json_builder_set_member_name (b, "alerts_referrer");
  json_builder_add_boolean_value (b, alerts);
  json_builder_end_object (b);
}

static void
add_category (JsonBuilder *b, const char *id, const char *label, const char *unit, int position)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, id);
  json_builder_set_member_name (b, "label");
  json_builder_add_string_value (b, label);
  json_builder_set_member_name (b, "unit");
  json_builder_add_string_value (b, unit);
  json_builder_set_member_name (b, "position");
  json_builder_add_int_value (b, position);
  json_builder_end_object (b);
}

static gboolean
add_supervisors (JsonBuilder *b, MendDemoPinHashFunc hash_pin, gpointer user_data, GError **error)
{
  json_builder_set_member_name (b, "supervisors");
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (supervisors); i++)
    {
      g_autofree char *hash = hash_pin (&supervisors[i], user_data, error);

      if (hash == NULL)
        return FALSE;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, supervisors[i].id);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, supervisors[i].name);
      json_builder_set_member_name (b, "pin_hash");
      json_builder_add_string_value (b, hash);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  return TRUE;
}

/**
 * mend_demo_reference:
 * @hash_pin: makes (or finds again) the Argon2id hash of a demo supervisor's PIN
 *
 * The demo's story as one manifest (data/README.md, "Manifest"): two supervisors, two sites
 * near Kettering, four people, the scheme's outcome codes and tally categories, and today's and
 * tomorrow's sessions with who is expected at each. The device (mend_store_load_demo()) and
 * HQ (`mend-hq admin demo`) both load this, so they tell the same story.
 *
 * Returns: (transfer full) (nullable): the manifest's lists.
 */
JsonObject *
mend_demo_reference (MendDemoPinHashFunc hash_pin, gpointer user_data, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  gint64 yesterday_evening = mend_time_today_at (16, 30, -1);
  static const char *const spring_rise_people[] = { "demo-p-hart", "demo-p-cole", NULL };
  static const char *const headlands_people[] = { "demo-p-clarke", "demo-p-0391", NULL };
  static const char *const tomorrow_people[] = { "demo-p-clarke", "demo-p-0391", NULL };

  g_return_val_if_fail (hash_pin != NULL, NULL);

  json_builder_begin_object (b);
  if (!add_supervisors (b, hash_pin, user_data, error))
    return NULL;
  json_builder_set_member_name (b, "sites");
  json_builder_begin_array (b);
  add_site (b, "demo-site-spring-rise", "Spring Rise Park, Kettering",
            "Spring Rise, Kettering NN16 (demo outline)", spring_rise_boundary, 52.4064, -0.7061);
  add_site (b, "demo-site-headlands", "Headlands Community Garden, Kettering",
            "Headlands, Kettering NN15 (demo outline)", headlands_boundary, 52.3905, -0.7185);
  json_builder_end_array (b);

  /* The case that started the project: two men given a four-hour work penalty each for
   * possession of Class B drugs, by community resolution, to start within 48 hours. */
  json_builder_set_member_name (b, "participants");
  json_builder_begin_array (b);
  add_participant (b, "demo-p-hart", "KTG/26/0417", "Daniel Hart", 240, 0, "community resolution",
                   yesterday_evening);
  add_participant (b, "demo-p-cole", "KTG/26/0418", "Ryan Cole", 240, 0, "community resolution",
                   yesterday_evening);
  add_participant (b, "demo-p-clarke", "KTG/26/0388", "Mia Clarke", 360, 120, "conditional caution",
                   mend_time_today_at (11, 0, -6));
  add_participant (b, "demo-p-0391", "KTG/26/0391", NULL, 600, 0, "conditional caution",
                   mend_time_today_at (10, 0, -3));
  json_builder_end_array (b);

  json_builder_set_member_name (b, "outcome_codes");
  json_builder_begin_array (b);
  add_outcome (b, "ATTC", "Attended, complied", "Worked the session as instructed.", TRUE, TRUE,
               FALSE);
  add_outcome (b, "AFTC", "Attended, failed to comply",
               "Attended but did not follow instructions; deduct time not worked as a penalty.",
               TRUE, TRUE, TRUE);
  add_outcome (b, "ATSH", "Sent home, behaviour",
               "Sent home for behaviour; no time is credited and the referrer is told.", TRUE,
               FALSE, TRUE);
  add_outcome (b, "ATSS", "Sent home, service issues",
               "Sent home through no fault of their own (weather, site, staffing); time on site "
               "is credited.",
               TRUE, TRUE, FALSE);
  add_outcome (b, "UAAB", "Unacceptable absence",
               "Did not attend without an acceptable reason; the referrer is told.", FALSE, FALSE,
               TRUE);
  add_outcome (b, "AAAB", "Acceptable absence",
               "Did not attend for a reason accepted in advance (illness with evidence, court).",
               FALSE, FALSE, FALSE);
  json_builder_end_array (b);

  json_builder_set_member_name (b, "tally_categories");
  json_builder_begin_array (b);
  add_category (b, "bags", "Bags of litter", "bags", 1);
  add_category (b, "bulky", "Bulky items", "items", 2);
  add_category (b, "sharps", "Sharps found (reported, not handled)", "items", 3);
  add_category (b, "graffiti", "Graffiti removed", "m²", 4);
  add_category (b, "vegetation", "Vegetation cleared", "m²", 5);
  json_builder_end_array (b);

  json_builder_set_member_name (b, "sessions");
  json_builder_begin_array (b);
  add_session (b, "spring-rise", "demo-site-spring-rise", "sup-ana", 0, 9, 13);
  add_session (b, "headlands", "demo-site-headlands", "sup-joe", 0, 14, 17);
  add_session (b, "spring-rise", "demo-site-spring-rise", "sup-ana", 1, 9, 13);
  json_builder_end_array (b);

  json_builder_set_member_name (b, "assignments");
  json_builder_begin_array (b);
  add_assignments (b, "spring-rise", 0, spring_rise_people);
  add_assignments (b, "headlands", 0, headlands_people);
  add_assignments (b, "spring-rise", 1, tomorrow_people);
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  return json_object_ref (json_node_get_object (root));
}

/* Hashing is slow on purpose: the device keeps a hash made by an earlier run. */
static char *
store_hash_pin (const MendDemoSupervisor *supervisor, gpointer user_data, GError **error)
{
  MendStore *self = user_data;
  g_autofree char *hash = mend_store_dup_pin_hash (self, supervisor->id, NULL);

  if (mend_pin_verify (hash, supervisor->pin))
    return g_steal_pointer (&hash);
  return mend_pin_hash (supervisor->pin, error);
}

/**
 * mend_store_load_demo:
 *
 * Loads the demo's reference data (mend_demo_reference()) with today's and tomorrow's
 * sessions. Running it again is harmless: rows are updated in place, earlier days' sessions
 * and all events are kept.
 */
gboolean
mend_store_load_demo (MendStore *self, GError **error)
{
  g_autoptr (JsonObject) reference = NULL;

  g_return_val_if_fail (MEND_IS_STORE (self), FALSE);

  reference = mend_demo_reference (store_hash_pin, self, error);
  if (reference == NULL || !mend_store_apply_reference (self, reference, error))
    return FALSE;

  {
    g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->write_lock);
    return mend_db_exec (self->writer, "UPDATE device SET demo = 1", error);
  }
}

/**
 * mend_store_is_demo:
 *
 * Returns: whether demo reference data was loaded into this store.
 */
gboolean
mend_store_is_demo (MendStore *self)
{
  g_autoptr (MendStatus) status = mend_store_get_status (self, NULL);

  return status != NULL && status->demo;
}
