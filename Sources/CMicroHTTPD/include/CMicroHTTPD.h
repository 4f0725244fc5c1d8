#ifndef CAA_CMICROHTTPD_H
#define CAA_CMICROHTTPD_H
/*
 * A typed, prefixed wrapper of libmicrohttpd's variadic MHD_start_daemon, which Swift cannot call, and of
 * MHD_get_daemon_info for the bound port. Each function forwards to exactly one library call; the flags, the
 * address and every option value are chosen by the caller (Sources/HTTPServer).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

/** The signature of MHD_OPTION_UNESCAPE_CALLBACK: decodes `value` in place and returns its new length. */
typedef size_t (*caa_mhd_unescape_callback)(void *cls, struct MHD_Connection *connection, char *value);

/** The signature of MHD_OPTION_EXTERNAL_LOGGER (its va_list passed on as a pointer Swift can take). */
typedef void (*caa_mhd_log_callback)(void *cls, const char *format, va_list arguments);

/**
 * MHD_start_daemon(flags, port, accept_policy, accept_policy_cls, handler, handler_cls, followed by the options
 * MHD_OPTION_NOTIFY_COMPLETED (completed, completed_cls), MHD_OPTION_NOTIFY_CONNECTION (notify, notify_cls),
 * MHD_OPTION_EXTERNAL_LOGGER (logger, logger_cls), MHD_OPTION_THREAD_POOL_SIZE, MHD_OPTION_CONNECTION_TIMEOUT,
 * MHD_OPTION_CONNECTION_LIMIT, MHD_OPTION_UNESCAPE_CALLBACK (unescape, NULL), MHD_OPTION_CONNECTION_MEMORY_LIMIT
 * and MHD_OPTION_SOCK_ADDR, then MHD_OPTION_END). Returns NULL on failure.
 */
struct MHD_Daemon *caa_mhd_start_daemon(unsigned int flags, uint16_t port,
                                        MHD_AcceptPolicyCallback accept_policy, void *accept_policy_cls,
                                        MHD_AccessHandlerCallback handler, void *handler_cls,
                                        MHD_RequestCompletedCallback completed, void *completed_cls,
                                        MHD_NotifyConnectionCallback notify, void *notify_cls,
                                        caa_mhd_log_callback logger, void *logger_cls,
                                        unsigned int thread_pool_size, unsigned int connection_timeout_seconds,
                                        unsigned int connection_limit,
                                        caa_mhd_unescape_callback unescape, size_t connection_memory_limit,
                                        const struct sockaddr *address);

/** MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS)->client_addr, or NULL. */
const struct sockaddr *caa_mhd_client_address(struct MHD_Connection *connection);

/** MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT)->port, or 0. */
uint16_t caa_mhd_bound_port(struct MHD_Daemon *daemon);

#endif
