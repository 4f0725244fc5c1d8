#ifndef CAA_CSHIMS_H
#define CAA_CSHIMS_H
/*
 * Typed, prefixed wrappers of the variadic C entry points of libcurl and libmicrohttpd, which Swift cannot
 * call directly. Every function here forwards to exactly one library call; no logic lives in C.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <curl/curl.h>
#include <microhttpd.h>

/* ---- libcurl: curl_easy_setopt / curl_easy_getinfo by argument type ---- */
CURLcode caa_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode caa_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode caa_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode caa_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode caa_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value);
/** The write and header callbacks have the signature of CURLOPT_WRITEFUNCTION. */
typedef size_t (*caa_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);
CURLcode caa_curl_setopt_data_callback(CURL *handle, CURLoption option, caa_curl_data_callback callback);
CURLcode caa_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode caa_curl_getinfo_double(CURL *handle, CURLINFO info, double *value);

/* ---- libmicrohttpd: MHD_start_daemon / MHD_get_daemon_info ---- */
/** The signature of MHD_OPTION_UNESCAPE_CALLBACK: decodes `value` in place and returns its new length. */
typedef size_t (*caa_mhd_unescape_callback)(void *cls, struct MHD_Connection *connection, char *value);
/**
 * Starts a daemon with its own polling threads (a pool of `threads` when > 1; a thread per connection when
 * `threads` is 0, for handlers that may block for long) listening on host:port
 * (host is an IPv4 or IPv6 literal; NULL or "" means all IPv4 addresses), decoding the URL path and query
 * values with `unescape` (not NULL), with `connection_memory_limit` bytes of memory pool per connection
 * (0: libmicrohttpd's default of 32 KiB; MHD zeroes the pool for every request). Returns NULL on failure.
 */
struct MHD_Daemon *caa_mhd_start(const char *host, uint16_t port, unsigned int threads,
                                 unsigned int connection_timeout_seconds,
                                 MHD_AccessHandlerCallback handler, void *handler_cls,
                                 MHD_RequestCompletedCallback completed, void *completed_cls,
                                 caa_mhd_unescape_callback unescape, size_t connection_memory_limit);
/** The port the daemon listens on (useful when started on port 0), or 0. */
uint16_t caa_mhd_bound_port(struct MHD_Daemon *daemon);

#endif
