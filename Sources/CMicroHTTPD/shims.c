#include "CMicroHTTPD.h"

struct MHD_Daemon *caa_mhd_start_daemon(unsigned int flags, uint16_t port,
                                        MHD_AccessHandlerCallback handler, void *handler_cls,
                                        MHD_RequestCompletedCallback completed, void *completed_cls,
                                        unsigned int thread_pool_size, unsigned int connection_timeout_seconds,
                                        caa_mhd_unescape_callback unescape, size_t connection_memory_limit,
                                        const struct sockaddr *address) {
    return MHD_start_daemon(flags, port, NULL, NULL, handler, handler_cls,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, completed_cls,
                            MHD_OPTION_THREAD_POOL_SIZE, thread_pool_size,
                            MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout_seconds,
                            MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, connection_memory_limit,
                            MHD_OPTION_SOCK_ADDR, address,
                            MHD_OPTION_END);
}

uint16_t caa_mhd_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}
