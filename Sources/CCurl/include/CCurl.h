#ifndef CAA_CCURL_H
#define CAA_CCURL_H
/*
 * Typed, prefixed wrappers of libcurl's variadic curl_easy_setopt and curl_easy_getinfo, which Swift cannot
 * call. Each function forwards to exactly one library call; no logic lives in C.
 */
#include <curl/curl.h>

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

#endif
