/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <stddef.h>
#include <string.h>

/* The options of `mend-hq serve`: defaults, then a GKeyFile (`--config FILE`, group
 * [mend-hq]), then the command line, which wins. One table names every option once, so the
 * file's keys and the command line's options cannot drift apart. */

typedef enum
{
  OPTION_STRING,
  OPTION_INT,
} OptionType;

typedef struct
{
  const char *name; /* the key in the file; "--" + name on the command line */
  OptionType type;
  size_t offset;
  int min, max; /* for OPTION_INT */
} Option;

static const Option options[] = {
  { "database", OPTION_STRING, offsetof (MendHqServeOptions, database), 0, 0 },
  { "listen", OPTION_STRING, offsetof (MendHqServeOptions, listen), 0, 0 },
  { "blobs", OPTION_STRING, offsetof (MendHqServeOptions, blobs), 0, 0 },
  { "tls-cert", OPTION_STRING, offsetof (MendHqServeOptions, tls_cert), 0, 0 },
  { "tls-key", OPTION_STRING, offsetof (MendHqServeOptions, tls_key), 0, 0 },
  { "metrics-allow", OPTION_STRING, offsetof (MendHqServeOptions, metrics_allow), 0, 0 },
  { "threads", OPTION_INT, offsetof (MendHqServeOptions, threads), 1, 256 },
  { "timeout", OPTION_INT, offsetof (MendHqServeOptions, timeout_s), 1, 3600 },
  { "device-rate", OPTION_INT, offsetof (MendHqServeOptions, device_rate), 0, 1000000 },
  { "device-burst", OPTION_INT, offsetof (MendHqServeOptions, device_burst), 1, 1000000 },
  { "enrol-rate", OPTION_INT, offsetof (MendHqServeOptions, enrol_rate), 0, 1000000 },
  /* How long a partial blob may lie untouched before it is deleted; short in tests. */
  { "blob-partial-ttl", OPTION_INT, offsetof (MendHqServeOptions, partial_ttl_s), 1, 365 * 86400 },
};

void
mend_hq_serve_options_init (MendHqServeOptions *out_options)
{
  memset (out_options, 0, sizeof *out_options);
  out_options->metrics_allow = g_strdup ("127.0.0.0/8,::1");
  out_options->threads = 4;
  out_options->timeout_s = 30;
  out_options->device_rate = 120; /* PROTOCOL.md section 8 */
  out_options->device_burst = 30;
  out_options->enrol_rate = 10;
  out_options->partial_ttl_s = 24 * 3600;
}

void
mend_hq_serve_options_clear (MendHqServeOptions *self)
{
  for (size_t i = 0; i < G_N_ELEMENTS (options); i++)
    if (options[i].type == OPTION_STRING)
      g_clear_pointer ((char **)G_STRUCT_MEMBER_P (self, options[i].offset), g_free);
}

static const Option *
find_option (const char *name)
{
  for (size_t i = 0; i < G_N_ELEMENTS (options); i++)
    if (strcmp (options[i].name, name) == 0)
      return &options[i];
  return NULL;
}

static gboolean
set_option (MendHqServeOptions *out_options,
            const Option *option,
            const char *value,
            const char *where,
            GError **error)
{
  guint64 number;

  if (option->type == OPTION_STRING)
    {
      char **slot = G_STRUCT_MEMBER_P (out_options, option->offset);

      g_free (*slot);
      *slot = g_strdup (value);
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (value, 10, option->min, option->max, &number, NULL))
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                   "%s: %s takes a whole number from %d to %d, not \"%s\"", where, option->name,
                   option->min, option->max, value);
      return FALSE;
    }
  G_STRUCT_MEMBER (int, out_options, option->offset) = (int)number;
  return TRUE;
}

static gboolean
load_file (MendHqServeOptions *out_options, const char *path, GError **error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_auto (GStrv) keys = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  if (!g_key_file_has_group (file, "mend-hq"))
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "%s has no [mend-hq] group", path);
      return FALSE;
    }
  keys = g_key_file_get_keys (file, "mend-hq", NULL, error);
  if (keys == NULL)
    return FALSE;
  for (char **key = keys; *key != NULL; key++)
    {
      const Option *option = find_option (*key);
      g_autofree char *value = NULL;

      /* A misspelt key would otherwise be ignored and its default used without a word. */
      if (option == NULL)
        {
          g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "%s: unknown key %s", path, *key);
          return FALSE;
        }
      value = g_key_file_get_string (file, "mend-hq", *key, error);
      if (value == NULL || !set_option (out_options, option, value, path, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * mend_hq_serve_options_parse:
 * @argv: the words after `serve`
 *
 * Fills @out_options (already initialised) from `--config FILE`, if given, and then from the
 * other options of @argv, so the command line wins over the file.
 */
gboolean
mend_hq_serve_options_parse (MendHqServeOptions *out_options, int argc, char **argv, GError **error)
{
  for (int i = 0; i < argc; i++)
    if (strcmp (argv[i], "--config") == 0)
      {
        if (i + 1 >= argc)
          break;
        if (!load_file (out_options, argv[i + 1], error))
          return FALSE;
      }

  for (int i = 0; i < argc; i++)
    {
      const Option *option = g_str_has_prefix (argv[i], "--") ? find_option (argv[i] + 2) : NULL;

      if (strcmp (argv[i], "--config") == 0 && i + 1 < argc)
        {
          i++;
          continue;
        }
      if (option == NULL || i + 1 >= argc)
        {
          g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                       option == NULL ? "unknown option %s" : "%s needs a value", argv[i]);
          return FALSE;
        }
      if (!set_option (out_options, option, argv[i + 1], "the command line", error))
        return FALSE;
      i++;
    }

  if (out_options->database == NULL || out_options->listen == NULL)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE,
                   "database and listen are needed (options or the config file)");
      return FALSE;
    }
  if ((out_options->tls_cert == NULL) != (out_options->tls_key == NULL))
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "tls-cert and tls-key go together");
      return FALSE;
    }
  return TRUE;
}

/**
 * mend_hq_config_database:
 * @path: a config file
 *
 * Returns: (transfer full): its `database`, for `mend-hq admin --config FILE`.
 */
char *
mend_hq_config_database (const char *path, GError **error)
{
  MendHqServeOptions file_options;
  char *database;

  mend_hq_serve_options_init (&file_options);
  if (!load_file (&file_options, path, error))
    {
      mend_hq_serve_options_clear (&file_options);
      return NULL;
    }
  database = g_steal_pointer (&file_options.database);
  mend_hq_serve_options_clear (&file_options);
  if (database == NULL)
    g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_USAGE, "%s has no database key", path);
  return database;
}
