/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-wire-private.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (mend - wire - error - quark, mend_wire_error)

/**
 * mend_wire_json_depth_is_bounded:
 *
 * json-glib's parser recurses once per level of nesting, so a few megabytes of "[" would
 * exhaust the stack before it could say no. The depth is counted here first, outside strings,
 * in one pass that cannot recurse. HQ's site file reader uses it too.
 */
gboolean
mend_wire_json_depth_is_bounded (const char *body, gsize length, guint max_depth)
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

static int
hex_unit (const char *text)
{
  int unit = 0;

  for (int i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (text[i]);

      if (digit < 0)
        return -1;
      unit = unit * 16 + digit;
    }
  return unit;
}

/* json-glib turns the escape \u0000 into a string that silently ends there, and a lone
 * surrogate (\ud800 with no \udc00–\udfff after it, or the second half alone) into bytes that
 * are not UTF-8, which would then reach the store, the screen and PostgreSQL. Neither is a
 * character, so such a body is refused before it is parsed, as is a \u escape without its four
 * hex digits. */
static gboolean
escapes_are_characters (const char *body, gsize length)
{
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      int unit;

      if (!in_string)
        {
          in_string = body[i] == '"';
          continue;
        }
      if (body[i] == '"')
        {
          in_string = FALSE;
          continue;
        }
      if (body[i] != '\\')
        continue;
      if (i + 1 >= length || body[i + 1] != 'u')
        {
          i++;
          continue;
        }
      /* JSON wants four hex digits; json-glib takes fewer, and reads what follows as part of
       * the escape. */
      if (i + 6 > length || (unit = hex_unit (body + i + 2)) < 0)
        return FALSE;
      i += 5;
      if (unit == 0 || (unit >= 0xdc00 && unit <= 0xdfff))
        return FALSE;
      if (unit >= 0xd800 && unit <= 0xdbff)
        {
          int low;

          if (i + 7 > length || body[i + 1] != '\\' || body[i + 2] != 'u'
              || (low = hex_unit (body + i + 3)) < 0 || low < 0xdc00 || low > 0xdfff)
            return FALSE;
          i += 6;
        }
    }
  return TRUE;
}

/* What json-glib made of the text, checked once more whatever the escapes were: every number
 * finite (it reads 1e999 as infinity and writes it back as "inf", which is not JSON), every
 * string and member name UTF-8. The depth is already bounded, so the recursion is too. */
static gboolean
values_are_sound (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &name, &member))
          if (!g_utf8_validate (name, -1, NULL) || !values_are_sound (member))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          if (!values_are_sound (json_array_get_element (array, i)))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
        return isfinite (json_node_get_double (node));
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        return g_utf8_validate (json_node_get_string (node), -1, NULL);
      return TRUE;
    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

/* The common case read without json-glib's tokenizer, which costs more than everything else
 * HQ does with an events batch. This reader takes only plain RFC 8259 text whose meaning is
 * beyond doubt: strings with no \u escape and no control character, integers of at most 18
 * digits, decimals without an exponent, no member twice, nothing after the root. It builds
 * the same tree json-glib would, with json-glib's own types. Anything else (an error, an
 * oddity, a \u escape) makes it give up, and the text is read again by the full path below,
 * so every message and every check of that path stays the only word on anything unusual. */
typedef struct
{
  const char *p;
  const char *end;
  guint depth;
} FastReader;

static JsonNode *fast_value (FastReader *reader);

static void
fast_skip_space (FastReader *reader)
{
  while (reader->p < reader->end
         && (*reader->p == ' ' || *reader->p == '\n' || *reader->p == '\r' || *reader->p == '\t'))
    reader->p++;
}

/* A string at reader->p (its opening quote), decoded; NULL to give up. The body is UTF-8
 * already (checked before), and only two-character escapes are taken, so the result is too. */
static char *
fast_string (FastReader *reader)
{
  const char *start = ++reader->p;
  const char *p = start;
  GString *out;

  while (p < reader->end && *p != '"' && *p != '\\' && (guchar)*p >= 0x20)
    p++;
  if (p < reader->end && *p == '"')
    {
      reader->p = p + 1;
      return g_strndup (start, (gsize)(p - start));
    }
  out = g_string_new_len (start, p - start);
  while (p < reader->end && *p != '"')
    {
      char c = *p++;

      if ((guchar)c < 0x20)
        break;
      if (c != '\\')
        {
          g_string_append_c (out, c);
          continue;
        }
      if (p >= reader->end)
        break;
      switch (*p++)
        {
        case '"':
          g_string_append_c (out, '"');
          continue;
        case '\\':
          g_string_append_c (out, '\\');
          continue;
        case 'b':
          g_string_append_c (out, '\b');
          continue;
        case 'f':
          g_string_append_c (out, '\f');
          continue;
        case 'n':
          g_string_append_c (out, '\n');
          continue;
        case 'r':
          g_string_append_c (out, '\r');
          continue;
        case 't':
          g_string_append_c (out, '\t');
          continue;
        default:
          break;
        }
      p = reader->end; /* \u, \/ or no escape at all: give up */
      break;
    }
  if (p >= reader->end || *p != '"')
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  reader->p = p + 1;
  return g_string_free (out, FALSE);
}

static JsonNode *
fast_number (FastReader *reader)
{
  const char *p = reader->p;
  const char *digits;
  gboolean decimal = FALSE;
  char text[64];
  gsize n;

  if (*p == '-')
    p++;
  digits = p;
  while (p < reader->end && g_ascii_isdigit (*p))
    p++;
  /* At least one digit, and no leading zero ("01"). */
  if (p == digits || (*digits == '0' && p - digits > 1))
    return NULL;
  if (p < reader->end && *p == '.')
    {
      const char *fraction = ++p;

      while (p < reader->end && g_ascii_isdigit (*p))
        p++;
      if (p == fraction)
        return NULL;
      decimal = TRUE;
    }
  /* An exponent is left to the full path, as is an integer too long to be sure of. */
  if (p < reader->end && (*p == 'e' || *p == 'E'))
    return NULL;
  n = (gsize)(p - reader->p);
  /* "-0" as an integer is left to the full path too. */
  if (n >= sizeof text
      || (!decimal && (p - digits > 18 || (*digits == '0' && digits != reader->p))))
    return NULL;
  memcpy (text, reader->p, n);
  text[n] = '\0';
  reader->p = p;
  if (decimal)
    {
      double value = g_ascii_strtod (text, NULL);

      return isfinite (value) ? json_node_init_double (json_node_alloc (), value) : NULL;
    }
  return json_node_init_int (json_node_alloc (), g_ascii_strtoll (text, NULL, 10));
}

static gboolean
fast_word (FastReader *reader, const char *word)
{
  gsize n = strlen (word);

  if ((gsize)(reader->end - reader->p) < n || memcmp (reader->p, word, n) != 0)
    return FALSE;
  reader->p += n;
  return TRUE;
}

static JsonNode *
fast_object (FastReader *reader)
{
  g_autoptr (JsonObject) object = json_object_new ();

  reader->p++;
  fast_skip_space (reader);
  if (reader->p < reader->end && *reader->p == '}')
    {
      reader->p++;
      return json_node_init_object (json_node_alloc (), object);
    }
  for (;;)
    {
      g_autofree char *name = NULL;
      JsonNode *member;

      fast_skip_space (reader);
      if (reader->p >= reader->end || *reader->p != '"')
        return NULL;
      name = fast_string (reader);
      if (name == NULL || name[0] == '\0' || json_object_has_member (object, name))
        return NULL;
      fast_skip_space (reader);
      if (reader->p >= reader->end || *reader->p++ != ':')
        return NULL;
      member = fast_value (reader);
      if (member == NULL)
        return NULL;
      json_object_set_member (object, name, member);
      fast_skip_space (reader);
      if (reader->p >= reader->end)
        return NULL;
      if (*reader->p == '}')
        {
          reader->p++;
          return json_node_init_object (json_node_alloc (), object);
        }
      if (*reader->p++ != ',')
        return NULL;
    }
}

static JsonNode *
fast_array (FastReader *reader)
{
  g_autoptr (JsonArray) array = json_array_new ();

  reader->p++;
  fast_skip_space (reader);
  if (reader->p < reader->end && *reader->p == ']')
    {
      reader->p++;
      return json_node_init_array (json_node_alloc (), array);
    }
  for (;;)
    {
      JsonNode *element = fast_value (reader);

      if (element == NULL)
        return NULL;
      json_array_add_element (array, element);
      fast_skip_space (reader);
      if (reader->p >= reader->end)
        return NULL;
      if (*reader->p == ']')
        {
          reader->p++;
          return json_node_init_array (json_node_alloc (), array);
        }
      if (*reader->p++ != ',')
        return NULL;
    }
}

static JsonNode *
fast_value (FastReader *reader)
{
  JsonNode *node = NULL;
  char *text;

  fast_skip_space (reader);
  if (reader->p >= reader->end)
    return NULL;
  switch (*reader->p)
    {
    case '{':
    case '[':
      if (reader->depth >= MEND_WIRE_MAX_DEPTH)
        return NULL;
      reader->depth++;
      node = *reader->p == '{' ? fast_object (reader) : fast_array (reader);
      reader->depth--;
      return node;
    case '"':
      text = fast_string (reader);
      if (text == NULL)
        return NULL;
      node = json_node_init_string (json_node_alloc (), text);
      g_free (text);
      return node;
    case 't':
      return fast_word (reader, "true") ? json_node_init_boolean (json_node_alloc (), TRUE) : NULL;
    case 'f':
      return fast_word (reader, "false") ? json_node_init_boolean (json_node_alloc (), FALSE)
                                         : NULL;
    case 'n':
      return fast_word (reader, "null") ? json_node_init_null (json_node_alloc ()) : NULL;
    default:
      return fast_number (reader);
    }
}

/* The root object of @body read by the reader above, or NULL for the full path to decide. */
static JsonNode *
fast_parse (const char *body, gsize length)
{
  FastReader reader = { body, body + length, 0 };
  g_autoptr (JsonNode) root = NULL;

  fast_skip_space (&reader);
  if (reader.p >= reader.end || *reader.p != '{')
    return NULL;
  root = fast_value (&reader);
  if (root == NULL)
    return NULL;
  fast_skip_space (&reader);
  return reader.p == reader.end ? g_steal_pointer (&root) : NULL;
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
  root = fast_parse (body, length);
  if (root != NULL)
    return root;
  if (!mend_wire_json_depth_is_bounded (body, length, MEND_WIRE_MAX_DEPTH))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_TOO_LARGE,
                   "%s is nested deeper than %d levels", what, MEND_WIRE_MAX_DEPTH);
      return NULL;
    }
  if (!escapes_are_characters (body, length))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "%s holds a \\u escape that is no character (\\u0000 or half a surrogate pair)",
                   what);
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
  if (!values_are_sound (root))
    {
      g_set_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED,
                   "%s holds a number too large for a double, or text that is not UTF-8", what);
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
