/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-wire-private.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (mend - wire - error - quark, mend_wire_error)

/* json-glib's parser recurses once per level of nesting, so a few megabytes of "[" would
 * exhaust the stack before it could say no. The depth is counted here first, outside strings,
 * in one pass that cannot recurse. */
static gboolean
depth_is_bounded (const char *body, gsize length, guint max_depth)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = body[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

/**
 * mend_wire_parse:
 * @body: bytes as they came off the network, not necessarily NUL-terminated
 * @max_bytes: the largest body this kind of message may have
 * @what: what the body should be, for messages ("the events request")
 *
 * Returns: (transfer full) (nullable): the root, always an object.
 */
JsonNode *
mend_wire_parse (const char *body, gsize length, gsize max_bytes, const char *what, GError **error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) local_error = NULL;
  JsonNode *root;

  if (body == NULL || length == 0)
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED, "%s is empty", what);
      return NULL;
    }
  if (length > max_bytes)
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_TOO_LARGE,
                   "%s is %" G_GSIZE_FORMAT " bytes; the limit is %" G_GSIZE_FORMAT, what, length,
                   max_bytes);
      return NULL;
    }
  /* JSON text never holds a raw NUL, and json-glib would stop reading at one. */
  if (memchr (body, '\0', length) != NULL || !g_utf8_validate (body, length, NULL))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED, "%s is not UTF-8 text", what);
      return NULL;
    }
  if (!depth_is_bounded (body, length, MEND_WIRE_MAX_DEPTH))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_TOO_LARGE,
                   "%s is nested deeper than %d levels", what, MEND_WIRE_MAX_DEPTH);
      return NULL;
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, body, length, &local_error))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED, "%s is not JSON: %s", what,
                   local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED, "%s is not a JSON object",
                   what);
      return NULL;
    }
  return json_node_ref (root);
}

static void
set_malformed (GError **error, const char *where, const char *member, const char *what)
{
  g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED, "%s%s%s %s", where,
               where[0] != '\0' ? "." : "", member, what);
}

/* A member that is absent and one that is null are told apart only where the protocol says
 * a member is optional; a nullable member must still be present. */
static JsonNode *
member_or_error (JsonObject *object,
                 const char *where,
                 const char *member,
                 gboolean optional,
                 GError **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL && !optional)
    set_malformed (error, where, member, "is missing");
  return node;
}

static gboolean
node_is_value_of (JsonNode *node, GType type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

/**
 * mend_wire_get_string:
 * @nullable: whether null is allowed (then *@out is %NULL)
 * @max_bytes: the longest string allowed; the empty string is never allowed
 */
gboolean
mend_wire_get_string (JsonObject *object,
                      const char *where,
                      const char *member,
                      gboolean nullable,
                      gsize max_bytes,
                      char **out,
                      GError **error)
{
  JsonNode *node = member_or_error (object, where, member, FALSE, error);
  const char *text;
  gsize length;

  if (node == NULL)
    return FALSE;
  if (nullable && JSON_NODE_HOLDS_NULL (node))
    {
      *out = NULL;
      return TRUE;
    }
  if (!node_is_value_of (node, G_TYPE_STRING))
    {
      set_malformed (error, where, member,
                     nullable ? "must be a string or null" : "must be a string");
      return FALSE;
    }
  text = json_node_get_string (node);
  length = strlen (text);
  if (length == 0)
    {
      set_malformed (error, where, member, "must not be empty");
      return FALSE;
    }
  if (length > max_bytes)
    {
      g_autofree char *what
          = g_strdup_printf ("is longer than %" G_GSIZE_FORMAT " bytes", max_bytes);
      set_malformed (error, where, member, what);
      return FALSE;
    }
  *out = g_strdup (text);
  return TRUE;
}

/**
 * mend_wire_get_int:
 * @out_present: (out) (optional): %FALSE when the member was null
 */
gboolean
mend_wire_get_int (JsonObject *object,
                   const char *where,
                   const char *member,
                   gboolean nullable,
                   gboolean *out_present,
                   gint64 *out,
                   GError **error)
{
  JsonNode *node = member_or_error (object, where, member, FALSE, error);

  if (node == NULL)
    return FALSE;
  if (nullable && JSON_NODE_HOLDS_NULL (node))
    {
      if (out_present != NULL)
        *out_present = FALSE;
      *out = 0;
      return TRUE;
    }
  if (!node_is_value_of (node, G_TYPE_INT64))
    {
      set_malformed (error, where, member,
                     nullable ? "must be an integer or null" : "must be an integer");
      return FALSE;
    }
  if (out_present != NULL)
    *out_present = TRUE;
  *out = json_node_get_int (node);
  return TRUE;
}

/**
 * mend_wire_get_number:
 *
 * An integer or a fraction, finite; null gives NAN when @nullable.
 */
gboolean
mend_wire_get_number (JsonObject *object,
                      const char *where,
                      const char *member,
                      gboolean nullable,
                      double *out,
                      GError **error)
{
  JsonNode *node = member_or_error (object, where, member, FALSE, error);

  if (node == NULL)
    return FALSE;
  if (nullable && JSON_NODE_HOLDS_NULL (node))
    {
      *out = NAN;
      return TRUE;
    }
  if (node_is_value_of (node, G_TYPE_INT64))
    *out = (double)json_node_get_int (node);
  else if (node_is_value_of (node, G_TYPE_DOUBLE) && isfinite (json_node_get_double (node)))
    *out = json_node_get_double (node);
  else
    {
      set_malformed (error, where, member,
                     nullable ? "must be a number or null" : "must be a number");
      return FALSE;
    }
  return TRUE;
}

/**
 * mend_wire_get_bool:
 * @optional: whether the member may be absent (then *@out is left as it was)
 */
gboolean
mend_wire_get_bool (JsonObject *object,
                    const char *where,
                    const char *member,
                    gboolean optional,
                    gboolean *out,
                    GError **error)
{
  JsonNode *node = member_or_error (object, where, member, optional, error);

  if (node == NULL)
    return optional;
  if (!node_is_value_of (node, G_TYPE_BOOLEAN))
    {
      set_malformed (error, where, member, "must be true or false");
      return FALSE;
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

/**
 * mend_wire_get_object:
 *
 * Returns: (transfer none) (nullable): the member; %NULL without an error when @optional and
 *   absent.
 */
JsonObject *
mend_wire_get_object (JsonObject *object,
                      const char *where,
                      const char *member,
                      gboolean optional,
                      GError **error)
{
  JsonNode *node = member_or_error (object, where, member, optional, error);

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      set_malformed (error, where, member, "must be an object");
      return NULL;
    }
  return json_node_get_object (node);
}

/**
 * mend_wire_get_array:
 *
 * Returns: (transfer none) (nullable): the member; %NULL without an error when @optional and
 *   absent.
 */
JsonArray *
mend_wire_get_array (JsonObject *object,
                     const char *where,
                     const char *member,
                     gboolean optional,
                     GError **error)
{
  JsonNode *node = member_or_error (object, where, member, optional, error);

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      set_malformed (error, where, member, "must be an array");
      return NULL;
    }
  return json_node_get_array (node);
}

/* Lowercase only: ids are compared as bytes, so "A" and "a" would be two events. */
gboolean
mend_wire_is_uuid (const char *text)
{
  if (text == NULL || strlen (text) != 36)
    return FALSE;
  for (guint i = 0; i < 36; i++)
    {
      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (text[i] != '-')
            return FALSE;
        }
      else if (!g_ascii_isdigit (text[i]) && !(text[i] >= 'a' && text[i] <= 'f'))
        return FALSE;
    }
  return TRUE;
}

gboolean
mend_wire_is_hash (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;
  for (guint i = 0; i < 64; i++)
    if (!g_ascii_isdigit (text[i]) && !(text[i] >= 'a' && text[i] <= 'f'))
      return FALSE;
  return TRUE;
}

/* g_base64_decode() skips characters it does not know, so the text is checked first: 32
 * bytes are exactly 44 characters ending in one "=". */
gboolean
mend_wire_is_public_key (const char *text)
{
  if (text == NULL || strlen (text) != 44 || text[43] != '=')
    return FALSE;
  for (guint i = 0; i < 43; i++)
    if (!g_ascii_isalnum (text[i]) && text[i] != '+' && text[i] != '/')
      return FALSE;
  return TRUE;
}

/**
 * mend_wire_node_to_bytes:
 *
 * Returns: (transfer full): @root as compact JSON text.
 */
GBytes *
mend_wire_node_to_bytes (JsonNode *root)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  gsize length;
  char *text;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);
  return g_bytes_new_take (text, length);
}
