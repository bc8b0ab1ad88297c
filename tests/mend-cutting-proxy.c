/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include "mend-cutting-proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* One thread accepts; each connection gets a thread that relays both ways with poll(). A pipe
 * that is written once and never read wakes every thread when the proxy is freed. */

struct _MendCuttingProxy
{
  int listen_fd;
  int wake[2];
  guint16 port;
  GThread *acceptor;

  GMutex lock;
  GRand *rand;
  guint16 target_port;
  guint max_cuts;
  guint64 min_bytes;
  guint64 max_bytes;
  guint64 throttle;
  guint cuts;
  guint connections;
  guint64 bytes_up;
  guint64 bytes_down;
  GPtrArray *threads;  /* relays still running */
  GPtrArray *finished; /* relays that have ended, to be joined */
  gboolean stopping;
};

typedef struct
{
  MendCuttingProxy *proxy;
  int client;
  int server;
  guint64 budget; /* bytes both ways before the cut; G_MAXUINT64: none */
} Relay;

/* A reset rather than a polite close: what a dropped radio link looks like to both ends. */
static void
reset_close (int fd)
{
  struct linger linger = { 1, 0 };

  setsockopt (fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
  close (fd);
}

static gboolean
write_all (int fd, const char *data, gsize length)
{
  while (length > 0)
    {
      ssize_t n = send (fd, data, length, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      length -= (gsize)n;
    }
  return TRUE;
}

static int
connect_target (guint16 port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0)
    return -1;
  if (connect (fd, (struct sockaddr *)&addr, sizeof addr) != 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

static gpointer
relay_thread (gpointer data)
{
  Relay *relay = data;
  MendCuttingProxy *proxy = relay->proxy;
  guint64 relayed = 0;
  gboolean cut = FALSE;
  char buffer[16384];

  for (;;)
    {
      struct pollfd fds[3] = {
        { .fd = relay->client, .events = POLLIN },
        { .fd = relay->server, .events = POLLIN },
        { .fd = proxy->wake[0], .events = POLLIN },
      };

      if (poll (fds, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (fds[2].revents != 0)
        break;
      for (int i = 0; i < 2; i++)
        {
          int from = i == 0 ? relay->client : relay->server;
          int to = i == 0 ? relay->server : relay->client;
          ssize_t n;
          guint64 throttle;

          if (fds[i].revents == 0)
            continue;
          n = recv (from, buffer, sizeof buffer, 0);
          if (n <= 0)
            goto done;
          if (relayed + (guint64)n >= relay->budget)
            {
              n = (ssize_t)(relay->budget - relayed);
              cut = TRUE;
            }
          if (n > 0 && !write_all (to, buffer, (gsize)n))
            goto done;
          relayed += (guint64)n;
          g_mutex_lock (&proxy->lock);
          if (i == 0)
            proxy->bytes_up += (guint64)n;
          else
            proxy->bytes_down += (guint64)n;
          throttle = proxy->throttle;
          g_mutex_unlock (&proxy->lock);
          if (cut)
            goto done;
          if (throttle > 0)
            g_usleep ((gulong)((guint64)n * G_USEC_PER_SEC / throttle));
        }
    }
done:
  if (cut)
    {
      reset_close (relay->client);
      reset_close (relay->server);
    }
  else
    {
      close (relay->client);
      close (relay->server);
    }
  g_free (relay);
  /* A long run makes tens of thousands of connections: an ended relay hands itself to the
   * acceptor to be joined, so its stack is freed rather than kept until the proxy is. The
   * acceptor adds a relay to @threads under the lock it created it under, so it is there. */
  g_mutex_lock (&proxy->lock);
  g_ptr_array_remove_fast (proxy->threads, g_thread_self ());
  g_ptr_array_add (proxy->finished, g_thread_self ());
  g_mutex_unlock (&proxy->lock);
  return NULL;
}

/* Joins the relays that have ended. */
static void
join_finished (MendCuttingProxy *proxy)
{
  g_autoptr (GPtrArray) ended = NULL;

  g_mutex_lock (&proxy->lock);
  ended = g_steal_pointer (&proxy->finished);
  proxy->finished = g_ptr_array_new ();
  g_mutex_unlock (&proxy->lock);
  for (guint i = 0; i < ended->len; i++)
    g_thread_join (g_ptr_array_index (ended, i));
}

static gpointer
accept_thread (gpointer data)
{
  MendCuttingProxy *proxy = data;

  for (;;)
    {
      struct pollfd fds[2] = {
        { .fd = proxy->listen_fd, .events = POLLIN },
        { .fd = proxy->wake[0], .events = POLLIN },
      };
      Relay *relay;
      int client;

      if (poll (fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (fds[1].revents != 0)
        break;
      join_finished (proxy);
      client = accept (proxy->listen_fd, NULL, NULL);
      if (client < 0)
        continue;
      fcntl (client, F_SETFD, FD_CLOEXEC);
      relay = g_new0 (Relay, 1);
      relay->proxy = proxy;
      relay->client = client;
      relay->budget = G_MAXUINT64;
      g_mutex_lock (&proxy->lock);
      relay->server = connect_target (proxy->target_port);
      proxy->connections++;
      /* The cut is decided when the connection opens, so the same seed cuts the same
       * connections at the same byte counts. */
      if (proxy->cuts < proxy->max_cuts)
        {
          relay->budget = proxy->min_bytes
                          + (guint64)(g_rand_double (proxy->rand)
                                      * (double)(proxy->max_bytes - proxy->min_bytes));
          proxy->cuts++;
        }
      g_mutex_unlock (&proxy->lock);
      if (relay->server < 0)
        {
          /* HQ is down: the client sees a reset, as it would see HQ's own refusal. */
          reset_close (client);
          g_free (relay);
          continue;
        }
      g_mutex_lock (&proxy->lock);
      g_ptr_array_add (proxy->threads, g_thread_new ("cutting-relay", relay_thread, relay));
      g_mutex_unlock (&proxy->lock);
    }
  return NULL;
}

/**
 * mend_cutting_proxy_new:
 * @target_port: HQ's port on 127.0.0.1
 * @seed: seeds where the cuts fall
 *
 * Returns: (transfer full): a proxy listening on a port of 127.0.0.1 the kernel picked, that
 *   relays without cutting until mend_cutting_proxy_set_cuts()
 */
MendCuttingProxy *
mend_cutting_proxy_new (guint16 target_port, guint32 seed)
{
  MendCuttingProxy *proxy = g_new0 (MendCuttingProxy, 1);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
  socklen_t length = sizeof addr;

  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_mutex_init (&proxy->lock);
  proxy->rand = g_rand_new_with_seed (seed);
  proxy->target_port = target_port;
  proxy->threads = g_ptr_array_new ();
  proxy->finished = g_ptr_array_new ();
  proxy->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (proxy->listen_fd, >=, 0);
  g_assert_cmpint (bind (proxy->listen_fd, (struct sockaddr *)&addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (proxy->listen_fd, 64), ==, 0);
  g_assert_cmpint (getsockname (proxy->listen_fd, (struct sockaddr *)&addr, &length), ==, 0);
  proxy->port = ntohs (addr.sin_port);
  g_assert_cmpint (pipe (proxy->wake), ==, 0);
  fcntl (proxy->wake[0], F_SETFD, FD_CLOEXEC);
  fcntl (proxy->wake[1], F_SETFD, FD_CLOEXEC);
  proxy->acceptor = g_thread_new ("cutting-proxy", accept_thread, proxy);
  return proxy;
}

guint16
mend_cutting_proxy_get_port (MendCuttingProxy *proxy)
{
  return proxy->port;
}

char *
mend_cutting_proxy_get_url (MendCuttingProxy *proxy)
{
  return g_strdup_printf ("http://127.0.0.1:%u", proxy->port);
}

void
mend_cutting_proxy_set_target (MendCuttingProxy *proxy, guint16 target_port)
{
  g_mutex_lock (&proxy->lock);
  proxy->target_port = target_port;
  g_mutex_unlock (&proxy->lock);
}

/**
 * mend_cutting_proxy_set_cuts:
 * @max_cuts: how many of the next connections to cut (counted from the start)
 * @min_bytes: the fewest bytes, both ways together, a cut connection relays
 * @max_bytes: the most
 */
void
mend_cutting_proxy_set_cuts (MendCuttingProxy *proxy,
                             guint max_cuts,
                             guint64 min_bytes,
                             guint64 max_bytes)
{
  g_assert_cmpuint (min_bytes, <=, max_bytes);
  g_mutex_lock (&proxy->lock);
  proxy->max_cuts = max_cuts;
  proxy->min_bytes = min_bytes;
  proxy->max_bytes = max_bytes;
  g_mutex_unlock (&proxy->lock);
}

void
mend_cutting_proxy_set_throttle (MendCuttingProxy *proxy, guint64 bytes_per_second)
{
  g_mutex_lock (&proxy->lock);
  proxy->throttle = bytes_per_second;
  g_mutex_unlock (&proxy->lock);
}

#define GETTER(type, name)                                                                         \
  type mend_cutting_proxy_get_##name (MendCuttingProxy *proxy)                                     \
  {                                                                                                \
    type value;                                                                                    \
                                                                                                   \
    g_mutex_lock (&proxy->lock);                                                                   \
    value = proxy->name;                                                                           \
    g_mutex_unlock (&proxy->lock);                                                                 \
    return value;                                                                                  \
  }

GETTER (guint64, bytes_up)
GETTER (guint64, bytes_down)
GETTER (guint, cuts)
GETTER (guint, connections)

void
mend_cutting_proxy_free (MendCuttingProxy *proxy)
{
  if (proxy == NULL)
    return;
  g_assert_cmpint (write (proxy->wake[1], "x", 1), ==, 1);
  g_thread_join (proxy->acceptor);
  /* Each relay, woken by the pipe, moves itself to @finished as it ends. */
  for (;;)
    {
      guint running;

      g_mutex_lock (&proxy->lock);
      running = proxy->threads->len;
      g_mutex_unlock (&proxy->lock);
      join_finished (proxy);
      if (running == 0)
        break;
      g_usleep (1000);
    }
  g_ptr_array_unref (proxy->threads);
  g_ptr_array_unref (proxy->finished);
  close (proxy->listen_fd);
  close (proxy->wake[0]);
  close (proxy->wake[1]);
  g_rand_free (proxy->rand);
  g_mutex_clear (&proxy->lock);
  g_free (proxy);
}
