/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-canonical"

#include "config.h"

#include "mend-canonical.h"

#include <math.h>
#include <string.h>

#include "mend-command.h"
#include "mend-rows.h"

/* Canonical JSON: objects with members sorted by the bytes of their keys, no whitespace,
 * integers in plain decimal, strings escaped only where JSON requires it. Fractional numbers
 * are refused inside payloads: two implementations never agree on how to print them. */

static void
append_string (GString *out, const char *text)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
      else if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static int
compare_keys (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static gboolean
append_node (GString *out, JsonNode *node, GError **error)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      return TRUE;

    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          return TRUE;
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          return TRUE;
        case G_TYPE_STRING:
          append_string (out, json_node_get_string (node));
          return TRUE;
        default:
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "canonical JSON holds only strings, integers, booleans and null");
          return FALSE;
        }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            if (!append_node (out, json_array_get_element (array, i), error))
              return FALSE;
          }
        g_string_append_c (out, ']');
        return TRUE;
      }

    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr (GPtrArray) keys = g_ptr_array_new ();
        g_autoptr (GList) members = json_object_get_members (object);

        for (GList *l = members; l != NULL; l = l->next)
          g_ptr_array_add (keys, l->data);
        g_ptr_array_sort (keys, compare_keys);

        g_string_append_c (out, '{');
        for (guint i = 0; i < keys->len; i++)
          {
            const char *key = g_ptr_array_index (keys, i);

            if (i > 0)
              g_string_append_c (out, ',');
            append_string (out, key);
            g_string_append_c (out, ':');
            if (!append_node (out, json_object_get_member (object, key), error))
              return FALSE;
          }
        g_string_append_c (out, '}');
        return TRUE;
      }

    default:
      g_assert_not_reached ();
    }
}

/**
 * mend_canonical_json:
 * @node: a JSON tree of objects, arrays, strings, integers, booleans and null
 *
 * Returns: (transfer full) (nullable): its canonical text, or %NULL if it holds a
 *   fractional number.
 */
char *
mend_canonical_json (JsonNode *node, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);

  g_return_val_if_fail (node != NULL, NULL);

  if (!append_node (out, node, error))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * mend_canonical_json_text:
 * @json: any JSON text
 *
 * Returns: (transfer full) (nullable): the canonical form of @json.
 */
char *
mend_canonical_json_text (const char *json, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_data (parser, json, -1, error))
    return NULL;
  return mend_canonical_json (json_parser_get_root (parser), error);
}

/* -0.004 m rounds to -0.0, which prints as "-0.00" but comes back from SQLite as 0: zero is
 * always written without a sign, so the stored value and the hashed text agree. */
static double
without_sign_on_zero (double value)
{
  return value == 0.0 ? 0.0 : value;
}

/**
 * mend_canonical_round_degrees:
 *
 * Positions are kept to 1e-7 degrees (about 1 cm), the precision the canonical form prints.
 */
double
mend_canonical_round_degrees (double degrees)
{
  return without_sign_on_zero (round (degrees * 1e7) / 1e7);
}

/**
 * mend_canonical_round_metres:
 *
 * Heights and errors are kept to the centimetre, the precision the canonical form prints.
 */
double
mend_canonical_round_metres (double metres)
{
  return isnan (metres) ? NAN : without_sign_on_zero (round (metres * 100.0) / 100.0);
}

static void
append_fixed (GString *out, double value, const char *format)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (value))
    g_string_append (out, "null");
  else
    g_string_append (out,
                     g_ascii_formatd (buffer, sizeof buffer, format, without_sign_on_zero (value)));
}

static void
append_nullable_string (GString *out, const char *text)
{
  if (text == NULL)
    g_string_append (out, "null");
  else
    append_string (out, text);
}

static void
append_nullable_int (GString *out, gboolean present, gint64 value)
{
  if (present)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, value);
  else
    g_string_append (out, "null");
}

/* The fix is always an object: the position when there is one, and always its state and,
 * when there was no current fix, a note saying why. */
static void
append_fix (GString *out, const MendFix *fix, gboolean has_skew, gint64 skew_ms)
{
  gboolean position = mend_fix_has_position (fix);

  g_string_append (out, "{\"age_ms\":");
  append_nullable_int (out, position && fix->age_ms >= 0, fix->age_ms);
  g_string_append (out, ",\"alt\":");
  append_fixed (out, position ? fix->altitude : NAN, "%.2f");
  g_string_append (out, ",\"eph\":");
  append_fixed (out, position ? fix->horizontal_error : NAN, "%.2f");
  g_string_append (out, ",\"gnss_time\":");
  append_nullable_int (out, position && fix->gnss_time_ms > 0, fix->gnss_time_ms);
  g_string_append (out, ",\"lat\":");
  append_fixed (out, position ? fix->latitude : NAN, "%.7f");
  g_string_append (out, ",\"lon\":");
  append_fixed (out, position ? fix->longitude : NAN, "%.7f");
  g_string_append_printf (out, ",\"mode\":%d", position ? fix->mode : 0);
  g_string_append (out, ",\"note\":");
  append_nullable_string (out, fix->note[0] != '\0' ? fix->note : NULL);
  g_string_append (out, ",\"satellites\":");
  append_nullable_int (out, position && fix->satellites >= 0, fix->satellites);
  g_string_append (out, ",\"skew_ms\":");
  append_nullable_int (out, has_skew, skew_ms);
  g_string_append (out, ",\"state\":");
  append_string (out, mend_fix_state_to_string (fix->state));
  g_string_append_c (out, '}');
}

/**
 * mend_canonical_event_bytes:
 * @fields: the stored fields of one event
 *
 * Returns: (transfer full): the bytes the hash chain covers, as sync/PROTOCOL.md defines.
 */
GBytes *
mend_canonical_event_bytes (const MendEventFields *fields)
{
  GString *out = g_string_sized_new (384);

  /* Members in byte order of their names, as for any canonical object. */
  g_string_append (out, "{\"device\":");
  append_string (out, fields->device_id);
  g_string_append (out, ",\"fix\":");
  append_fix (out, fields->fix, fields->has_clock_skew, fields->clock_skew_ms);
  g_string_append (out, ",\"id\":");
  append_string (out, fields->id);
  g_string_append (out, ",\"kind\":");
  append_string (out, fields->kind);
  g_string_append_printf (out, ",\"occurred_at\":%" G_GINT64_FORMAT, fields->occurred_at_ms);
  g_string_append (out, ",\"participant\":");
  append_nullable_string (out, fields->participant_id);
  g_string_append (out, ",\"payload\":");
  g_string_append (out, fields->payload_json);
  g_string_append_printf (out, ",\"recorded_at\":%" G_GINT64_FORMAT, fields->recorded_at_ms);
  g_string_append_printf (out, ",\"seq\":%" G_GINT64_FORMAT, fields->seq);
  g_string_append (out, ",\"session\":");
  append_nullable_string (out, fields->session_id);
  g_string_append (out, ",\"supervisor\":");
  append_nullable_string (out, fields->supervisor_id);
  g_string_append_c (out, '}');

  return g_string_free_to_bytes (out);
}

/**
 * mend_hash_chain_next:
 * @prev_hash: the previous event's hash as 64 lowercase hex digits, or %MEND_HASH_GENESIS
 * @canonical: the event's canonical bytes
 *
 * Returns: (transfer full): SHA-256(the 32 bytes of @prev_hash ‖ @canonical), lowercase hex.
 */
char *
mend_hash_chain_next (const char *prev_hash, GBytes *canonical)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 prev[32];
  gsize len;
  const guint8 *data;

  g_return_val_if_fail (prev_hash != NULL && strlen (prev_hash) == 64, NULL);

  for (guint i = 0; i < 32; i++)
    prev[i] = g_ascii_xdigit_value (prev_hash[2 * i]) << 4
              | g_ascii_xdigit_value (prev_hash[2 * i + 1]);
  g_checksum_update (checksum, prev, sizeof prev);
  data = g_bytes_get_data (canonical, &len);
  g_checksum_update (checksum, data, len);
  return g_strdup (g_checksum_get_string (checksum));
}

/**
 * mend_event_hash:
 *
 * Returns: (transfer full): the hash of the event described by @fields after @prev_hash.
 */
char *
mend_event_hash (const char *prev_hash, const MendEventFields *fields)
{
  g_autoptr (GBytes) canonical = mend_canonical_event_bytes (fields);

  return mend_hash_chain_next (prev_hash, canonical);
}

/**
 * mend_event_row_get_fields:
 * @device_id: the device the row's log belongs to
 * @out_fields: (out): the fields the hash covers; they point into @row
 *
 * Which of a row's fields the hash covers, in one place for everything that hashes or encodes a
 * row it holds (the wire encoder, tests and benchmarks that build chains).
 */
void
mend_event_row_get_fields (const MendEventRow *row,
                           const char *device_id,
                           MendEventFields *out_fields)
{
  *out_fields = (MendEventFields){
    .device_id = device_id,
    .seq = row->seq,
    .id = row->id,
    .kind = row->kind,
    .session_id = row->session_id,
    .participant_id = row->participant_id,
    .supervisor_id = row->supervisor_id,
    .recorded_at_ms = row->recorded_at_ms,
    .occurred_at_ms = row->occurred_at_ms,
    .fix = &row->fix,
    .has_clock_skew = row->has_clock_skew,
    .clock_skew_ms = row->clock_skew_ms,
    .payload_json = row->payload,
  };
}
